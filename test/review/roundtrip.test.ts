import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import ExcelJS from "exceljs"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { readCsv } from "../../src/files/Csv.js"
import { csvLine } from "../../src/files/Csv.js"
import { startCampaign } from "../../src/review/Freeze.js"
import { importDecisions } from "../../src/review/RecordDecisions.js"
import { Database } from "../../src/store/Database.js"
import { query, snapshotAt } from "../support/Pipeline.js"
import { tempDir } from "../support/TempDir.js"
import {
  fillWorkbook,
  headerRows,
  KEYS,
  libreOfficeSave,
  population,
  reviewLayer,
  sofficeAvailable
} from "./support.js"

const started = (dir: string) =>
  Effect.gen(function*() {
    yield* snapshotAt(population(), "2026-02-01T06:00:00Z")
    const db = yield* Database
    return yield* startCampaign(db, {
      runId: 1,
      period: "2026-Q1",
      reviewers: ["cat@acme.test"],
      dueOn: "2026-02-15",
      now: new Date("2026-02-02T09:00:00Z"),
      reports: dir
    })
  })

const importFile = (file: string, options: { reviewer?: string; campaign?: string; at?: string } = {}) =>
  Effect.flatMap(Database, (db) =>
    importDecisions(db, {
      file,
      campaignId: options.campaign ?? null,
      reviewer: options.reviewer ?? null,
      now: new Date(options.at ?? "2026-02-05T12:00:00Z")
    }))

/** What a reviewer decides: Ann reviews her own admin access (with a comment), Bob, the unused token and Eve's
 * invitation go, Cat becomes a member, the robot stays; Dan's invitation and the first token are left blank. */
const decisions = {
  [KEYS.ann]: {
    Decision: "Keep",
    Reviewer: "ann@acme.test",
    "Reviewed on": new Date(Date.UTC(2026, 1, 3)),
    Comment: "Only admin; confirmed by the CTO"
  },
  [KEYS.bob]: {
    Decision: "Remove",
    Reviewer: "cat@acme.test",
    "Reviewed on": new Date(Date.UTC(2026, 1, 3)),
    Comment: "Left in January"
  },
  [KEYS.cat]: {
    Decision: "Change role",
    "New role": "member",
    Reviewer: "ann@acme.test",
    "Reviewed on": new Date(Date.UTC(2026, 1, 4))
  },
  [KEYS.robot]: { Decision: "Keep", Reviewer: "cat@acme.test", "Reviewed on": new Date(Date.UTC(2026, 1, 4)) },
  [KEYS.token2]: { Decision: "Remove", Reviewer: "cat@acme.test", "Reviewed on": new Date(Date.UTC(2026, 1, 4)) },
  [KEYS.eve]: { Decision: "Remove", Reviewer: "cat@acme.test", "Reviewed on": new Date(Date.UTC(2026, 1, 4)) }
}

const expectedDecisions = [
  {
    item_key: KEYS.eve,
    decision: "remove",
    new_role: null,
    reviewer: "cat@acme.test",
    reviewed_on: "2026-02-04",
    comment: null,
    self_review: false
  },
  {
    item_key: KEYS.ann,
    decision: "keep",
    new_role: null,
    reviewer: "ann@acme.test",
    reviewed_on: "2026-02-03",
    comment: "Only admin; confirmed by the CTO",
    self_review: true
  },
  {
    item_key: KEYS.bob,
    decision: "remove",
    new_role: null,
    reviewer: "cat@acme.test",
    reviewed_on: "2026-02-03",
    comment: "Left in January",
    self_review: false
  },
  {
    item_key: KEYS.cat,
    decision: "change_role",
    new_role: "member",
    reviewer: "ann@acme.test",
    reviewed_on: "2026-02-04",
    comment: null,
    self_review: false
  },
  {
    item_key: KEYS.robot,
    decision: "keep",
    new_role: null,
    reviewer: "cat@acme.test",
    reviewed_on: "2026-02-04",
    comment: null,
    self_review: false
  },
  {
    item_key: KEYS.token2,
    decision: "remove",
    new_role: null,
    reviewer: "cat@acme.test",
    reviewed_on: "2026-02-04",
    comment: null,
    self_review: false
  }
]

const storedDecisions = query(
  `SELECT item_key, decision, new_role, reviewer, reviewed_on::VARCHAR AS reviewed_on, comment, self_review
   FROM review_outcomes WHERE decision IS NOT NULL ORDER BY item_key`
)

describe("a review campaign's sheet, filled in and read back", () => {
  it.scoped("freezes the run's population, privileged first, into review.xlsx and review.csv", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          const campaign = yield* started(dir)
          expect(campaign).toMatchObject({ campaignId: "1", runId: 1, items: 8, privileged: 2 })
          expect(campaign.files.workbook).toBe(join(dir, "review-1", "review.xlsx"))
          const items = yield* query("SELECT item_key, item_type, privileged, role FROM review_items ORDER BY position")
          expect(items).toEqual([
            { item_key: KEYS.ann, item_type: "member", privileged: true, role: "admin" },
            { item_key: KEYS.dan, item_type: "invitation", privileged: true, role: "admin" },
            { item_key: KEYS.bob, item_type: "member", privileged: false, role: "member" },
            { item_key: KEYS.cat, item_type: "member", privileged: false, role: "viewer" },
            { item_key: KEYS.robot, item_type: "robot", privileged: false, role: "member" },
            { item_key: KEYS.token1, item_type: "token", privileged: false, role: "member" },
            { item_key: KEYS.token2, item_type: "token", privileged: false, role: "member" },
            { item_key: KEYS.eve, item_type: "invitation", privileged: false, role: "member" }
          ])
          const csv = readCsv(readFileSync(campaign.files.csv, "utf8"))
          expect(csv.slice(0, 2)).toEqual([["Campaign id", "1"], ["Population hash", campaign.populationHash]])
          const header = csv.findIndex((r) => r.includes("Item key"))
          expect(csv[header]).toEqual([
            "Type",
            "Name",
            "Email",
            "Role",
            "Privileged",
            "Joined",
            "Last activity",
            "Findings",
            "Invited by",
            "Decision",
            "New role",
            "Reviewer",
            "Reviewed on",
            "Comment",
            "Item key",
            "Facts hash"
          ])
          const token2 = csv.find((r) => r.includes(KEYS.token2))!
          expect(token2.slice(0, 9)).toEqual([
            "token",
            "deploy-bot …0002",
            "",
            "member",
            "no",
            "2026-01-01",
            "never used",
            "token.never_used",
            ""
          ])
          const [campaignRow] = yield* query(
            "SELECT status, items, decided, undecided_privileged, due_on::VARCHAR AS due FROM review_campaigns"
          )
          expect(campaignRow).toEqual({
            status: "open",
            items: 8,
            decided: 0,
            undecided_privileged: 2,
            due: "2026-02-15"
          })
        }),
        reviewLayer(dir)
      )
    }))

  it.scoped("the workbook's inputs check what is typed: a Decision list, the campaign's roles, a date", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const campaign = yield* Effect.provide(started(dir), reviewLayer(dir))
      const workbook = new ExcelJS.Workbook()
      yield* Effect.promise(() => workbook.xlsx.readFile(campaign.files.workbook))
      const sheet = workbook.getWorksheet("Review")!
      const sections = headerRows(sheet)
      expect(sections.length).toBe(2) // privileged access first, then the rest
      const keys = sections.flatMap(({ columns, row }) => {
        const rows: Array<{ row: number; columns: Map<string, number> }> = []
        for (let r = row + 1; typeof sheet.getRow(r).getCell(columns.get("Item key")!).value === "string"; r++) {
          rows.push({ row: r, columns })
        }
        return rows
      })
      expect(keys.length).toBe(8)
      for (const { columns, row } of keys) {
        const at = (header: string) => sheet.getRow(row).getCell(columns.get(header)!).dataValidation
        expect(at("Decision")).toMatchObject({ type: "list", formulae: ["\"Keep,Remove,Change role\""] })
        expect(at("New role")).toMatchObject({
          type: "list",
          formulae: [expect.stringMatching(/^"(.+,)*member(,.+)*"$/)]
        })
        expect(at("Reviewed on")).toMatchObject({ type: "date", operator: "greaterThan" })
        expect(at("Comment")).toBeUndefined()
      }
    }))

  it.scoped("records the decisions of a workbook a reviewer filled in, with the file's SHA-256", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          const campaign = yield* started(dir)
          const filled = yield* Effect.promise(() =>
            fillWorkbook(campaign.files.workbook, join(dir, "filled.xlsx"), decisions)
          )
          const result = yield* importFile(filled)
          expect(result).toMatchObject({
            campaignId: "1",
            format: "xlsx",
            recorded: 6,
            unchanged: 0,
            undecided: 2,
            selfReviews: 1,
            rejected: []
          })
          expect(yield* storedDecisions).toEqual(expectedDecisions)
          const sha = (yield* Effect.promise(() => import("node:crypto"))).createHash("sha256").update(
            readFileSync(filled)
          ).digest("hex")
          expect(yield* query("SELECT DISTINCT file_sha256, file_format FROM review_decisions")).toEqual([{
            file_sha256: sha,
            file_format: "xlsx"
          }])
          const [progress] = yield* query(
            "SELECT decided, keep, remove, change_role, self_reviews, undecided_privileged FROM review_campaigns WHERE campaign_id = '1'"
          )
          expect(progress).toEqual({
            decided: 6,
            keep: 2,
            remove: 3,
            change_role: 1,
            self_reviews: 1,
            undecided_privileged: 1
          })
        }),
        reviewLayer(dir)
      )
    }))

  it.scoped("importing the same file again records nothing new; a later file revises a decision and both stay", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          const campaign = yield* started(dir)
          const first = yield* Effect.promise(() =>
            fillWorkbook(campaign.files.workbook, join(dir, "first.xlsx"), decisions)
          )
          yield* importFile(first)
          const again = yield* importFile(first)
          expect(again.alreadyImported).not.toBeNull()
          expect(again.recorded).toBe(0)
          // The same decisions in another file (saved again with the sign-off block filled): nothing new either, and
          // no ledger entry.
          const copy = yield* Effect.promise(() =>
            fillWorkbook(first, join(dir, "copy.xlsx"), {}, (sheet) => {
              sheet.eachRow((row) => {
                if (row.getCell(1).value === "Signed off by") row.getCell(2).value = "Grace"
              })
            })
          )
          expect(readFileSync(copy).equals(readFileSync(first))).toBe(false)
          const same = yield* importFile(copy)
          expect(same).toMatchObject({ recorded: 0, unchanged: 6, entryId: null, alreadyImported: null })
          const revised = yield* Effect.promise(() =>
            fillWorkbook(first, join(dir, "revised.xlsx"), {
              [KEYS.bob]: {
                Decision: "Keep",
                Comment: "Came back in February",
                "Reviewed on": new Date(Date.UTC(2026, 1, 6))
              }
            })
          )
          const later = yield* importFile(revised, { at: "2026-02-06T12:00:00Z" })
          expect(later).toMatchObject({ recorded: 1, unchanged: 5 })
          expect(
            yield* query(
              `SELECT decision, comment, reviewed_on::VARCHAR AS reviewed_on, is_current, file_name FROM review_decisions
                          WHERE item_key = '${KEYS.bob}' ORDER BY entry_id`
            )
          ).toEqual([
            {
              decision: "remove",
              comment: "Left in January",
              reviewed_on: "2026-02-03",
              is_current: false,
              file_name: "first.xlsx"
            },
            {
              decision: "keep",
              comment: "Came back in February",
              reviewed_on: "2026-02-06",
              is_current: true,
              file_name: "revised.xlsx"
            }
          ])
          expect(yield* query(`SELECT decision FROM review_outcomes WHERE item_key = '${KEYS.bob}'`)).toEqual([{
            decision: "keep"
          }])
          expect(yield* query("SELECT kind FROM ledger_log ORDER BY entry_id")).toEqual([
            { kind: "review.started" },
            { kind: "review.decisions" },
            { kind: "review.decisions" }
          ])
        }),
        reviewLayer(dir)
      )
    }))

  it.scoped("reads the same decisions from the CSV, filled in as a CSV editor would", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          const campaign = yield* started(dir)
          const records = readCsv(readFileSync(campaign.files.csv, "utf8"))
          const header = records.find((r) => r.includes("Item key"))!
          const col = (name: string) => header.indexOf(name)
          for (const record of records) {
            const inputs = (decisions as Record<string, Record<string, unknown>>)[record[col("Item key")] ?? ""]
            if (inputs === undefined) continue
            for (const [name, value] of Object.entries(inputs)) {
              record[col(name)] = value instanceof Date ? value.toISOString().slice(0, 10) : String(value)
            }
          }
          const filled = join(dir, "filled.csv")
          writeFileSync(filled, records.map((r) => csvLine(r)).join(""))
          const result = yield* importFile(filled)
          expect(result).toMatchObject({ format: "csv", recorded: 6, undecided: 2, selfReviews: 1, rejected: [] })
          expect(yield* storedDecisions).toEqual(expectedDecisions)
        }),
        reviewLayer(dir)
      )
    }))

  it.scoped.skipIf(!sofficeAvailable)(
    "reads the workbook after LibreOffice Calc opened and saved it, as .xlsx and as .csv",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        yield* Effect.provide(
          Effect.gen(function*() {
            const campaign = yield* started(dir)
            const filled = yield* Effect.promise(() =>
              fillWorkbook(campaign.files.workbook, join(dir, "filled.xlsx"), decisions)
            )
            const saved = yield* Effect.promise(() => libreOfficeSave(filled, "xlsx", join(dir, "libreoffice")))
            expect(readFileSync(saved).equals(readFileSync(filled))).toBe(false)
            const result = yield* importFile(saved)
            expect(result).toMatchObject({ format: "xlsx", recorded: 6, undecided: 2, selfReviews: 1, rejected: [] })
            expect(yield* storedDecisions).toEqual(expectedDecisions)
            // The same sheet as LibreOffice's CSV: nothing new, every decision read the same.
            const csv = yield* Effect.promise(() => libreOfficeSave(filled, "csv", join(dir, "libreoffice-csv")))
            const fromCsv = yield* importFile(csv)
            expect(fromCsv).toMatchObject({ format: "csv", recorded: 0, unchanged: 6, rejected: [] })
          }),
          reviewLayer(dir)
        )
      }),
    400_000
  )

  it.skipIf(sofficeAvailable)(
    "LibreOffice round trip: skipped, soffice is not installed (apt-get install libreoffice-calc-nogui)",
    () => {
      expect(sofficeAvailable).toBe(false)
    }
  )
})
