/**
 * The period report's Time to removal: a week of runs of the real pipeline into a real DuckDB file, each reading the
 * people directory, then `writeReports` over the window; the Markdown (rendered as a reader's renderer renders it)
 * and the workbook's sheet name each leaver with the days counted on a calendar from the scenario below. A window of
 * a workspace whose runs read no directory has no such section or sheet, and a single run's report neither.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import ExcelJS from "exceljs"
import { marked } from "marked"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { RemovalRow } from "../../src/read/Directory.js"
import { REMOVAL_CAP, removalSection } from "../../src/reports/markdown/PeriodSections.js"
import type { ReportData } from "../../src/reports/ReportData.js"
import { writeReports } from "../../src/reports/Reports.js"
import { rosterFile, runWith } from "../roster/Support.js"
import { testStore } from "../support/Pipeline.js"
import { member } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"
import { HOSTILE, RAW_CONTROL } from "./Hostile.js"

/** Day 0 is 2026-02-28 (run 1); days 1 to 6 are 2026-03-01 to 2026-03-06 (runs 2 to 7), each run at 06:00 UTC. */
const dateOf = (day: number) => new Date(Date.UTC(2026, 1, 28 + day)).toISOString().slice(0, 10)
const at = (day: number) => `${dateOf(day)}T06:00:00Z`
const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86400_000)

/** The leavers: when the directory says they left (from the day it first says so), and the run that no longer has them. */
const LEAVERS = [
  { id: "zero", name: "Zero Day", left: "2026-03-02", goneOnDay: 2 },
  { id: "three", name: HOSTILE.html, left: "2026-03-02", goneOnDay: 5 },
  { id: "late", name: HOSTILE.carriageReturn, left: "2026-03-01", goneOnDay: 3 },
  { id: "never", name: HOSTILE.link, left: "2026-03-03", goneOnDay: null }
] as const

const emailOf = (id: string) => `${id}@acme.example`

const directory = (day: number) =>
  [
    "email,status,terminated_on,name",
    "ada@acme.example,active,,Ada",
    ...LEAVERS.map((
      l
    ) => (dateOf(day) >= l.left
      ? `${emailOf(l.id)},terminated,${l.left},${l.id}`
      : `${emailOf(l.id)},active,,${l.id}`)
    ),
    ""
  ].join("\n")

const members = (day: number) => [
  member("m-ada", "admin", { email: "ada@acme.example", display_name: "Ada" }),
  ...LEAVERS.filter((l) => l.goneOnDay === null || day < l.goneOnDay).map((l) =>
    member(`m-${l.id}`, "viewer", { email: emailOf(l.id), display_name: l.name })
  )
]

/** What a reader should see for each leaver, counted from the scenario: the window ends with run 7 (2026-03-06). */
const expected = LEAVERS.map((l) => {
  const removedOn = l.goneOnDay === null ? null : dateOf(l.goneOnDay)
  const days = daysBetween(l.left, removedOn ?? dateOf(6))
  return { email: emailOf(l.id), name: l.name, left: l.left, removedOn, days, within: removedOn !== null && days <= 1 }
})

const WINDOW = { kind: "window", fromRunId: 2, toRunId: 7, label: "2026-03-01..2026-03-06" } as const

/** The cells' text of each row of the HTML table that follows a heading. */
const tableAfter = (page: string, heading: string) => {
  const from = page.indexOf(heading)
  if (from < 0) return null
  const table = page.slice(from).match(/<table>([\s\S]*?)<\/table>/)![1]!
  const text = (html: string) =>
    html.replace(/<[^>]+>/g, "").replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(
      /&quot;/g,
      "\""
    ).replace(/&#39;/g, "'")
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1).map((r) =>
    [...r[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => text(c[1]!))
  )
}

const readWorkbook = (path: string) =>
  Effect.promise(async () => {
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(path)
    return workbook
  })

describe("the period report's time to removal", () => {
  it.scoped("names each leaver with the days from leaving to removal, in audit.md and on its own sheet", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const files = yield* Effect.gen(function*() {
        for (let day = 0; day <= 6; day++) {
          yield* runWith({ members: members(day) }, at(day), rosterFile(dir, "people.csv", directory(day)))
        }
        return {
          period: yield* writeReports(WINDOW, join(dir, "period")),
          run: yield* writeReports({ kind: "run", runId: 7 }, join(dir, "run"))
        }
      }).pipe(Effect.provide(testStore(dir)))

      // The Markdown, as GitHub shows it: one row per leaver, the email as written, the days counted above.
      const md = readFileSync(files.period.markdown, "utf8")
      expect(md).not.toMatch(RAW_CONTROL)
      const page = marked.parse(md, { gfm: true, async: false })
      expect(page).not.toMatch(/<img|<a |<summary>open me/)
      const rows = tableAfter(page, "<h2>Time to removal</h2>")
      expect(rows).not.toBeNull()
      expect([...rows!].sort((a, b) => a[0]!.localeCompare(b[0]!))).toEqual(
        [...expected].sort((a, b) => a.email.localeCompare(b.email)).map((e) => [
          e.email,
          e.left,
          e.removedOn ?? "still has access",
          e.removedOn === null ? `${e.days} so far` : String(e.days),
          e.within ? "yes" : "no"
        ])
      )
      const removed = expected.filter((e) => e.removedOn !== null).length
      const within = expected.filter((e) => e.within).length
      expect(md).toContain(
        `${expected.length} leavers: ${removed} removed, ${within} within the target of 1 day (${
          Math.round((100 * within) / expected.length)
        }%); ${expected.length - removed} still had access at the end of the window.`
      )
      // After the people section, before privileged access.
      expect(md.indexOf("## Time to removal")).toBeGreaterThan(md.indexOf("## People during"))
      expect(md.indexOf("## Time to removal")).toBeLessThan(md.indexOf("## Privileged access"))

      // The workbook: a sheet after the people sheets, one row per leaver, dates as dates, days as numbers.
      const workbook = yield* readWorkbook(files.period.workbook)
      const names = workbook.worksheets.map((s) => s.name)
      expect(names.indexOf("Time to removal")).toBe(names.indexOf("Joiners, movers, leavers") + 1)
      const sheet = workbook.getWorksheet("Time to removal")!
      const header = (sheet.getRow(1).values as Array<unknown>).slice(1)
      expect(header).toEqual([
        "Name",
        "Email",
        "Left on (UTC)",
        "Left on source",
        "Removed on (UTC)",
        "Status",
        "Days",
        "Within 1 day",
        "Membership id"
      ])
      const col = (name: string) => header.indexOf(name) + 1
      const got = Array.from({ length: sheet.actualRowCount - 1 }, (_, i) => sheet.getRow(i + 2)).map((row) => {
        const date = (name: string) => {
          const v = row.getCell(col(name)).value
          return v instanceof Date ? v.toISOString().slice(0, 10) : v
        }
        return {
          email: row.getCell(col("Email")).value,
          name: row.getCell(col("Name")).value,
          left: date("Left on (UTC)"),
          removedOn: date("Removed on (UTC)"),
          days: row.getCell(col("Days")).value,
          within: row.getCell(col("Within 1 day")).value === "yes"
        }
      })
      // Dates as dates, days as numbers (not text that looks like them).
      for (let r = 2; r <= sheet.actualRowCount; r++) {
        expect(sheet.getRow(r).getCell(col("Left on (UTC)")).value).toBeInstanceOf(Date)
        expect(typeof sheet.getRow(r).getCell(col("Days")).value).toBe("number")
      }
      const byEmail = (a: { email: unknown }, b: { email: unknown }) => String(a.email).localeCompare(String(b.email))
      expect(got.sort(byEmail)).toEqual(
        [...expected].sort(byEmail).map((e) => ({ ...e, name: e.name.replace(/\r/g, "\n") }))
      )
      // Prints one page wide with the header on every page; the membership id is hidden.
      expect(sheet.pageSetup.fitToWidth).toBe(1)
      expect(sheet.pageSetup.printTitlesRow).toBe("1:1")
      expect(sheet.getColumn(col("Membership id")).hidden).toBe(true)
      // The Summary sheet has the figures.
      const summary = workbook.getWorksheet("Summary")!
      const facts = new Map<string, unknown>()
      summary.eachRow((row) => facts.set(String(row.getCell(1).value), row.getCell(2).value))
      expect(facts.get("Leavers (people directory)")).toBe(expected.length)
      expect(facts.get("Leavers removed within 1 day")).toBe(within)
      expect(facts.get("Leavers still holding access at the end")).toBe(expected.length - removed)

      // A single run's report is unchanged: no such section or sheet.
      expect(readFileSync(files.run.markdown, "utf8")).not.toContain("Time to removal")
      expect((yield* readWorkbook(files.run.workbook)).getWorksheet("Time to removal")).toBeUndefined()
    }))

  it.scoped("a window whose runs read no people directory has no such section or sheet", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const files = yield* Effect.gen(function*() {
        for (let day = 0; day <= 6; day++) yield* runWith({ members: members(day) }, at(day), undefined)
        return yield* writeReports(WINDOW, join(dir, "period"))
      }).pipe(Effect.provide(testStore(dir)))
      const md = readFileSync(files.markdown, "utf8")
      expect(md).not.toContain("Time to removal")
      expect(md).not.toContain("| person | left | removed | days | within target |")
      // The people section still lists those who left.
      expect(md).toContain("## People during")
      const workbook = yield* readWorkbook(files.workbook)
      expect(workbook.getWorksheet("Time to removal")).toBeUndefined()
      const labels: Array<string> = []
      workbook.getWorksheet("Summary")!.eachRow((row) => labels.push(String(row.getCell(1).value)))
      expect(labels.some((l) => l.startsWith("Leavers"))).toBe(false)
    }))
})

describe("the Markdown's time to removal table", () => {
  it("keeps the leavers to act on when there are more than it shows: still holding access, then the longest", () => {
    // 20 leavers removed after 0 to 19 days, and two still holding access (4 and 30 days so far).
    const row = (i: number, removed: boolean, days: number): RemovalRow => ({
      member_id: `m${i}`,
      email: `p${i}@acme.example`,
      display_name: null,
      left_on: "2026-03-01",
      left_on_inferred: false,
      removed_at: removed ? new Date(Date.parse("2026-03-01") + days * 86400_000).toISOString() : null,
      removed,
      days,
      within_target: removed && days <= 1
    })
    const rows = [...Array.from({ length: 20 }, (_, i) => row(i, true, i)), row(20, false, 4), row(21, false, 30)]
    const removal = { rows, targetDays: 1, leavers: 22, removed: 20, withinTarget: 2, share: 2 / 22 }
    const md = removalSection({ period: { removal, review: null } } as unknown as ReportData)!
    const shown = md.split("\n").filter((l) => /^\| p\d+/.test(l)).map((l) =>
      l.split(" | ")[0]!.slice(2).replace("\\@", "@")
    )
    expect(shown).toHaveLength(REMOVAL_CAP)
    expect(shown.slice(0, 3)).toEqual(["p21@acme.example", "p20@acme.example", "p19@acme.example"])
    expect(shown.at(-1)).toBe(`p${19 - (REMOVAL_CAP - 3)}@acme.example`)
    expect(md).toContain(
      "22 leavers: 20 removed, 2 within the target of 1 day (9%); 2 still had access at the end of the window."
    )
    expect(md).toContain(`${22 - REMOVAL_CAP} more leavers in audit.xlsx (Time to removal)`)
  })
})
