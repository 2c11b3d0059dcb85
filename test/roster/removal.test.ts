/**
 * Time to removal over a review window: leavers removed on the day they left, three days later, and never, against
 * a target of one day; removals of people who had not left are not leavers, and neither are leavers removed before
 * the window. Expectations counted on a calendar.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { defaultThresholds } from "../../src/analyses/Findings.js"
import { timeToRemoval } from "../../src/read/Directory.js"
import { timeToRemovalMarkdown } from "../../src/reports/TimeToRemoval.js"
import { Database } from "../../src/store/Database.js"
import { testStore } from "../support/Pipeline.js"
import { member } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"
import { rosterFile, runWith } from "./Support.js"

const header = "email,status,terminated_on,name"

/** The directory on a day: who had left by then (and when). */
const directory = (day: number) =>
  [
    header,
    "ada@acme.example,active,,Ada",
    // Leaves on 03-02 and loses access before that day's run.
    day >= 2 ? "zero@acme.example,terminated,2026-03-02,Zero" : "zero@acme.example,active,,Zero",
    // Leaves on 03-02, removed before the run of 03-05.
    day >= 2 ? "three@acme.example,terminated,2026-03-02,Three" : "three@acme.example,active,,Three",
    // Leaves on 03-03 and is never removed.
    day >= 3 ? "never@acme.example,terminated,2026-03-03,Never" : "never@acme.example,active,,Never",
    // Still employed, but removed from the workspace (a team change, not a leaver).
    "mover@acme.example,active,,Mover",
    // Left long ago; removed before the window starts.
    "old@acme.example,terminated,2026-02-20,Old",
    ""
  ].join("\n")

/** Who is a member on a day. */
const members = (day: number) => [
  member("m-ada", "admin", { email: "ada@acme.example" }),
  ...(day < 2 ? [member("m-zero", "viewer", { email: "zero@acme.example" })] : []),
  ...(day < 5 ? [member("m-three", "editor", { email: "three@acme.example" })] : []),
  member("m-never", "viewer", { email: "never@acme.example" }),
  ...(day < 4 ? [member("m-mover", "viewer", { email: "mover@acme.example" })] : []),
  ...(day < 1 ? [member("m-old", "viewer", { email: "old@acme.example" })] : [])
]

describe("time to removal", () => {
  it.scoped("removed after 0 and 3 days, and never: one of three within a day's target", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        // Day 0 is 2026-02-28 (run 1, before the window); days 1 to 6 are 03-01 to 03-06 (runs 2 to 7).
        for (let day = 0; day <= 6; day++) {
          const at = new Date(Date.UTC(2026, 1, 28 + day, 6)).toISOString()
          yield* runWith({ members: members(day) }, at, rosterFile(dir, "people.csv", directory(day)))
        }
        const db = yield* Database
        const window = (fromRunId: number, toRunId: number) => ({
          source: "ptolemy",
          workspaceId: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
          fromRunId,
          toRunId
        })
        // The window (run 2, run 7]: from the state at 03-01 to the state at 03-06 (m-old was removed by run 2, before it).
        const result = yield* timeToRemoval(db, window(2, 7), defaultThresholds.removal_target_days)
        expect(result.rows.map((r) => [r.email, r.left_on, r.removed_at, r.removed, r.days, r.within_target])).toEqual([
          ["zero@acme.example", "2026-03-02", "2026-03-02T06:00:00Z", true, 0, true],
          ["three@acme.example", "2026-03-02", "2026-03-05T06:00:00Z", true, 3, false],
          ["never@acme.example", "2026-03-03", null, false, 3, false]
        ])
        expect({ leavers: result.leavers, removed: result.removed, within: result.withinTarget, share: result.share })
          .toEqual({
            leavers: 3,
            removed: 2,
            within: 1,
            share: 1 / 3
          })
        // A target of 3 days (as some policies have) counts the second removal too.
        const lenient = yield* timeToRemoval(db, window(2, 7), 3)
        expect(lenient.withinTarget).toBe(2)
        // The window (run 1, run 2] has only m-old, removed on 03-01, 9 days after leaving on 02-20.
        const first = yield* timeToRemoval(db, window(1, 2), 1)
        expect(first.rows.map((r) => [r.email, r.days, r.removed])).toEqual([["old@acme.example", 9, true]])
        expect(first.share).toBe(0)
        // A window with no leaver at all.
        const none = yield* timeToRemoval(db, window(2, 2), 1)
        expect(none.rows).toEqual([])
        expect(none.share).toBeNull()
        // The period report's section, with the report's cell escaping passed in.
        expect(timeToRemovalMarkdown(result, (v) => (v === null ? "–" : String(v)))).toBe(
          [
            "## Time to removal",
            "",
            "3 leavers: 2 removed, 1 within the target of 1 day (33%); 1 still had access at the end of the window.",
            "",
            "| person | left | removed | days | within target |",
            "|---|---|---|---:|---|",
            "| zero@acme.example | 2026-03-02 | 2026-03-02 | 0 | yes |",
            "| three@acme.example | 2026-03-02 | 2026-03-05 | 3 | no |",
            "| never@acme.example | 2026-03-03 | still has access | 3 so far | no |"
          ].join("\n")
        )
      }).pipe(Effect.provide(testStore(dir)))
    }))
})
