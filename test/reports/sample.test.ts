/**
 * The demo's history (seed 1, 90 days from 2026-01-06), built once: the committed sample must be what it produces
 * today, and the Q1 review (`report --period 2026-Q1`) must follow each rule of a review a person can do from the
 * workbook alone. Expectations come from the demo's raw data (member versions, the access log), not from the reports.
 */
import { NodeContext } from "@effect/platform-node"
import { parse } from "csv-parse/sync"
import { Effect, Layer } from "effect"
import ExcelJS from "exceljs"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Database, type DatabaseService, type StoreError } from "../../src/store/Database.js"
import { storeLayer } from "../../src/store/StoreLayer.js"
import { runCli } from "../support/Cli.js"

const sample = (file: string) => new URL(`../../reports/sample/${file}`, import.meta.url)
const dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-sample-"))
const db = join(dir, "demo", "audit.duckdb")
const q1 = join(dir, "q1")

beforeAll(async () => {
  // The 90-day demo: a minute or two on two cores.
  expect((await runCli(["demo", "--reports", dir], { timeoutMs: 600_000 })).code).toBe(0)
  const report = await runCli(["report", "--period", "2026-Q1", "--db", db, "--reports", q1])
  expect({ code: report.code, stderr: report.stderr }).toMatchObject({
    code: 0,
    stderr: expect.stringContaining("starts after the window")
  })
}, 900_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Works with one read-only session on the demo's database (a session: variables set in it last until it ends). */
const inDatabase = <A>(f: (d: DatabaseService) => Effect.Effect<A, StoreError>) =>
  Effect.runPromise(
    Effect.provide(
      Effect.flatMap(Database, f),
      Layer.merge(storeLayer({ path: db, readOnly: true }), NodeContext.layer)
    )
  )

const sql = (query: string) => inDatabase((d) => d.query(query))

const readWorkbook = async (path: string) => {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.readFile(path)
  return workbook
}

/** A sheet's rows after its header as objects keyed by header. */
const rowsOf = (workbook: ExcelJS.Workbook, name: string) => {
  const sheet = workbook.getWorksheet(name)!
  const headers = (sheet.getRow(1).values as Array<unknown>).slice(1).map(String)
  return Array.from({ length: sheet.actualRowCount - 1 }, (_, i) => {
    const values = (sheet.getRow(i + 2).values as Array<unknown>).slice(1)
    return Object.fromEntries(headers.map((h, j) => [h, values[j] ?? null])) as Record<string, unknown>
  })
}

const q1Files = {
  markdown: join(q1, "acme-capital", "2026-Q1", "audit.md"),
  workbook: join(q1, "acme-capital", "2026-Q1", "audit.xlsx"),
  json: join(q1, "acme-capital", "2026-Q1", "findings.json")
}

describe("the committed sample reports", { timeout: 300_000 }, () => {
  it("are what the deterministic demo produces today (regenerate with npm run sample)", async () => {
    // Every byte, the run's hashes included: the demo is deterministic (seeded world, simulated clock), and two demo
    // runs of the same code give the same hash chain.
    for (const file of ["audit.md", "findings.json"]) {
      expect({ file, content: readFileSync(join(dir, "demo", file), "utf8") }).toEqual({
        file,
        content: readFileSync(sample(file), "utf8")
      })
    }
    // The workbook is a zip with its own timestamps: compare what it holds.
    const read = async (path: string) =>
      (await readWorkbook(path)).worksheets.map((sheet) => ({
        name: sheet.name,
        rows: sheet.getSheetValues().map((row) => JSON.stringify(row))
      }))
    expect(await read(join(dir, "demo", "audit.xlsx"))).toEqual(await read(sample("audit.xlsx").pathname))
  })

  it("the job summary of a quiet day fits its budget, with what needs attention first and on one screen", () => {
    const md = readFileSync(sample("audit.md"), "utf8")
    const lines = md.trimEnd().split("\n")
    expect(lines.length).toBeLessThanOrEqual(150)
    expect(lines.findIndex((l) => l.startsWith("## "))).toBe(lines.indexOf("## Needs attention"))
    const attention = md.split("## Needs attention")[1]!.split("\n## ")[0]!.trim().split("\n")
    expect(attention.length).toBeLessThanOrEqual(25)
    // Low findings folded: the 54 expired invitations are one line.
    expect(md.match(/`invitation\.expired`/g)).toHaveLength(1)
    expect(md).toContain("| `invitation.expired` | 54 findings: ")
  })
})

describe("the Q1 review of the demo", { timeout: 300_000 }, () => {
  it("the quarter's evidence pack lists the remediation of its campaign, each action as the next run verified it", async () => {
    const actions = await sql(
      `SELECT a.action_id, a.label, a.verification FROM remediation_actions a
       JOIN review_campaigns c ON c.campaign_id = a.campaign_id WHERE c.period = '2026-Q1' ORDER BY a.plan_id, a.position`
    )
    expect(actions.length).toBeGreaterThan(0)
    expect(new Set(actions.map((a) => a["verification"]))).toEqual(new Set(["verified"]))
    const csv: Array<Record<string, string>> = parse(
      readFileSync(join(dir, "demo", "evidence-acme-capital-2026-Q1", "08-remediation.csv"), "utf8"),
      { columns: true, bom: true }
    )
    expect(csv.map((r) => [r["Action"], r["Target"], r["Verification"]])).toEqual(
      actions.map((a) => [a["action_id"], a["label"], a["verification"]])
    )
  })

  it("starts where the history does, says so in bold in every report, and diff resolves the dates the same way", async () => {
    const md = readFileSync(q1Files.markdown, "utf8")
    expect(md).toContain(
      "Period 2026-Q1 (2026-01-01 to 2026-03-31), covered by run 1 (2026-01-06 09:00 UTC) to run 85 (2026-03-31 09:00 UTC)"
    )
    expect(md).toContain(
      "> **The history starts after this period does: the first stored run is run 1 (2026-01-06 09:00 UTC)"
    )
    const json = JSON.parse(readFileSync(q1Files.json, "utf8"))
    expect(json.scope).toEqual({
      kind: "window",
      label: "2026-Q1",
      from_run_id: 1,
      to_run_id: 85,
      period: { start: "2026-01-01", end: "2026-03-31" },
      starts_late: true
    })
    const summary = rowsOf(await readWorkbook(q1Files.workbook), "Summary")
    expect(summary.find((r) => r["Item"] === "Warning")?.["Value"]).toMatch(
      /^The history starts after this period does/
    )
    const diff = await runCli(["diff", "--from", "2026-01-01", "--to", "2026-03-31", "--format", "json", "--db", db])
    expect(diff.code).toBe(0)
    const d = JSON.parse(diff.stdout)
    expect([d.from.run_id, d.to.run_id, d.starts_late]).toEqual([1, 85, true])
  })

  it("one status per person, as the member versions at runs 1 and 85 have it, with who and when", async () => {
    const [start, end] = await Promise.all(
      [1, 85].map((run) => sql(`SELECT id, role FROM members WHERE run_id = ${run}`))
    )
    const roleAt = (rows: ReadonlyArray<Record<string, unknown>>) =>
      new Map(rows.map((r) => [String(r["id"]), r["role"]]))
    const [s, e] = [roleAt(start!), roleAt(end!)]
    const expected = new Map<string, string>()
    for (const [id, role] of e) {
      expected.set(id, !s.has(id) ? "joined" : s.get(id) !== role ? "role changed" : "existing")
    }
    for (const id of s.keys()) if (!e.has(id)) expected.set(id, "left")
    const workbook = await readWorkbook(q1Files.workbook)
    const statusOf = new Map(rowsOf(workbook, "Members").map((r) => [String(r["Membership id"]), r["Status"]]))
    expect(statusOf).toEqual(expected)
    const people = rowsOf(workbook, "Joiners, movers, leavers")
    // One row per person: none twice, and a robot's removal once.
    expect(new Set(people.map((p) => p["Membership id"])).size).toBe(people.length)
    const count = (status: string) => [...expected.values()].filter((v) => v === status).length
    for (const status of ["joined", "left", "role changed"]) {
      expect(people.filter((p) => p["Status"] === status)).toHaveLength(count(status))
    }
    // Names, not ids: who did it and who invited them, as the access log and the invitations name them.
    const grace = people.find((p) =>
      p["Status"] === "role changed" && p["Email"] === "donald.turing132@acme-capital.example"
    )!
    expect([grace["Role before"], grace["Role after"], grace["By"]]).toEqual(["member", "viewer", "Bjarne Liskov"])
    // A joiner still there at the end, invited by the member the invitation's invited_by names.
    const email = "edsger.rossum200010@acme-capital.example"
    const inviter = await sql(
      `SELECT DISTINCT (SELECT any_value(m.display_name) FROM members m WHERE m.id = i.invited_by) AS name
       FROM invitations i WHERE i.email = '${email}' AND i.status = 'accepted'`
    )
    expect(inviter).toHaveLength(1)
    const joiner = people.find((p) => p["Email"] === email)!
    expect([joiner["Status"], joiner["By"], joiner["Invited by"]]).toEqual([
      "joined",
      "accepted an invitation",
      inviter[0]!["name"]
    ])
  })

  it("privileged access: the admins at both ends and the quarter's one grant, with who and when; the finding in its run", async () => {
    const workbook = await readWorkbook(q1Files.workbook)
    const sheet = workbook.getWorksheet("Privileged access")!
    const text = sheet.getSheetValues().map((row) => (Array.isArray(row) ? row.slice(1).join(" | ") : "")).join("\n")
    expect(text).toContain(
      "granted | Margaret Wilson | margaret.wilson105@acme-capital.example | member → admin | Frances Allen"
    )
    const admins = await Promise.all(
      [1, 85].map((run) => sql(`SELECT count(*)::INTEGER AS n FROM members WHERE run_id = ${run} AND role = 'admin'`))
    )
    expect(admins.map((r) => r[0]!["n"])).toEqual([4, 5])
    const finding = await sql(`SELECT run_id, severity, detail FROM findings WHERE rule_id = 'access.admin_granted'`)
    expect(finding).toEqual([{
      run_id: 78,
      severity: "medium",
      detail: "role changed from member to admin by Frances Allen at 2026-03-23 17:14 UTC"
    }])
    const md = readFileSync(q1Files.markdown, "utf8")
    expect(md).toContain(
      "- 🔑 **Admin access:** granted to Margaret Wilson (member → admin, by Frances Allen, 2026-03-23 17:14 UTC)"
    )
  })

  it("churn apart from people, netted once per entity, named; changed fields only", async () => {
    const workbook = await readWorkbook(q1Files.workbook)
    for (
      const [name, id] of [["Invitation changes", "Invitation id"], ["Token changes", "Token id"], [
        "Webhook changes",
        "Webhook id"
      ]] as const
    ) {
      const rows = rowsOf(workbook, name)
      expect(new Set(rows.map((r) => r[id])).size).toBe(rows.length)
    }
    // An invitation sent and accepted in the quarter is one row.
    const sophie = rowsOf(workbook, "Invitation changes").filter((r) =>
      r["Email"] === "sophie.torvalds200002@acme-capital.example"
    )
    expect(sophie.map((r) => [r["Outcome"], r["Invited by"]])).toEqual([["sent and accepted", "Frances Allen"]])
    expect(rowsOf(workbook, "Token changes").every((r) => typeof r["Robot"] === "string")).toBe(true)
    const alerts = rowsOf(workbook, "Webhook changes").find((r) =>
      r["URL"] === "https://hooks.acme-capital.example/alerts-3"
    )!
    expect([alerts["Outcome"], alerts["By"]]).toEqual(["changed: active: true → false", "Guido Wirth"])
    // The change log shows a robot's removal once.
    const log = rowsOf(workbook, "Changes")
    const robotRemovals = log.filter((r) => r["Change"] === "robot_removed")
    expect(robotRemovals.length).toBeGreaterThan(0)
    for (const r of robotRemovals) {
      expect(log.filter((l) => l["Run"] === r["Run"] && l["Entity"] === r["Entity"])).toHaveLength(1)
    }
    // No visible cell of a data sheet is an id.
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
    for (const sheet of workbook.worksheets.filter((w) => w.name !== "Run info")) {
      sheet.eachRow((row) =>
        row.eachCell((cell, column) => {
          if (!sheet.getColumn(column).hidden) {
            expect({ sheet: sheet.name, value: cell.value }).not.toEqual({
              sheet: sheet.name,
              value: expect.stringMatching(uuid)
            })
          }
        })
      )
    }
  })

  it("the Markdown caps each section on its own: leavers and movers are shown even with 36 joiners", () => {
    const md = readFileSync(q1Files.markdown, "utf8")
    const table = md.split("Joiners, movers and leavers (")[1]!.split("\n\n_")[0]!
    const rows = table.split("\n").filter((l) => /^\| (joined|left|role changed|joined and left) \|/.test(l))
    for (const status of ["joined", "left", "role changed"]) {
      const n = rows.filter((l) => l.startsWith(`| ${status} |`)).length
      expect({ status, n }).toEqual({ status, n: 8 })
    }
    expect(md).toContain("_More in audit.xlsx (Joiners, movers, leavers): 28 joined, 7 left, 2 role changed")
  })
})

describe("the findings a run stores", { timeout: 300_000 }, () => {
  it("are evaluate_findings' answer for that run, in runs with and without reviews, a roster and remediation", async () => {
    // The job evaluates only the rule families a run can fire (analyses/Findings.ts): over the demo's history, which
    // starts with none of the three and gains each, that shortcut must give what the full macro gives by hand.
    // Runs that read every collection: a gap carries findings the macro would not give (docs/findings.md).
    const runs = await sql(
      `SELECT run_id FROM runs r WHERE status = 'complete'
         AND NOT EXISTS (SELECT 1 FROM run_collections c WHERE c.run_id = r.run_id AND c.status <> 'complete')
       ORDER BY run_id`
    )
    expect(runs.length).toBeGreaterThan(80)
    const fired = new Set<string>()
    const columns = "rule_id, severity, collection, entity_type, entity_id, entity_name, detail"
    const compared = await inDatabase((d) =>
      Effect.gen(function*() {
        // The demo's one setting that is not a default (demo.ts): its allowed email domains.
        yield* d.execute("SET VARIABLE allowed_domains = ['acme-capital.example', 'orbitpay.example']")
        const out: Array<{ run_id: unknown; stored: unknown; evaluated: unknown }> = []
        for (const { run_id } of runs) {
          const stored = yield* d.query(`SELECT ${columns} FROM findings WHERE run_id = ${run_id} ORDER BY ALL`)
          const evaluated = yield* d.query(`SELECT ${columns} FROM evaluate_findings(${run_id}) ORDER BY ALL`)
          for (const f of stored) fired.add(String(f["rule_id"]))
          out.push({ run_id, stored, evaluated })
        }
        return out
      })
    )
    for (const { run_id, stored, evaluated } of compared) {
      expect({ run_id, findings: stored }).toEqual({ run_id, findings: evaluated })
    }
    // The people rules fired, and the comparison reached past the review and the remediation (the demo's last run
    // follows both), so each family was evaluated where it had something to judge.
    expect([...fired]).toEqual(expect.arrayContaining(["access.leaver", "robot.owner_left", "token.unused"]))
    const [after] = await sql(
      `SELECT (SELECT min(l.anchor_run_id) FROM review_campaign_log c JOIN ledger_log l USING (entry_id)) AS review,
              (SELECT min(anchor_run_id) FROM remediation_calls) AS remediation`
    )
    const lastCompared = Math.max(...runs.map((r) => Number(r["run_id"])))
    expect(lastCompared).toBeGreaterThan(Number(after!["review"]))
    expect(lastCompared).toBeGreaterThan(Number(after!["remediation"]))
  })
})
