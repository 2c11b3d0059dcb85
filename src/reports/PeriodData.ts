/**
 * What a review window's reports show beyond a single run's: time to removal (issue 15), where a people directory
 * was read in the window, and the outcome of the window's access review campaigns (issue 13), where the database
 * has reviews. A single run's report has neither (`noPeriodData`).
 *
 * Rendered by markdown/PeriodSections.ts (the Markdown) and workbook/PeriodSheets.ts (the Time to removal sheet and
 * the Summary sheet's rows).
 */
import { Effect } from "effect"
import { defaultThresholds } from "../analyses/Findings.js"
import type { Window } from "../read/Changes.js"
import { type RemovalRow, rosterReadInWindow, type TimeToRemoval, timeToRemoval } from "../read/Directory.js"
import { hasReviews } from "../read/Review.js"
import type { RunRow } from "../read/Runs.js"
import type { DatabaseService, StoreError } from "../store/Database.js"
import type { CampaignNote, ReportData } from "./ReportData.js"
import { loadReviewSection, type ReviewSection } from "./ReviewSection.js"

export interface PeriodData {
  /** Null for a single run, or a window in which no run read a people directory (leavers are not known). */
  readonly removal: TimeToRemoval | null
  /** Null for a single run, or a database without reviews; `period` empty when no campaign froze a run of the window. */
  readonly review: ReviewSection | null
}

export const noPeriodData: PeriodData = { removal: null, review: null }

export const loadPeriodData = (
  db: DatabaseService,
  scope: { readonly kind: "run" } | { readonly kind: "window" },
  run: RunRow,
  window: Window,
  removalTargetDays: number | undefined = defaultThresholds.removal_target_days
): Effect.Effect<PeriodData, StoreError> =>
  scope.kind === "run"
    ? Effect.succeed(noPeriodData)
    : Effect.all({
      removal: Effect.flatMap(
        rosterReadInWindow(db, window),
        (read) => (read
          ? timeToRemoval(db, window, removalTargetDays ?? defaultThresholds.removal_target_days)
          : Effect.succeed(null))
      ),
      review: Effect.flatMap(hasReviews(db), (has) =>
        has ? loadReviewSection(db, { kind: "window", fromRunId: window.fromRunId }, run) : Effect.succeed(null))
    })

/** Whether the window's own campaigns are shown (then a caller's campaign note would say the same again). */
export const reviewOutcomeShown = (data: ReportData): boolean => (data.period.review?.period.length ?? 0) > 0

/** The caller's campaign note (`writeReports(..., { campaign })`), unless the window's campaigns are shown. */
export const campaignNote = (
  data: ReportData
): CampaignNote | undefined => (reviewOutcomeShown(data) ? undefined : data.campaign)

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** Leavers in the order a reader acts on: still holding access, then removed outside the target, each longest first. */
export const worstFirst = (a: RemovalRow, b: RemovalRow): number =>
  Number(a.removed) - Number(b.removed) || Number(a.within_target === true) - Number(b.within_target === true) ||
  b.days - a.days ||
  byText(a.email ?? "", b.email ?? "") || byText(a.member_id, b.member_id)
