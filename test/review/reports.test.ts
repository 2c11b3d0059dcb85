import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { loadReviewSection, reviewMarkdown, reviewSummaryRows } from "../../src/reports/ReviewSection.js"
import { startCampaign } from "../../src/review/Freeze.js"
import { importDecisions } from "../../src/review/RecordDecisions.js"
import type { MemberRecord } from "../../src/snapshot/Records.js"
import { Database } from "../../src/store/Database.js"
import { snapshotAt } from "../support/Pipeline.js"
import { tempDir } from "../support/TempDir.js"
import { fillWorkbook, KEYS, population, reviewLayer, WS } from "./support.js"

const by = { Reviewer: "cat@acme.test", "Reviewed on": "2026-02-04" }

describe("what the reports say about a review", () => {
  it.scoped("the campaign open at a run with its progress then, and a period's outcome with what was carried out", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
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
            fillWorkbook(campaign.files.workbook, join(dir, "filled.xlsx"), {
              [KEYS.ann]: { Decision: "Keep", ...by },
              [KEYS.bob]: { Decision: "Remove", ...by },
              [KEYS.eve]: { Decision: "Remove", ...by }
            })
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
          const at = (runId: number) => ({ run_id: runId, source: "ptolemy", workspace_id: WS })
          // Run 1 was stored before the campaign began: its report says nothing of it.
          expect(reviewMarkdown(yield* loadReviewSection(db, { kind: "run" }, at(1)))).toBe("")
          const run2 = yield* loadReviewSection(db, { kind: "run" }, at(2))
          expect(reviewMarkdown(run2)).toBe(
            [
              "## Access review in progress",
              "",
              "* Campaign 1 (run 1, 2026-Q1): 3 of 8 items decided (38%): 1 keep, 2 remove, 0 change role; 0 self-reviews; 1 privileged undecided; due 2026-02-20."
            ].join("\n")
          )
          const period = yield* loadReviewSection(db, { kind: "window", fromRunId: 1 }, at(2))
          const markdown = reviewMarkdown(period)
          expect(markdown).toContain("| 1 | 1 | 8 | 3 | 1 | 2 | 0 | 0 | 1 | not yet |")
          expect(markdown).toContain("| 1 | Bob Member | remove | run 2 (2026-02-06) | member_removed | – |")
          // Labels are data: escaped as every cell of the report is (an email's @ would be a mention or an autolink).
          expect(markdown).toContain("| 1 | eve\\@acme.test | remove | **pending** | – | – |")
          expect(reviewSummaryRows(period).at(-1)).toEqual([
            "Access review 1",
            "3 of 8 decided: 1 keep, 2 remove, 0 change role; not signed off; 1 removals or role changes pending"
          ])
        }),
        reviewLayer(dir)
      )
    }))
})
