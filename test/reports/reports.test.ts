import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import ExcelJS from "exceljs"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { vi } from "vitest"
import { defaultFindingSettings } from "../../src/analyses/Findings.js"
import { findingsJsonSchema } from "../../src/reports/FindingsJson.js"
import { writeReports } from "../../src/reports/Reports.js"
import { fitSummary } from "../../src/reports/StepSummary.js"
import { query, snapshotAt, testStore } from "../support/Pipeline.js"
import { event, invitation, member, robot, token, usage, webhook } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"
import { keywordsOf, SUPPORTED_KEYWORDS, validate } from "./JsonSchema.js"

const day = (d: number) => `2026-03-${String(d).padStart(2, "0")}T06:00:00Z`
const settings = { ...defaultFindingSettings, allowedDomains: ["acme.test"] }

const state = (d: number) => ({
  members: [
    member("ann", "admin"),
    member("bob", d > 1 ? "editor" : "viewer"),
    member("eve", "viewer", { email: "eve@gmail.com" }),
    ...(d > 2 ? [member("dan", "member")] : []),
    member("r1m", "viewer", { user_type: "robot", email: null, user_id: "r1", display_name: "ci-bot" })
  ],
  robots: [robot("r1")],
  robot_tokens: [
    token("t1", "r1", { expires_at: null, created_at: "2025-01-01T00:00:00Z" }),
    token("t2", "r1", { status: d > 2 ? "revoked" : "active" })
  ],
  invitations: [invitation("i1", { expires_at: "2026-03-04T00:00:00Z", created_at: "2026-02-25T00:00:00Z" })],
  webhooks: [webhook("w1", "http://hooks.acme.test/a")],
  plan_usage: [usage("seats", 40 + d, 50), usage("api_calls", 100 * d, 10000)],
  events: [event(`e${d}`, "membership.updated", "bob", day(d))]
})

const build = Effect.gen(function*() {
  for (let d = 1; d <= 3; d++) yield* snapshotAt(state(d), day(d), settings)
})

const sheetNames = [
  "Summary",
  "Access review",
  "Privileged access",
  "Joiners, movers, leavers",
  "Findings",
  "Members",
  "Robots and tokens",
  "Invitations",
  "Invitation changes",
  "Token changes",
  "Webhook changes",
  "Changes",
  "Quota history",
  "Run info"
]

/** A sheet's rows below its header, each keyed by header, empty cells as null. */
const sheetRows = (sheet: ExcelJS.Worksheet) => {
  const headers = headersOf(sheet).map(String)
  return Array.from({ length: sheet.actualRowCount - 1 }, (_, i) => {
    const values = (sheet.getRow(i + 2).values as Array<unknown>).slice(1)
    return Object.fromEntries(
      headers.map((h, j) => [h, values[j] === undefined || values[j] === "" ? null : values[j]])
    )
  })
}

/** The given columns of each row, as text, sorted: a table to compare with the database's, cell by cell. */
const cells = (rows: ReadonlyArray<Record<string, unknown>>, columns: ReadonlyArray<string>) =>
  rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? null : String(r[c])))).sort((a, b) =>
    JSON.stringify(a) < JSON.stringify(b) ? -1 : 1
  )

/** The header cells of a sheet's first row, and which of them are hidden columns. */
const headersOf = (sheet: ExcelJS.Worksheet) => (sheet.getRow(1).values as Array<unknown>).slice(1)
const hiddenHeaders = (sheet: ExcelJS.Worksheet) => headersOf(sheet).filter((_, i) => sheet.getColumn(i + 1).hidden)

describe("the reports", () => {
  it.scoped("the workbook: every sheet, styled frozen filtered headers, the review drop-down, rows as in the database", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { counts, files, stored } = yield* Effect.provide(
        Effect.gen(function*() {
          yield* build
          const files = yield* writeReports({ kind: "run", runId: 3 }, join(dir, "out"))
          const count = (sql: string) => Effect.map(query(sql), (r) => Number(r[0]!["n"]))
          return {
            files,
            // What each sheet must show, cell by cell, straight from the views.
            stored: {
              findings: yield* query("SELECT severity, rule_id, entity_id, entity_type FROM findings WHERE run_id = 3"),
              review: yield* query("SELECT id, user_id, email, role, user_type FROM members WHERE run_id = 3"),
              members: yield* query(
                `SELECT coalesce(b.id, a.id) AS id, coalesce(b.email, a.email) AS email, a.role AS start_role, b.role AS end_role
                 FROM (SELECT * FROM members WHERE run_id = 2) a FULL JOIN (SELECT * FROM members WHERE run_id = 3) b USING (id)`
              ),
              changes: yield* query("SELECT run_id, change_type, entity_type, entity_id FROM changes WHERE run_id = 3"),
              invitations: yield* query("SELECT id, email, role, status FROM invitations WHERE run_id = 3"),
              tokens: yield* query(
                "SELECT t.robot_id, t.id, t.status, r.display_name FROM robot_tokens t JOIN robots r USING (run_id) WHERE run_id = 3 AND r.id = t.robot_id"
              ),
              quota: yield* query(`SELECT run_id, dimension, used, "limit" FROM plan_usage WHERE run_id <= 3`)
            },
            counts: {
              members: yield* count("SELECT count(*) AS n FROM members WHERE run_id = 3"),
              // Both ends: run 2's members and run 3's (dan joined at 3; nobody left).
              population: yield* count("SELECT count(DISTINCT id) AS n FROM members WHERE run_id IN (2, 3)"),
              findings: yield* count("SELECT count(*) AS n FROM findings WHERE run_id = 3"),
              changes: yield* count("SELECT count(*) AS n FROM changes WHERE run_id = 3"),
              invitations: yield* count("SELECT count(*) AS n FROM invitations WHERE run_id = 3"),
              tokens: yield* count("SELECT count(*) AS n FROM robot_tokens WHERE run_id = 3"),
              quota: yield* count("SELECT count(*) AS n FROM plan_usage WHERE run_id <= 3")
            }
          }
        }),
        testStore(dir)
      )
      const workbook = new ExcelJS.Workbook()
      yield* Effect.promise(() => workbook.xlsx.readFile(files.workbook))
      expect(workbook.worksheets.map((w) => w.name)).toEqual(sheetNames)
      // Privileged access stacks three small tables, each with its own header: no frozen first row there.
      for (const sheet of workbook.worksheets.filter((w) => w.name !== "Privileged access")) {
        expect(sheet.views[0]).toMatchObject({ state: "frozen", ySplit: 1 })
        expect(sheet.autoFilter).toBeTruthy()
        const header = sheet.getRow(1)
        expect(header.getCell(1).font?.bold).toBe(true)
        expect((header.getCell(1).fill as ExcelJS.FillPattern).fgColor?.argb).toBe("FF1F3A5F")
      }
      const rows = (name: string) => workbook.getWorksheet(name)!.actualRowCount - 1
      expect(rows("Members")).toBe(counts.population)
      expect(rows("Access review")).toBe(counts.members)
      expect(rows("Findings")).toBe(counts.findings)
      expect(rows("Changes")).toBe(counts.changes)
      expect(rows("Invitations")).toBe(counts.invitations)
      expect(rows("Robots and tokens")).toBe(counts.tokens)
      expect(rows("Quota history")).toBe(counts.quota)
      // Not only as many rows: the same cells.
      const sheet = (name: string) => sheetRows(workbook.getWorksheet(name)!)
      const db = (rows: ReadonlyArray<Record<string, unknown>>, columns: ReadonlyArray<string>) => cells(rows, columns)
      expect(cells(sheet("Findings"), ["Severity", "Rule", "Entity id", "Entity type"]))
        .toEqual(db(stored.findings, ["severity", "rule_id", "entity_id", "entity_type"]))
      expect(cells(sheet("Access review"), ["Membership id", "User id", "Email", "Role", "Type"]))
        .toEqual(db(stored.review, ["id", "user_id", "email", "role", "user_type"]))
      expect(cells(sheet("Members"), ["Membership id", "Email", "Role at start", "Role at end"]))
        .toEqual(db(stored.members, ["id", "email", "start_role", "end_role"]))
      expect(cells(sheet("Changes"), ["Run", "Change", "Entity type", "Entity id"]))
        .toEqual(db(stored.changes, ["run_id", "change_type", "entity_type", "entity_id"]))
      expect(cells(sheet("Invitations"), ["Invitation id", "Email", "Role", "Status"]))
        .toEqual(db(stored.invitations, ["id", "email", "role", "status"]))
      expect(cells(sheet("Robots and tokens"), ["Robot id", "Token id", "Status", "Robot"]))
        .toEqual(db(stored.tokens, ["robot_id", "id", "status", "display_name"]))
      expect(cells(sheet("Quota history"), ["Run", "Dimension", "Used", "Limit"]))
        .toEqual(db(stored.quota, ["run_id", "dimension", "used", "limit"]))
      // ...and the comparison is not vacuous: every sheet compared has rows.
      for (const rows of Object.values(stored)) expect(rows.length).toBeGreaterThan(0)
      // Every time column says UTC; ids are kept, hidden, after every visible column.
      for (
        const sheet of workbook.worksheets.filter((w) => !["Summary", "Run info", "Privileged access"].includes(w.name))
      ) {
        const headers = headersOf(sheet).map(String)
        for (
          const h of headers.filter((h) =>
            /since|seen|until|at$|Date|Detected|Sent|Expires|Accepted|Revoked|Created|Last|When|Joined/.test(h)
          )
        ) {
          expect({ sheet: sheet.name, h }).toEqual({ sheet: sheet.name, h: expect.stringMatching(/\(UTC\)$/) })
        }
        const hidden = hiddenHeaders(sheet)
        expect(hidden.every((h) => / id$|Entity type/.test(String(h)))).toBe(true)
        expect(headers.slice(headers.length - hidden.length)).toEqual(hidden)
      }
      expect(hiddenHeaders(workbook.getWorksheet("Access review")!)).toEqual(["Membership id", "User id"])
      // Printed: one page wide, as many tall as it takes, the header on every page.
      const setup = workbook.getWorksheet("Findings")!.pageSetup
      expect(setup).toMatchObject({ orientation: "landscape", fitToPage: true, fitToWidth: 1, fitToHeight: 0 })

      const review = workbook.getWorksheet("Access review")!
      const headers = (review.getRow(1).values as Array<unknown>).slice(1)
      expect(headers).toEqual(expect.arrayContaining(["Decision", "Reviewer", "Reviewed on", "Comment"]))
      // Columns only TransactionLink fills are left out of a Ptolemy workbook rather than left empty.
      expect(headers).not.toContain("Account status")
      const memberHeaders = (workbook.getWorksheet("Members")!.getRow(1).values as Array<unknown>).slice(1)
      expect(memberHeaders).not.toEqual(expect.arrayContaining(["Organisation role"]))
      expect(memberHeaders).toEqual(
        expect.arrayContaining(["Email", "Role at start", "Role at end", "Status", "Created (UTC)"])
      )
      const changeHeaders = (workbook.getWorksheet("Changes")!.getRow(1).values as Array<unknown>).slice(1)
      expect(changeHeaders).toEqual(expect.arrayContaining(["By", "Changed at (UTC)"]))
      const decision = headers.indexOf("Decision") + 1
      for (let r = 2; r <= counts.members + 1; r++) {
        expect(review.getCell(r, decision).dataValidation).toMatchObject({
          type: "list",
          formulae: ["\"Keep,Remove\""]
        })
      }
      // Dates are dates, numbers numbers; findings coloured by severity.
      const since = headers.indexOf("Member since (UTC)") + 1
      expect(review.getCell(2, since).value).toBeInstanceOf(Date)
      const findings = workbook.getWorksheet("Findings")!
      const high = findings.getColumn(1).values.findIndex((v) => v === "high")
      expect(high).toBeGreaterThan(1)
      expect((findings.getCell(high, 1).fill as ExcelJS.FillPattern).fgColor?.argb).toBe("FFC62828")
      expect(typeof workbook.getWorksheet("Quota history")!.getCell(2, 4).value).toBe("number")
    }))

  it.scoped("the Markdown: provenance, sections, tables and Mermaid charts; the JSON: valid against its schema", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const files = yield* Effect.provide(
        Effect.zipRight(build, writeReports({ kind: "run", runId: 3 }, join(dir, "out"))),
        testStore(dir)
      )
      const md = readFileSync(files.markdown, "utf8")
      const headings = md.split("\n").filter((l) => l.startsWith("#"))
      expect(headings).toEqual([
        "# Access audit: Acme Capital",
        "## Needs attention",
        "## People since run 2",
        "## Privileged access",
        "## Other changes since run 2",
        "## Findings at run 3",
        "### Stale and risky tokens",
        "## Quotas",
        "## Provenance"
      ])
      expect(md).toMatch(/Content hash \| `[0-9a-f]{64}`/)
      expect(md).toContain("```mermaid\n%%{init")
      expect(md).toContain("xychart-beta")
      // Dan joined at run 3, by name, with his email (the @ escaped so that GitHub links nothing).
      expect(md).toContain("- ➕ **Joined:** 1: DAN")
      expect(md).toContain("| joined | DAN | dan\\@acme.test | – | member |")
      // t2 was revoked: one row, named by its robot.
      expect(md).toMatch(/\| r1-bot \| …00t2 \| revoked \|/)

      const json = JSON.parse(readFileSync(files.json, "utf8"))
      const schema = JSON.parse(readFileSync(new URL("../../docs/findings.schema.json", import.meta.url), "utf8"))
      expect(validate(schema, json)).toEqual([])
      expect(json.schema_version).toBe("1.1.0")
      expect(json.changes.map((c: { change_type: string }) => c.change_type).sort()).toEqual([
        "member_added",
        "token_revoked"
      ])
      // The validator is not vacuous: a broken document fails it.
      expect(validate(schema, { ...json, findings: [{ ...json.findings[0], severity: "severe" }] })).not.toEqual([])
      expect(validate(schema, { ...json, run: undefined })).not.toEqual([])
      expect(validate(schema, { ...json, run: { ...json.run, started_at: "yesterday" } })).not.toEqual([])
      expect(validate(schema, { ...json, summary: { ...json.summary, members: 2.5 } })).not.toEqual([])
      expect(validate(schema, { ...json, extra: 1 })).not.toEqual([])
      // ...and it understands every keyword the published schema uses.
      expect([...keywordsOf(schema)].filter((k) => !SUPPORTED_KEYWORDS.includes(k))).toEqual([])
      // The robot's review line carries what its tokens show.
      const workbook = new ExcelJS.Workbook()
      yield* Effect.promise(() => workbook.xlsx.readFile(files.workbook))
      const review = workbook.getWorksheet("Access review")!
      const headers = (review.getRow(1).values as Array<unknown>).slice(1)
      const robotRow = review.getColumn(headers.indexOf("Name") + 1).values.indexOf("ci-bot")
      expect(String(review.getCell(robotRow, headers.indexOf("Findings") + 1).value)).toContain("token.no_expiry")
    }))

  it("the published JSON Schema is the one documents are built with (run scripts/write-findings-schema.ts)", () => {
    const published = JSON.parse(readFileSync(new URL("../../docs/findings.schema.json", import.meta.url), "utf8"))
    expect(published).toEqual(JSON.parse(JSON.stringify(findingsJsonSchema())))
  })

  it.scoped("the same stored data gives the same Markdown and JSON, byte for byte; a review window nets its changes", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const [a, b, window, window2] = yield* Effect.provide(
        Effect.gen(function*() {
          yield* build
          const a = yield* writeReports({ kind: "run", runId: 3 }, join(dir, "a"))
          // Written again years later by the wall clock: nothing may change.
          const b = yield* Effect.acquireUseRelease(
            Effect.sync(() => vi.useFakeTimers({ toFake: ["Date"], now: new Date("2031-07-01T12:34:56Z") })),
            () => writeReports({ kind: "run", runId: 3 }, join(dir, "b")),
            () => Effect.sync(() => vi.useRealTimers())
          )
          const window = yield* writeReports(
            { kind: "window", fromRunId: 1, toRunId: 3, label: "2026-Q1" },
            join(dir, "w")
          )
          const window2 = yield* writeReports(
            { kind: "window", fromRunId: 1, toRunId: 3, label: "2026-Q1" },
            join(dir, "w2")
          )
          return [a, b, window, window2] as const
        }),
        testStore(dir)
      )
      expect(readFileSync(a.markdown)).toEqual(readFileSync(b.markdown))
      expect(readFileSync(a.json)).toEqual(readFileSync(b.json))
      expect(readFileSync(window.markdown)).toEqual(readFileSync(window2.markdown))
      expect(readFileSync(window.json)).toEqual(readFileSync(window2.json))
      const json = JSON.parse(readFileSync(window.json, "utf8"))
      expect(json.scope).toEqual({
        kind: "window",
        label: "2026-Q1",
        from_run_id: 1,
        to_run_id: 3,
        period: null,
        starts_late: false
      })
      // bob viewer -> editor and dan added over the window; t2 revoked.
      expect(
        json.net_changes.map((c: { change_type: string; entity_id: string }) => `${c.change_type} ${c.entity_id}`)
          .sort()
      ).toEqual([
        "member_added dan",
        "role_changed bob",
        "token_revoked t2"
      ])
      expect(readFileSync(window.markdown, "utf8")).toContain("## People during 2026-Q1")
      // The workbook: one row per person who joined, moved or left; one per token that changed.
      const workbook = new ExcelJS.Workbook()
      yield* Effect.promise(() => workbook.xlsx.readFile(window.workbook))
      expect(workbook.worksheets.map((w) => w.name)).toEqual(sheetNames)
      const people = workbook.getWorksheet("Joiners, movers, leavers")!
      const columns = headersOf(people)
      const cell = (r: number, h: string) => people.getCell(r, columns.indexOf(h) + 1).value
      expect([2, 3].map((r) => [cell(r, "Status"), cell(r, "Name"), cell(r, "Role before"), cell(r, "Role after")]))
        .toEqual([
          ["joined", "DAN", null, "member"],
          ["role changed", "BOB", "viewer", "editor"]
        ])
      expect(workbook.getWorksheet("Token changes")!.actualRowCount - 1).toBe(1)
      expect(workbook.getWorksheet("Changes")!.actualRowCount - 1).toBe(json.changes.length)
    }))

  it("the job summary stays under GitHub's limit, cutting whole sections and saying so", () => {
    const section = (n: number) => `## Section ${n}\n\n${"x".repeat(1000)}\n`
    const markdown = `# Title\n\n${Array.from({ length: 50 }, (_, i) => section(i)).join("")}`
    const cut = fitSummary(markdown, 10_000)
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(10_000)
    expect(cut).toContain("## Section 0")
    expect(cut).toContain("Cut to fit the job summary's 1 MiB limit")
    expect(cut).not.toContain("## Section 49")
    expect(fitSummary("short", 10_000)).toBe("short")
  })
})
