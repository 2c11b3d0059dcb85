/**
 * What only a review window's workbook has (PeriodData.ts): the Time to removal sheet, one row per leaver (after the
 * people sheets; left out where no people directory was read in the window), and the access review outcome as rows
 * of the Summary sheet. A single run's workbook is unchanged.
 */
import { Effect } from "effect"
import type { RemovalRow } from "../../read/Directory.js"
import { worstFirst } from "../PeriodData.js"
import type { ReportData } from "../ReportData.js"
import { reviewSummaryRows } from "../ReviewSection.js"
import { addSheet, type Fact, type Workbook } from "./Sheet.js"

const days = (n: number) => `${n} day${n === 1 ? "" : "s"}`

/** The day a removal was seen (UTC), as the date it is: `2026-03-05T06:00:00Z` is 2026-03-05. */
const removedOn = (r: RemovalRow) => (r.removed && r.removed_at !== null ? r.removed_at.slice(0, 10) : null)

/** One row per leaver, still holding access first, then removed outside the target, each the longest first. */
export const timeToRemovalSheet = (workbook: Workbook, data: ReportData) => {
  const removal = data.period.removal
  if (removal === null) return Effect.succeed(0)
  const target = days(removal.targetDays)
  return addSheet<RemovalRow>(
    workbook,
    "Time to removal",
    data.run.source,
    [
      { header: "Name", width: 22, wrap: true, value: (r) => r.display_name },
      { header: "Email", width: 42, wrap: true, value: (r) => r.email },
      { header: "Left on (UTC)", width: 12, kind: "date", value: (r) => r.left_on },
      { header: "Left on source", width: 15, value: (r) => (r.left_on_inferred ? "first seen gone" : "directory") },
      { header: "Removed on (UTC)", width: 12, kind: "date", value: removedOn },
      { header: "Status", width: 16, value: (r) => (r.removed ? "removed" : "still has access") },
      { header: "Days", width: 8, kind: "number", value: (r) => r.days },
      { header: `Within ${target}`, width: 10, kind: "boolean", value: (r) => r.within_target === true },
      { header: "Membership id", width: 38, id: true, value: (r) => r.member_id }
    ],
    [...removal.rows].sort(worstFirst),
    {
      empty: "The people directory names no leaver who held access in this window.",
      // A leaver still holding access is the row to act on.
      bold: (r) => !r.removed
    }
  )
}

/** The Summary sheet's rows about the window's campaigns: each one's decisions, sign-off and pending follow-ups. */
export const reviewSummaryFacts = (data: ReportData): ReadonlyArray<Fact> => {
  const review = data.period.review
  return review === null || review.period.length === 0
    ? []
    : reviewSummaryRows({ ...review, open: [] }).map(([label, value]): Fact => [label, value, "text"])
}

/** The Summary sheet's rows about time to removal, in figures (the sheet has every leaver). */
export const removalSummaryFacts = (data: ReportData): ReadonlyArray<Fact> => {
  const removal = data.period.removal
  return removal === null ? [] : [
    ["Leavers (people directory)", removal.leavers, "number"],
    ["Leavers removed", removal.removed, "number"],
    [`Leavers removed within ${days(removal.targetDays)}`, removal.withinTarget, "number"],
    [`Share removed within ${days(removal.targetDays)}`, removal.share, "percent"],
    [
      "Leavers still holding access at the end",
      removal.leavers - removal.removed,
      "number",
      removal.leavers > removal.removed ? "warning" : undefined
    ]
  ]
}
