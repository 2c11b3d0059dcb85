/**
 * docs/performance.md ("Past one machine") shows questions across workspaces answered from exported histories alone.
 * Every SQL block there runs as written, in one DuckDB session started in a folder holding the histories of two
 * different audits (a Ptolemy workspace, a TransactionLink organisation's workspaces), and each answer is the one the
 * audit databases' own views give.
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/Cli.js"

const dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-scale-out-"))
const audits = [
  { name: "ptolemy", db: join(dir, "p", "demo", "audit.duckdb"), demo: ["--source", "ptolemy", "--seed", "3"] },
  {
    name: "transactionlink",
    db: join(dir, "t", "demo", "audit.duckdb"),
    demo: ["--source", "transactionlink", "--seed", "4"]
  }
] as const
const cwd = process.cwd()
afterAll(() => {
  process.chdir(cwd)
  rmSync(dir, { recursive: true, force: true })
})

beforeAll(async () => {
  const demos = await Promise.all(
    audits.map((a) =>
      runCli(["demo", "--days", "3", ...a.demo, "--reports", join(dir, a.name === "ptolemy" ? "p" : "t")], {
        timeoutMs: 540_000
      })
    )
  )
  expect(demos.map((d) => d.code)).toEqual([0, 0])
  for (const audit of audits) {
    const exported = await runCli(["export", "--db", audit.db, "--to", join(dir, "histories", audit.name)])
    expect({ code: exported.code, stderr: exported.stderr }).toEqual({ code: 0, stderr: "" })
  }
}, 600_000)

/** The ```sql blocks of the section, as a reader copies them (the list's indentation removed). */
const examples =
  (readFileSync(new URL("../../docs/performance.md", import.meta.url), "utf8").match(/```sql\n[\s\S]*?```/g) ?? [])
    .map((block) => {
      const lines = block.split("\n").slice(1, -1)
      const indent = Math.min(...lines.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length))
      return lines.map((l) => l.slice(indent)).join("\n")
    })

type Row = Record<string, unknown>

const rowsOf = async (connection: Awaited<ReturnType<DuckDBInstance["connect"]>>, sql: string): Promise<Array<Row>> =>
  (await connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Row>

/** The same question asked of each audit database through its documented views. */
const fromDatabases = async (sql: string): Promise<Array<Row>> => {
  const rows: Array<Row> = []
  for (const audit of audits) {
    const instance = await DuckDBInstance.create(audit.db, { access_mode: "READ_ONLY" })
    const connection = await instance.connect()
    await connection.run("SET TimeZone = 'UTC'")
    rows.push(...await rowsOf(connection, sql))
    connection.closeSync()
    instance.closeSync()
  }
  return rows
}

const latestMembers = `
  SELECT m.* FROM members m
  WHERE m.run_id = (SELECT max(c.run_id) FROM coverage c
                    WHERE c.source = m.source AND c.workspace_id = m.workspace_id
                      AND c.collection = 'members' AND c.status = 'complete')`

const byKey = (rows: Array<Row>, ...keys: ReadonlyArray<string>) =>
  [...rows].sort((a, b) =>
    keys.map((k) => String(a[k])).join("|").localeCompare(keys.map((k) => String(b[k])).join("|"))
  )

describe("the cross-workspace questions of docs/performance.md, over exported histories", () => {
  it("every example runs as written, and answers as the databases' own views do", async () => {
    expect(examples.length).toBe(4)
    const [setup, admins, several, leavers] = examples as [string, string, string, string]
    process.chdir(dir)
    const instance = await DuckDBInstance.create(":memory:")
    const connection = await instance.connect()
    await connection.run("SET TimeZone = 'UTC'")
    await connection.run(setup)

    // Current admins in every workspace.
    const adminRows = await rowsOf(connection, admins)
    const expectedAdmins = await fromDatabases(
      `SELECT source, workspace_id, count(*) AS admins FROM (${latestMembers}) WHERE is_admin(role, access, org_role) GROUP BY ALL`
    )
    expect(new Set(adminRows.map((r) => r["source"]))).toEqual(new Set(["ptolemy", "transactionlink"]))
    expect(adminRows).toEqual(byKey(expectedAdmins, "source", "workspace_id"))

    // People with access in several workspaces.
    const severalRows = await rowsOf(connection, several)
    const current = await fromDatabases(
      `SELECT DISTINCT lower(email) AS person, workspace_id FROM (${latestMembers}) WHERE user_type = 'human' AND email IS NOT NULL`
    )
    const workspacesOf = new Map<string, Set<string>>()
    for (const row of current) {
      const person = String(row["person"])
      workspacesOf.set(person, (workspacesOf.get(person) ?? new Set()).add(String(row["workspace_id"])))
    }
    const expectedSeveral = [...workspacesOf]
      .filter(([, ws]) => ws.size > 1)
      .map(([person, ws]) => ({ person, workspaces: String(ws.size), workspace_ids: [...ws].sort() }))
    expect(severalRows.length).toBeGreaterThan(0)
    expect(byKey(severalRows, "person")).toEqual(byKey(expectedSeveral, "person"))

    // Leavers everywhere: removals the databases' changes view shows, not undone by a later re-add.
    const leaverRows = await rowsOf(connection, leavers)
    const removals = await fromDatabases(`
      SELECT c.source, c.workspace_id AS removed_from, c.entity_id AS membership_id, r.started_at AS removed_at
      FROM changes c JOIN runs r USING (run_id)
      WHERE c.change_type = 'member_removed'
        AND NOT EXISTS (SELECT 1 FROM changes a WHERE a.change_type = 'member_added' AND a.source = c.source
                          AND a.workspace_id = c.workspace_id AND a.entity_id = c.entity_id AND a.run_id > c.run_id)
        AND (SELECT any_value(m.user_type) FROM members m
             WHERE m.source = c.source AND m.workspace_id = c.workspace_id AND m.id = c.entity_id) = 'human'`)
    expect(removals.length).toBeGreaterThan(0)
    expect(byKey(
      leaverRows.map((r) => ({
        source: r["source"],
        removed_from: r["removed_from"],
        membership_id: r["membership_id"],
        removed_at: String(r["removed_at"]).replace(" ", "T").replace(/\+00(:00)?$/, "Z")
      })),
      "source",
      "removed_from",
      "membership_id"
    )).toEqual(
      byKey(
        removals.map((r) => ({
          ...r,
          removed_at: String(r["removed_at"]).replace(" ", "T").replace(/\+00(:00)?$/, "Z")
        })),
        "source",
        "removed_from",
        "membership_id"
      )
    )
    // Where each leaver still has access: their current workspaces other than the one they left.
    for (const row of leaverRows) {
      const elsewhere = [...(workspacesOf.get(String(row["person"])) ?? [])].filter((w) => w !== row["removed_from"])
        .sort()
      expect({ person: row["person"], still_in: row["still_in"] }).toEqual({
        person: row["person"],
        still_in: elsewhere
      })
    }
    connection.closeSync()
    instance.closeSync()
  }, 300_000)
})
