/**
 * The period report's access review outcome: a campaign frozen on the window's first run, three decisions, a removal
 * carried out by the next run, and a sign-off by a hostile name with a hostile reason; the period's audit.md (as
 * rendered) and the Summary sheet show the decisions, the counts and who signed off when, as data, once.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import ExcelJS from "exceljs"
import { marked } from "marked"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { writeReports } from "../../src/reports/Reports.js"
import { startCampaign } from "../../src/review/Freeze.js"
import { importDecisions } from "../../src/review/RecordDecisions.js"
import { closeCampaign } from "../../src/review/SignOff.js"
import type { MemberRecord } from "../../src/snapshot/Records.js"
import { Database } from "../../src/store/Database.js"
import { fillWorkbook, KEYS, population, reviewLayer } from "../review/support.js"
import { snapshotAt } from "../support/Pipeline.js"
import { tempDir } from "../support/TempDir.js"
import { HOSTILE, RAW_CONTROL } from "./Hostile.js"

const by = { Reviewer: "cat@acme.test", "Reviewed on": "2026-02-04" }

/** The decisions recorded: 8 items frozen (4 members, 2 tokens, 2 invitations), 3 decided. */
const DECISIONS = { [KEYS.ann]: "Keep", [KEYS.bob]: "Remove", [KEYS.eve]: "Remove" } as const
const count = (d: string) => Object.values(DECISIONS).filter((v) => v === d).length

const text = (html: string) =>
  html.replace(/<[^>]+>/g, "").replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(
    /&quot;/g,
    "\""
  ).replace(/&#39;/g, "'")

/** The header and rows (cells' text) of the first table after a heading of the rendered page. */
const tableAfter = (page: string, heading: string) => {
  const from = page.indexOf(heading)
  expect(from).toBeGreaterThanOrEqual(0)
  return [...page.slice(from).match(/<table>([\s\S]*?)<\/table>/)![1]!.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => text(c[1]!))
  )
}

describe("the period report's access review outcome", () => {
  it.scoped("decisions, keep/remove/change counts and the sign-off, in audit.md and the Summary sheet", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const files = yield* Effect.provide(
        Effect.gen(function*() {
          yield* snapshotAt(population(), "2026-02-01T06:00:00Z")
          const db = yield* Database
          const campaign = yield* startCampaign(db, {
            runId: 1,
            period: "2026-Q1",
            reviewers: [],
            dueOn: "2026-02-20",
            now: new Date("2026-02-02T09:00:00Z"),
            reports: dir
          })
          const filled = yield* Effect.promise(() =>
            fillWorkbook(
              campaign.files.workbook,
              join(dir, "filled.xlsx"),
              Object.fromEntries(Object.entries(DECISIONS).map(([k, d]) => [k, { Decision: d, ...by }]))
            )
          )
          yield* importDecisions(db, {
            file: filled,
            campaignId: null,
            reviewer: null,
            now: new Date("2026-02-03T09:00:00Z")
          })
          const state = population()
          yield* snapshotAt({
            ...state,
            members: (state.members as ReadonlyArray<MemberRecord>).filter((m) => m.id !== "bob")
          }, "2026-02-06T06:00:00Z")
          yield* closeCampaign(db, {
            campaignId: campaign.campaignId,
            signedBy: HOSTILE.link,
            acceptUndecided: HOSTILE.html,
            now: new Date("2026-02-07T10:00:00Z")
          })
          // A caller's campaign note says the same: the period report shows the campaign's own outcome instead.
          const note = { campaign: { status: "Campaign 1: signed off", outcome: [["Decided", 3]] as const } }
          return {
            period: yield* writeReports(
              { kind: "window", fromRunId: 1, toRunId: 2, label: "2026-02" },
              join(dir, "period"),
              note
            ),
            run: yield* writeReports({ kind: "run", runId: 2 }, join(dir, "run"), note)
          }
        }),
        reviewLayer(dir)
      )
      const md = readFileSync(files.period.markdown, "utf8")
      expect(md).not.toMatch(RAW_CONTROL)
      const page = marked.parse(md, { gfm: true, async: false })
      expect(page).not.toMatch(/<img|<a |<summary>open me/)
      expect(md).toContain("## Access review of the period")
      expect(md).not.toContain("## Access review campaign")
      expect(md).not.toContain("## Access review in progress")
      const [headers, ...rows] = tableAfter(page, "<h2>Access review of the period</h2>")
      expect(rows).toHaveLength(1)
      const cell = (name: string) => rows[0]![headers!.indexOf(name)]
      expect([
        cell("campaign"),
        cell("frozen run"),
        cell("items"),
        cell("decided"),
        cell("keep"),
        cell("remove"),
        cell("change role")
      ]).toEqual(
        [
          "1",
          "1",
          "8",
          String(Object.keys(DECISIONS).length),
          String(count("Keep")),
          String(count("Remove")),
          String(count("Change role"))
        ]
      )
      // Who signed off and when, the hostile name and reason shown as the text they are.
      expect(cell("signed off")).toBe(`${HOSTILE.link} 2026-02-07 (undecided accepted: ${HOSTILE.html})`)
      // Bob's removal was carried out by run 2; Eve's (a pending invitation) is pending.
      const [, ...followUps] = tableAfter(page, "<h3>Removals and role changes decided</h3>")
      expect(followUps.map((r) => r.slice(1, 4))).toEqual([
        ["eve@acme.test", "remove", "pending"],
        ["Bob Member", "remove", "run 2 (2026-02-06)"]
      ])

      // The Summary sheet: one row for the campaign, with the counts and the sign-off.
      const workbook = new ExcelJS.Workbook()
      yield* Effect.promise(() => workbook.xlsx.readFile(files.period.workbook))
      const facts = new Map<string, unknown>()
      workbook.getWorksheet("Summary")!.eachRow((row) => facts.set(String(row.getCell(1).value), row.getCell(2).value))
      expect(facts.get("Access review 1")).toBe(
        `3 of 8 decided: ${count("Keep")} keep, ${
          count("Remove")
        } remove, 0 change role; signed off by ${HOSTILE.link} on 2026-02-07; 1 removals or role changes pending`
      )
      expect(facts.has("Access review campaign")).toBe(false)

      // A single run's report is unchanged: the caller's note, and no period outcome.
      const runMd = readFileSync(files.run.markdown, "utf8")
      expect(runMd).toContain("## Access review campaign")
      expect(runMd).not.toContain("## Access review of the period")
    }))
})
