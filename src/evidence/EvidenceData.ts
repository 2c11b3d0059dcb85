/**
 * Everything an evidence pack shows, read from the stored history alone: the period report's model (both ends of
 * the window, joiners, movers and leavers, privileged access, tokens, findings), both populations in full, every run
 * of the period with its coverage, the days no run read the workspace, the head of the integrity chain at the
 * period's end, the access reviews, time to removal and the remediation actions (each absent where its input does
 * not exist yet).
 */
import { Chunk, Effect, Option, type Scope, Stream } from "effect"
import { defaultThresholds } from "../analyses/Findings.js"
import { type TimeToRemoval, timeToRemoval } from "../read/Directory.js"
import { hasReviews } from "../read/Review.js"
import { loadReportData, type PersonRow, populationRows, type ReportData, ReportError } from "../reports/ReportData.js"
import { loadReviewSection, type ReviewSection } from "../reports/ReviewSection.js"
import type { DatabaseService, StoreError } from "../store/Database.js"
import { type ChainHead, chainHead } from "./Chain.js"
import { type MissingDays, missingDays, type PeriodRun, periodRuns } from "./Completeness.js"
import { type RemediationAction, remediationActions } from "./Remediation.js"

/** What a pack covers: a workspace's window of runs, and the dates asked for when it was asked for by dates. */
export interface EvidenceScope {
  /** `2026-Q1`, or `runs 12 to 85`. */
  readonly label: string
  readonly dates: { readonly start: string; readonly end: string } | null
  readonly fromRunId: number
  readonly toRunId: number
  /** The history starts after the period does (the first run stands for its start). */
  readonly startsLate: boolean
}

export interface EvidenceData {
  readonly scope: EvidenceScope
  /** The period report's model (reports/ReportData.ts): the same figures as the period workbook. */
  readonly report: ReportData
  /** Everyone with access at the start or the end, with their role at each end. */
  readonly population: ReadonlyArray<PersonRow>
  /** Every run of the workspace from the window's start to the chain head, oldest first (failed ones too). */
  readonly runs: ReadonlyArray<PeriodRun>
  /** Days of the period on which no run stored data. */
  readonly missing: ReadonlyArray<MissingDays>
  /** The workspace chain's last run at the period's end (the window's end run, or a later failed one). */
  readonly head: ChainHead
  readonly review: ReviewSection | null
  readonly removal: TimeToRemoval
  /** Whether any run of the window read a people directory (time to removal needs one). */
  readonly roster: boolean
  /** Null where the database has no remediation (issue 14 not installed). */
  readonly remediation: ReadonlyArray<RemediationAction> | null
}

const readFailed = (error: StoreError) =>
  new ReportError({ message: `Reading the evidence failed: ${error.message}`, cause: error })

/** The period's last instant: the end date's last millisecond, or the end run's start for a window of runs. */
export const periodEnd = (scope: EvidenceScope, report: ReportData) =>
  scope.dates === null
    ? report.run.started_at
    : new Date(Date.parse(`${scope.dates.end}T00:00:00Z`) + 86400_000 - 1).toISOString()

export const periodStart = (scope: EvidenceScope, report: ReportData) =>
  scope.dates === null ? (report.baseline ?? report.run).started_at : `${scope.dates.start}T00:00:00.000Z`

export const loadEvidence = (
  db: DatabaseService,
  scope: EvidenceScope,
  removalTargetDays: number = defaultThresholds.removal_target_days
): Effect.Effect<EvidenceData, ReportError, Scope.Scope> =>
  Effect.gen(function*() {
    const report = yield* loadReportData(
      db,
      {
        kind: "window",
        fromRunId: scope.fromRunId,
        toRunId: scope.toRunId,
        label: scope.label,
        dates: scope.dates ?? undefined,
        startsLate: scope.startsLate
      },
      undefined,
      removalTargetDays
    )
    const { source, workspace_id: workspaceId } = report.run
    const end = periodEnd(scope, report)
    return yield* Effect.gen(function*() {
      const head = Option.getOrElse(
        Option.fromNullable(yield* chainHead(db, source, workspaceId, end)),
        () => ({
          run_id: report.run.run_id,
          started_at: report.run.started_at,
          status: report.run.status,
          content_hash: report.run.content_hash
        })
      )
      const runs = yield* periodRuns(db, source, workspaceId, scope.fromRunId, Math.max(head.run_id, scope.toRunId))
      const population = Chunk.toReadonlyArray(
        yield* Stream.runCollect(Stream.flattenIterables(populationRows(db, report)))
      )
      const review = (yield* hasReviews(db))
        ? yield* loadReviewSection(db, { kind: "window", fromRunId: scope.fromRunId }, report.run)
        : null
      const removal = yield* timeToRemoval(db, report.window, removalTargetDays)
      const roster = runs.some((r) => r.complete.includes("people"))
      const campaignIds = (review?.period ?? []).map((c) => c.campaign_id)
      const remediation = yield* remediationActions(db, workspaceId, periodStart(scope, report), end, campaignIds)
      const dates = scope.dates
      const missing = dates === null
        ? []
        : missingDays(runs.filter((r) => r.started_at >= `${dates.start}T`), dates.start, dates.end, head.started_at)
      return {
        scope,
        report,
        population,
        runs,
        missing,
        head,
        review,
        removal,
        roster,
        remediation
      } satisfies EvidenceData
    }).pipe(Effect.catchTag("StoreError", (e) => Effect.fail(readFailed(e))))
  }).pipe(Effect.withSpan("Evidence.load"))
