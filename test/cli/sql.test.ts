import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/Cli.js"

const dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-sql-"))
const db = join(dir, "demo", "audit.duckdb")
afterAll(() => rmSync(dir, { recursive: true, force: true }))
beforeAll(async () => {
  expect((await runCli(["demo", "--days", "5", "--reports", dir])).code).toBe(0)
})

const examples = readFileSync(new URL("../../docs/sql.md", import.meta.url), "utf8").match(/```sql\n([\s\S]*?)```/g)!
  .map((block) => block.replace(/^```sql\n|```$/g, ""))

describe("ptolemy-audit sql", () => {
  it("answers every example query of docs/sql.md on the demo database", async () => {
    expect(examples.length).toBeGreaterThanOrEqual(5)
    for (const query of examples) {
      const result = await runCli(["sql", query, "--db", db, "--format", "json"])
      expect({ query, code: result.code, stderr: result.stderr }).toEqual({ query, code: 0, stderr: "" })
      expect(Array.isArray(JSON.parse(result.stdout))).toBe(true)
    }
  })

  it("csv is a header line then rows; json an array of row objects with JSON columns as objects; stdout alone", async () => {
    const csv = await runCli(["sql", "SELECT run_id, status FROM runs ORDER BY run_id", "--db", db, "--format", "csv"])
    expect(csv.stdout.trim().split(/\r?\n/)).toEqual([
      "run_id,status",
      "1,complete",
      "2,complete",
      "3,complete",
      "4,complete",
      "5,complete",
      "6,complete"
    ]) // 5 days, and the run after the demo's remediation
    const json = await runCli([
      "sql",
      "SELECT id, raw FROM members WHERE run_id = 1 ORDER BY id LIMIT 1",
      "--db",
      db,
      "--format",
      "json"
    ])
    const [row] = JSON.parse(json.stdout)
    expect(row.raw.id).toBe(row.id)
    expect(json.stderr).toBe("")
  })

  it("refuses SQL that writes, or reaches files, with exit 2, and changes nothing", async () => {
    const before = readFileSync(db)
    const target = join(dir, "leak.csv")
    for (
      const statement of [
        "DELETE FROM run_log",
        "CREATE TABLE x AS SELECT 1",
        "UPDATE member_versions SET role = 'admin'",
        `COPY (SELECT * FROM members) TO '${target}'`
      ]
    ) {
      const result = await runCli(["sql", statement, "--db", db])
      expect({ statement, code: result.code }).toEqual({ statement, code: 2 })
      expect(result.stderr).toMatch(/error: /)
    }
    expect(existsSync(target)).toBe(false)
    expect(readFileSync(db).equals(before)).toBe(true)
    const broken = await runCli(["sql", "SELECT * FROM no_such_view", "--db", db])
    expect(broken.code).toBe(2)
    expect(broken.stderr).toContain("no_such_view")
  })
})
