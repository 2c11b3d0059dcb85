/**
 * The sections only a review window's `audit.md` has (PeriodData.ts): time to removal, where a people directory was
 * read in the window, and the outcome of the window's access review campaigns, where one froze a run of it. Each is
 * null (left out) otherwise, so a single run's report is unchanged.
 */
import { reviewOutcomeShown, worstFirst } from "../PeriodData.js"
import type { ReportData } from "../ReportData.js"
import { reviewMarkdown } from "../ReviewSection.js"
import { mdCell } from "../Text.js"
import { timeToRemovalMarkdown } from "../TimeToRemoval.js"

export const REMOVAL_CAP = 15

/**
 * Leavers, days from leaving to removal, and the share within the target; names and emails through `mdCell`. Still
 * holding access first, then removed outside the target, each the longest first; at most REMOVAL_CAP rows (the
 * workbook has every leaver).
 */
export const removalSection = (data: ReportData): string | null => {
  const removal = data.period.removal
  if (removal === null) return null
  const sorted = [...removal.rows].sort(worstFirst)
  if (sorted.length <= REMOVAL_CAP) return timeToRemovalMarkdown({ ...removal, rows: sorted }, mdCell)
  return `${
    timeToRemovalMarkdown({ ...removal, rows: sorted.slice(0, REMOVAL_CAP) }, mdCell)
  }\n\n_The ${REMOVAL_CAP} longest still holding access or outside the target; ${
    removal.rows.length - REMOVAL_CAP
  } more leavers in audit.xlsx (Time to removal)._`
}

/**
 * The outcome of the campaigns that froze a run of the window: decisions, keep, remove and change role, sign-off by
 * whom and when, and whether each removal or role change was carried out. Campaigns still open are in it too (not
 * signed off), so the progress lines of a run's report are not repeated.
 */
export const reviewOutcomeSection = (data: ReportData): string | null =>
  data.period.review === null || !reviewOutcomeShown(data) ? null : reviewMarkdown({ ...data.period.review, open: [] })
