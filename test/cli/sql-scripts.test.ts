import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/Cli.js"

const dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-sql-scripts-"))
const db = join(dir, "demo", "audit.duckdb")
afterAll(() => rmSync(dir, { recursive: true, force: true }))
beforeAll(async () => {
  expect((await runCli(["demo", "--days", "1", "--reports", dir])).code).toBe(0)
})

const sql = (query: string, format = "table") => runCli(["sql", query, "--db", db, "--format", format])

describe("ptolemy-audit sql with several statements", () => {
  it("the table format shows the result of each statement, in order", async () => {
    const result = await sql("SELECT 1 AS first; SELECT 'two' AS second, 3 AS third")
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" })
    expect(result.stdout).toBe(
      ["first", "─────", "    1", "(1 row)", "", "second  third", "──────  ─────", "two         3", "(1 row)", ""].join(
        "\n"
      )
    )
  })

  it("csv and json show the one result of a script (setup statements first), and refuse a script with two", async () => {
    const script = "CREATE TEMP TABLE picked AS SELECT run_id FROM runs WHERE run_id = 1; SELECT run_id FROM picked"
    const csv = await sql(script, "csv")
    expect({ code: csv.code, stdout: csv.stdout }).toEqual({ code: 0, stdout: "run_id\r\n1\r\n" })
    const json = await sql(script, "json")
    expect(JSON.parse(json.stdout)).toEqual([{ run_id: 1 }])
    for (const format of ["csv", "json"]) {
      const two = await sql("SELECT 1 AS a; SELECT 2 AS b", format)
      expect({ format, code: two.code, stdout: two.stdout }).toEqual({ format, code: 2, stdout: "" })
      expect(two.stderr).toContain(`--format ${format} prints one result, and 2 of these 2 statements return rows`)
    }
  })

  it("a statement that writes is refused wherever it stands in the script; an empty query is refused", async () => {
    const count = async () => (await sql("SELECT count(*) AS n FROM runs", "csv")).stdout.trim().split(/\r?\n/)
    const before = await count()
    // The demo's day, then its run after the remediation it carries out.
    expect(before).toEqual(["n", "2"])
    const refused = await sql("SELECT 1; DELETE FROM run_log")
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("only reads")
    expect(await count()).toEqual(before)
    const empty = await sql(" ; ")
    expect({ code: empty.code, stdout: empty.stdout }).toEqual({ code: 2, stdout: "" })
    expect(empty.stderr).toContain("The query is empty")
  })
})
