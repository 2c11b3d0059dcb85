/**
 * What the reports say about access reviews, self-contained so that a report writer only has to call it: for a run,
 * the campaigns open when it was stored and their progress; for a review period, the outcome of the period's
 * campaigns (decisions, sign-off, and whether each Remove and Change role was carried out).
 *
 * Where it plugs in (reports/ReportData.ts, Markdown.ts, Workbook.ts):
 *   data:      `review: yield* loadReviewSection(db, scope, run)` in loadReportData
 *   Markdown:  `reviewMarkdown(data.review)` after the Summary section (empty string: nothing to add)
 *   Workbook:  `...reviewSummaryRows(data.review)` at the end of the Summary sheet's rows
 */
import { Effect } from "effect"
import {
  type CampaignProgress,
  type CampaignRow,
  type FollowUp,
  openCampaignsAtRun,
  periodReview
} from "../read/Review.js"
import type { DatabaseService, StoreError } from "../store/Database.js"
import { Raw, table } from "./markdown/Blocks.js"
import { mdText } from "./Text.js"

export interface ReviewSection {
  /** Campaigns open when the report's run was stored. */
  readonly open: ReadonlyArray<CampaignProgress>
  /** A review period's campaigns (empty for a single run). */
  readonly period: ReadonlyArray<CampaignRow>
  readonly followUps: ReadonlyArray<FollowUp>
}

export const loadReviewSection = (
  db: DatabaseService,
  scope: { readonly kind: "run" } | { readonly kind: "window"; readonly fromRunId: number },
  run: { readonly run_id: number; readonly source: string; readonly workspace_id: string }
): Effect.Effect<ReviewSection, StoreError> =>
  Effect.gen(function*() {
    const open = yield* openCampaignsAtRun(db, run.run_id)
    if (scope.kind === "run") return { open, period: [], followUps: [] }
    const outcome = yield* periodReview(db, {
      source: run.source,
      workspaceId: run.workspace_id,
      fromRunId: scope.fromRunId,
      toRunId: run.run_id
    })
    return { open, period: outcome.campaigns, followUps: outcome.followUps }
  })

// Tables go through the report's own cell escaping (markdown/Blocks.ts): labels, reviewers, actors and reasons are
// data. `Raw` marks the cells this file words itself.

const percent = (part: number, whole: number) => (whole === 0 ? "–" : `${Math.round((100 * part) / whole)}%`)

const progressLine = (c: CampaignProgress) =>
  `Campaign ${mdText(c.campaign_id)} (run ${c.run_id}${
    c.period ? `, ${mdText(c.period)}` : ""
  }): ${c.decided} of ${c.items} items decided (${
    percent(c.decided, c.items)
  }): ${c.keep} keep, ${c.remove} remove, ${c.change_role} change role; ${c.self_reviews} self-review${
    c.self_reviews === 1 ? "" : "s"
  }; ${c.undecided_privileged} privileged undecided${
    c.due_on ? `; due ${c.due_on}${c.overdue ? " (**overdue**)" : ""}` : ""
  }.`

const MAX_ROWS = 100

/** The Markdown section, or "" when there is nothing to say about reviews. */
export const reviewMarkdown = (review: ReviewSection): string => {
  const parts: Array<string> = []
  if (review.open.length > 0) {
    parts.push("## Access review in progress", "", ...review.open.map((c) => `* ${progressLine(c)}`))
  }
  if (review.period.length > 0) {
    parts.push(
      ...(parts.length > 0 ? [""] : []),
      "## Access review of the period",
      "",
      table(
        [
          "campaign",
          "frozen run",
          "items",
          "decided",
          "keep",
          "remove",
          "change role",
          "self-reviews",
          "privileged undecided",
          "signed off"
        ],
        review.period.map((c) => [
          c.campaign_id,
          c.run_id,
          c.items,
          c.decided,
          c.keep,
          c.remove,
          c.change_role,
          c.self_reviews,
          c.undecided_privileged,
          c.status === "closed"
            ? new Raw(
              `${mdText(c.signed_by ?? "–")} ${(c.signed_at ?? "").slice(0, 10)}${
                c.accepted_undecided ? ` (undecided accepted: ${mdText(c.accepted_undecided)})` : ""
              }`
            )
            : "not yet"
        ])
      )
    )
    if (review.followUps.length > 0) {
      const shown = review.followUps.slice(0, MAX_ROWS)
      parts.push(
        "",
        "### Removals and role changes decided",
        "",
        table(
          ["campaign", "item", "decision", "carried out", "change", "by"],
          shown.map((f) => [
            f.campaign_id,
            f.label,
            f.decision === "change_role" ? new Raw(`change role to ${mdText(f.new_role ?? "?")}`) : f.decision,
            new Raw(
              f.status === "carried_out"
                ? `run ${f.change_run_id} (${(f.detected_at ?? "").slice(0, 10)})`
                : "**pending**"
            ),
            f.change_type === null ? null : new Raw(f.change_type),
            f.actor_display_name
          ])
        ),
        ...(review.followUps.length > MAX_ROWS
          ? ["", `_${review.followUps.length - MAX_ROWS} more are in the review_carried_out view._`]
          : [])
      )
    }
  }
  return parts.join("\n")
}

/** Rows for the workbook's Summary sheet (label, value). */
export const reviewSummaryRows = (review: ReviewSection): Array<[string, string]> => [
  ...review.open.map((c): [string, string] => [`Access review ${c.campaign_id} (open)`, progressLine(c)]),
  ...review.period.map((c): [string, string] => [
    `Access review ${c.campaign_id}`,
    `${c.decided} of ${c.items} decided: ${c.keep} keep, ${c.remove} remove, ${c.change_role} change role; ${
      c.status === "closed" ? `signed off by ${c.signed_by} on ${(c.signed_at ?? "").slice(0, 10)}` : "not signed off"
    }; ${
      review.followUps.filter((f) => f.campaign_id === c.campaign_id && f.status === "pending").length
    } removals or role changes pending`
  ])
]
