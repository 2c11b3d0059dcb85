import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { csvLine, readCsv } from "../../src/files/Csv.js"
import { startCampaign } from "../../src/review/Freeze.js"
import { importDecisions } from "../../src/review/RecordDecisions.js"
import { Database } from "../../src/store/Database.js"
import { query, snapshotAt } from "../support/Pipeline.js"
import { tempDir } from "../support/TempDir.js"
import { fillWorkbook, KEYS, population, reviewLayer, rowNumberOf } from "./support.js"

const start = (dir: string) =>
  Effect.gen(function*() {
    yield* snapshotAt(population(), "2026-02-01T06:00:00Z")
    const db = yield* Database
    return yield* startCampaign(db, {
      runId: 1,
      period: null,
      reviewers: [],
      dueOn: null,
      now: new Date("2026-02-02T09:00:00Z"),
      reports: dir
    })
  })

const importFile = (file: string, options: { reviewer?: string; campaign?: string } = {}) =>
  Effect.flatMap(Database, (db) =>
    importDecisions(db, {
      file,
      campaignId: options.campaign ?? null,
      reviewer: options.reviewer ?? null,
      now: new Date("2026-02-05T12:00:00Z")
    }))

const recorded = query(
  "SELECT item_key, decision, new_role, reviewer, self_review FROM review_outcomes WHERE decision IS NOT NULL ORDER BY item_key"
)

const by = { Reviewer: "cat@acme.test", "Reviewed on": "2026-02-04" }

describe("validating a filled-in review sheet", () => {
  it.scoped("rejects each bad row with a message naming it, and records the rest", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          const campaign = yield* start(dir)
          const filled = yield* Effect.promise(() =>
            fillWorkbook(
              campaign.files.workbook,
              join(dir, "filled.xlsx"),
              {
                // Accepted: a plain Keep, and a self-review that says why.
                [KEYS.robot]: { Decision: "keep", ...by },
                [KEYS.bob]: {
                  Decision: "Keep",
                  Reviewer: "bob@acme.test",
                  "Reviewed on": "2026-02-04",
                  Comment: "Reviewed with my manager"
                },
                // Rejected, one rule each:
                [KEYS.cat]: { Decision: "Revoke", ...by },
                [KEYS.ann]: { Decision: "Change role", ...by },
                [KEYS.token1]: { Decision: "Change role", "New role": "viewer", ...by },
                [KEYS.eve]: { Decision: "Keep", "New role": "admin", ...by },
                [KEYS.token2]: { Decision: "Remove", Reviewer: "cat@acme.test", "Reviewed on": "31/31/2026" }
              },
              (_sheet, rowOf, columns) => {
                // The admin invitation's role edited outside the input columns.
                rowOf(KEYS.dan).getCell(columns.get("Role")!).value = "viewer"
              }
            )
          )
          const rows = Object.fromEntries(
            yield* Effect.forEach(Object.values(KEYS), (key) =>
              Effect.map(Effect.promise(() => rowNumberOf(filled, key)), (n) => [key, n] as const))
          ) as Record<string, number>
          const result = yield* importFile(filled)
          expect(result.recorded).toBe(2)
          expect(result.selfReviews).toBe(1)
          expect(result.rejected.map((r) => [r.row, r.reason])).toEqual(
            [
              [rows[KEYS.ann], "new_role"],
              [rows[KEYS.dan], "facts_changed"],
              [rows[KEYS.cat], "decision"],
              [rows[KEYS.token1], "new_role"],
              [rows[KEYS.token2], "reviewed_on"],
              [rows[KEYS.eve], "new_role"]
            ].sort((a, b) =>
              (a[0] as number) - (b[0] as number)
            )
          )
          const message = (key: string) => result.rejected.find((r) => r.item_key === key)!.message
          expect(message(KEYS.cat)).toBe(
            `row ${
              rows[KEYS.cat]
            }: Decision "Revoke" for member:cat (cat@acme.test) is not one of Keep, Remove, Change role.`
          )
          expect(message(KEYS.ann)).toBe(
            `row ${
              rows[KEYS.ann]
            }: Change role for member:ann (ann@acme.test) needs a New role, one of viewer, member, editor, admin.`
          )
          expect(message(KEYS.dan)).toContain(
            `row ${rows[KEYS.dan]}: the facts of invitation:dan (dan@acme.test) no longer match its Facts hash`
          )
          expect(message(KEYS.dan)).toContain(`Role was "admin" when frozen, the file says "viewer"`)
          expect(message(KEYS.token1)).toContain("a token has no role to change")
          expect(message(KEYS.eve)).toContain(`New role "admin" is only read with Change role`)
          expect(message(KEYS.token2)).toContain(`Reviewed on "31/31/2026" is not a date`)
          expect(yield* recorded).toEqual([
            { item_key: KEYS.bob, decision: "keep", new_role: null, reviewer: "bob@acme.test", self_review: true },
            { item_key: KEYS.robot, decision: "keep", new_role: null, reviewer: "cat@acme.test", self_review: false }
          ])
          // The import's row says what happened to the file.
          expect(yield* query("SELECT rows_read, decisions, unchanged, rejected FROM review_import_log")).toEqual([
            { rows_read: 8, decisions: 2, unchanged: 0, rejected: 6 }
          ])
        }),
        reviewLayer(dir)
      )
    }))

  it.scoped("a self-review without a comment, a Change role to the role already held, a missing reviewer", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          const campaign = yield* start(dir)
          const filled = yield* Effect.promise(() =>
            fillWorkbook(campaign.files.workbook, join(dir, "filled.xlsx"), {
              [KEYS.ann]: { Decision: "Keep", Reviewer: "Ann Admin", "Reviewed on": "2026-02-04" },
              [KEYS.cat]: { Decision: "Change role", "New role": "Viewer", ...by },
              [KEYS.bob]: { Decision: "Remove" },
              // A future date (more than a day ahead of the import) is a typing mistake.
              [KEYS.eve]: { Decision: "Remove", Reviewer: "cat@acme.test", "Reviewed on": "2026-03-05" }
            })
          )
          const result = yield* importFile(filled)
          expect(result.rejected.map((r) => [r.item_key, r.reason])).toEqual([
            [KEYS.ann, "self_review"],
            [KEYS.bob, "reviewer"],
            [KEYS.cat, "new_role"],
            [KEYS.eve, "reviewed_on"]
          ])
          expect(result.rejected[0]!.message).toContain(
            "Ann Admin reviews their own access (member:ann (ann@acme.test)): a self-review needs a Comment"
          )
          expect(result.rejected[2]!.message).toContain("already has the role viewer")
          expect(result.rejected[3]!.message).toContain("Reviewed on 2026-03-05 is in the future")
          expect(result.recorded).toBe(0)
          expect(result.entryId).toBeNull()
          // --reviewer fills the rows that name none; a blank Reviewed on is the day of the import.
          const again = yield* importFile(filled, { reviewer: "lead@acme.test" })
          expect(again.recorded).toBe(1)
          expect(
            yield* query(
              `SELECT reviewer, reviewed_on::VARCHAR AS reviewed_on FROM review_decisions WHERE item_key = '${KEYS.bob}'`
            )
          ).toEqual([{ reviewer: "lead@acme.test", reviewed_on: "2026-02-05" }])
        }),
        reviewLayer(dir)
      )
    }))

  it.scoped("two rows deciding one item differently: neither is taken; blank rows stay undecided", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          const campaign = yield* start(dir)
          const records = readCsv(readFileSync(campaign.files.csv, "utf8"))
          const header = records.find((r) => r.includes("Item key"))!
          const col = (name: string) => header.indexOf(name)
          const bob = records.find((r) => r[col("Item key")] === KEYS.bob)!
          const set = (record: Array<string>, decision: string) => {
            const copy = [...record]
            copy[col("Decision")] = decision
            copy[col("Reviewer")] = "cat@acme.test"
            return copy
          }
          // Trailing empty records, as a spreadsheet's CSV export has them.
          const out = [...records.filter((r) => r !== bob), set(bob, "Keep"), set(bob, "Remove"), ["", "", ""], [""]]
          const file = join(dir, "twice.csv")
          writeFileSync(file, out.map((r) => csvLine(r)).join(""))
          const result = yield* Effect.either(importFile(file))
          // Every other row is blank: nothing is decided, and the duplicates are both refused.
          expect(Either.isRight(result)).toBe(true)
          const value = Either.getOrThrow(result)
          expect(value.rejected.map((r) => [r.row, r.reason])).toEqual([[records.length, "duplicate"], [
            records.length + 1,
            "duplicate"
          ]])
          expect(value.recorded).toBe(0)
          expect(value.undecided).toBe(7)
        }),
        reviewLayer(dir)
      )
    }))

  it.scoped("a file of no campaign, of another campaign, or whose whole population was altered, records nothing", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          const campaign = yield* start(dir)
          const csv = readFileSync(campaign.files.csv, "utf8")
          const write = (name: string, text: string) => {
            writeFileSync(join(dir, name), text)
            return join(dir, name)
          }
          const failure = (file: string, options: { campaign?: string } = {}) =>
            Effect.flip(importFile(file, options)).pipe(
              Effect.map((e) => ({ tag: e._tag, reason: "reason" in e ? e.reason : null, message: e.message }))
            )
          const foreign = write("foreign.csv", csv.replace(campaign.populationHash, "p0000000000000000"))
          expect(yield* failure(foreign)).toMatchObject({ tag: "ReviewError", reason: "BadFile" })
          expect((yield* failure(foreign)).message).toContain("belongs to no campaign of this database")
          expect((yield* failure(write("unknown.csv", csv.replace("Campaign id,1", "Campaign id,7")))).message)
            .toContain(
              "there is no campaign 7"
            )
          expect((yield* failure(campaign.files.csv, { campaign: "2" })).message).toContain(
            "is the sheet of campaign 1, not of campaign 2"
          )
          expect((yield* failure(write("nameless.csv", csv.replace(/^Campaign id,1\r\n/, "")))).message).toContain(
            "names no campaign"
          )
          // Every row's facts edited (here: every email's domain), though each row keeps its item key and hash.
          const altered = write(
            "altered.csv",
            csv.replace(/Keep/g, "Keep").replace(/@acme\.test/g, "@evil.test").replace(/,member,/g, ",admin,")
          )
          const whole = yield* failure(altered)
          expect(whole.message).toContain("its whole population was altered, so nothing was recorded")
          expect(yield* query("SELECT count(*)::INTEGER AS n FROM review_decision_log")).toEqual([{ n: 0 }])
          expect(yield* query("SELECT kind FROM ledger_log")).toEqual([{ kind: "review.started" }])
        }),
        reviewLayer(dir)
      )
    }))
})
