/**
 * Everything a report shows, read from the store's views alone (no API calls) and decoded with Schema into one
 * typed model, for one run (its window is the run since the previous one) or a review window: both ends of the
 * window (who had access, the admins), one status per person, the churn of invitations, tokens and webhooks, the
 * findings at its end, tokens, invitations and quotas.
 */
import { Data, Effect, Option, type Scope, Stream } from "effect"
import { type InvitationRow, invitations, robotTokens, type TokenRow } from "../read/Access.js"
import { type ChangeRow, itemisedChanges, type NetChangeRow, netChanges, type Window } from "../read/Changes.js"
import {
  type InvitationChangeRow,
  invitationChanges,
  type TokenChangeRow,
  tokenChanges,
  type WebhookChangeRow,
  webhookChanges
} from "../read/Churn.js"
import { type FindingRow, findingsOfRun } from "../read/Findings.js"
import {
  endPopulation,
  peopleChanges,
  type PersonRow,
  population,
  type PopulationCounts,
  populationCounts
} from "../read/People.js"
import {
  type AdminChangeRow,
  adminChanges,
  adminRobotTokens,
  type AdminRow,
  adminsOverWindow,
  type AdminTokenRow
} from "../read/Privileged.js"
import { quotaHistory, type QuotaPoint, type QuotaRow, quotasOfRun } from "../read/Quotas.js"
import { coverageOf, type CoverageRow, previousRunId, type RunRow, runsOfWorkspace, runWithData } from "../read/Runs.js"
import { withWindowTables } from "../read/WindowTables.js"
import type { DatabaseService, StoreError } from "../store/Database.js"
import { loadPeriodData, type PeriodData } from "./PeriodData.js"
import { periodRemediation, type RemediationRow } from "./RemediationSection.js"

export class ReportError extends Data.TaggedError("ReportError")<{
  readonly message: string
  readonly cause?: unknown
  /** The file a write failed on, and the system's error code (ENOSPC, EROFS, EACCES...), when a write failed. */
  readonly path?: string | undefined
  readonly code?: string | undefined
}> {}

export type ReportScope =
  | { readonly kind: "run"; readonly runId: number }
  | {
    readonly kind: "window"
    readonly fromRunId: number
    readonly toRunId: number
    readonly label: string
    /** The dates asked for (YYYY-MM-DD, both included), when the window was asked for by dates. */
    readonly dates?: { readonly start: string; readonly end: string } | undefined
    /** The history starts after the window does: `fromRunId` is the first run, not a run at the window's start. */
    readonly startsLate?: boolean | undefined
  }

/**
 * What an access review campaign (src/review) adds to a run's or a period's reports: a status line while one is in
 * progress, and a period's outcome as label/value rows. Given by the caller; absent, the reports say nothing of it.
 */
export interface CampaignNote {
  readonly status: string
  readonly outcome?: ReadonlyArray<readonly [string, string | number]> | undefined
}

export type { InvitationRow, TokenRow } from "../read/Access.js"
export type { ChangeRow, NetChangeRow } from "../read/Changes.js"
export type { InvitationChangeRow, TokenChangeRow, WebhookChangeRow } from "../read/Churn.js"
export type { FindingRow } from "../read/Findings.js"
export type { PersonRow, PopulationCounts } from "../read/People.js"
export type { AdminChangeRow, AdminRow, AdminTokenRow } from "../read/Privileged.js"
export type { QuotaPoint, QuotaRow } from "../read/Quotas.js"
export type { CoverageRow, RunRow } from "../read/Runs.js"

export interface ReportData {
  readonly scope: ReportScope
  /** The window's end: the run reported on. */
  readonly run: RunRow
  /** The window's start: the previous run for a single run (null for a workspace's first run), or the window's first. */
  readonly baseline: RunRow | null
  /**
   * The queries' window: (baseline, run]; for a first run, the run alone. Its changes and people are in tables that
   * last as long as the scope `loadReportData` ran in (WindowTables.ts): read the streamed sheets inside it.
   */
  readonly window: Window
  /** The history starts after the window does (`ReportScope.startsLate`). */
  readonly startsLate: boolean
  readonly coverage: ReadonlyArray<CoverageRow>
  readonly findings: ReadonlyArray<FindingRow>
  /** Every change in (baseline, run]. */
  readonly changes: ReadonlyArray<ChangeRow>
  /** A window's net effect, one per entity (empty for a single run, where it equals `changes`). */
  readonly netChanges: ReadonlyArray<NetChangeRow>
  /** Joiners, movers and leavers (everyone whose status is not `existing`), one row each. */
  readonly people: ReadonlyArray<PersonRow>
  readonly counts: { readonly start: PopulationCounts; readonly end: PopulationCounts }
  /** A review window's time to removal and access review outcome (PeriodData.ts); none for a single run. */
  readonly period: PeriodData
  readonly admins: ReadonlyArray<AdminRow>
  readonly adminTokens: ReadonlyArray<AdminTokenRow>
  readonly adminChanges: ReadonlyArray<AdminChangeRow>
  readonly invitationChanges: ReadonlyArray<InvitationChangeRow>
  readonly tokenChanges: ReadonlyArray<TokenChangeRow>
  readonly webhookChanges: ReadonlyArray<WebhookChangeRow>
  readonly tokens: ReadonlyArray<TokenRow>
  readonly invitations: ReadonlyArray<InvitationRow>
  readonly quotas: ReadonlyArray<QuotaRow>
  /** Plan usage over the window (a single run: its last 90 days), for the trend charts. */
  readonly quotaHistory: ReadonlyArray<QuotaPoint>
  readonly campaign: CampaignNote | undefined
  /** A window's remediation: the actions of plans made from its runs (empty for a single run). */
  readonly remediation: ReadonlyArray<RemediationRow>
}

const readFailed = (error: StoreError) =>
  new ReportError({ message: `Reading the report's data failed: ${error.message}`, cause: error })

const runById = (db: DatabaseService, runId: number) =>
  Effect.flatMap(
    Effect.mapError(runWithData(db, runId), readFailed),
    Option.match({
      onNone: () =>
        Effect.fail(
          new ReportError({ message: `Run ${runId} is not a stored run with data (it does not exist or it failed).` })
        ),
      onSome: Effect.succeed
    })
  )

/** A window's start must be an earlier run of the same workspace, or its changes would mix two histories. */
const windowStart = (db: DatabaseService, end: RunRow, fromRunId: number) =>
  Effect.flatMap(
    runById(db, fromRunId),
    (start) =>
      start.source !== end.source || start.workspace_id !== end.workspace_id
        ? Effect.fail(
          new ReportError({
            message:
              `Run ${fromRunId} (${start.source} ${start.workspace_id}) and run ${end.run_id} (${end.source} ${end.workspace_id}) are not of the same workspace: a review window spans one workspace's runs.`
          })
        )
        : start.run_id > end.run_id
        ? Effect.fail(
          new ReportError({
            message: `A review window must start before it ends: run ${start.run_id} is after run ${end.run_id}.`
          })
        )
        : Effect.succeed(start)
  )

const baselineOf = (db: DatabaseService, scope: ReportScope, run: RunRow) =>
  scope.kind === "window"
    ? windowStart(db, run, scope.fromRunId)
    : Effect.flatMap(
      Effect.mapError(previousRunId(db, run), readFailed),
      Option.match({ onNone: () => Effect.succeed(null), onSome: (id) => runById(db, id) })
    )

const CHART_DAYS = 90

/** The first run the trend charts show: the window's start, or for a single run the first of its last 90 days. */
const chartStart = (db: DatabaseService, window: Window, scope: ReportScope, run: RunRow) =>
  scope.kind === "window"
    ? Effect.succeed(window.fromRunId)
    : Effect.map(runsOfWorkspace(db, run.source, run.workspace_id), (runs) => {
      const since = Date.parse(run.started_at) - CHART_DAYS * 86400_000
      return runs.find((r) => Date.parse(r.started_at) >= since)?.run_id ?? run.run_id
    })

export const loadReportData = (
  db: DatabaseService,
  scope: ReportScope,
  campaign?: CampaignNote,
  removalTargetDays?: number
): Effect.Effect<ReportData, ReportError, Scope.Scope> =>
  Effect.gen(function*() {
    const run = yield* runById(db, scope.kind === "run" ? scope.runId : scope.toRunId)
    const baseline = yield* baselineOf(db, scope, run)
    const window = yield* Effect.mapError(
      withWindowTables(db, {
        source: run.source,
        workspaceId: run.workspace_id,
        fromRunId: baseline?.run_id ?? run.run_id,
        toRunId: run.run_id
      }),
      readFailed
    )
    const firstCharted = yield* Effect.mapError(chartStart(db, window, scope, run), readFailed)
    return yield* Effect.all({
      scope: Effect.succeed(scope),
      run: Effect.succeed(run),
      baseline: Effect.succeed(baseline),
      window: Effect.succeed(window),
      startsLate: Effect.succeed(scope.kind === "window" && scope.startsLate === true),
      coverage: coverageOf(db, run.run_id),
      findings: findingsOfRun(db, run.run_id),
      changes: itemisedChanges(db, window),
      netChanges: scope.kind === "window" ? netChanges(db, window) : Effect.succeed([]),
      people: peopleChanges(db, window),
      counts: populationCounts(db, window),
      period: loadPeriodData(db, scope, run, window, removalTargetDays),
      admins: adminsOverWindow(db, window),
      adminTokens: adminRobotTokens(db, window),
      adminChanges: adminChanges(db, window),
      invitationChanges: invitationChanges(db, window),
      tokenChanges: tokenChanges(db, window),
      webhookChanges: webhookChanges(db, window),
      tokens: robotTokens(db, run.run_id),
      invitations: invitations(db, run.run_id),
      quotas: quotasOfRun(db, run.run_id),
      quotaHistory: quotaHistory(db, run.source, run.workspace_id, firstCharted, run.run_id),
      campaign: Effect.succeed(campaign),
      remediation: scope.kind === "window" ? periodRemediation(db, window) : Effect.succeed([])
    }).pipe(Effect.mapError(readFailed))
  }).pipe(Effect.withSpan("Reports.load"))

/** The counts every report leads with (findings.json's `summary`). */
export const summarize = (data: ReportData) => {
  const live = data.findings.filter((f) => !f.suppressed)
  const bySeverity = (s: string) => live.filter((f) => f.severity === s).length
  return {
    ...data.counts.end,
    active_tokens: data.tokens.filter((t) => t.status === "active").length,
    pending_invitations: data.invitations.filter((i) => i.status === "pending").length,
    findings: {
      critical: bySeverity("critical"),
      high: bySeverity("high"),
      medium: bySeverity("medium"),
      low: bySeverity("low"),
      info: bySeverity("info"),
      new: live.filter((f) => f.is_new).length,
      suppressed: data.findings.length - live.length
    },
    changes: data.changes.length,
    coverage_gaps: data.coverage.filter((c) => c.status === "forbidden" || c.status === "failed").length
  }
}

export type Summary = ReturnType<typeof summarize>

const streamFailed = (error: StoreError) =>
  new ReportError({ message: `Reading the members failed: ${error.message}`, cause: error })

/** Everyone with access at the window's start or end, streamed in chunks (never held at once). */
export const populationRows = (
  db: DatabaseService,
  data: ReportData
): Stream.Stream<ReadonlyArray<PersonRow>, ReportError> => Stream.mapError(population(db, data.window), streamFailed)

/** The window's end population, in the Access review's order, streamed in chunks. */
export const endPopulationRows = (
  db: DatabaseService,
  data: ReportData
): Stream.Stream<ReadonlyArray<PersonRow>, ReportError> => Stream.mapError(endPopulation(db, data.window), streamFailed)

export const workspaceLabel = (run: RunRow) => run.workspace_name ?? run.workspace_slug ?? run.workspace_id

/** A finding is new in a report when it was first seen after the window's start (a single run: in that run). */
export const isNewInWindow = (data: ReportData, finding: FindingRow) =>
  data.baseline === null ? finding.is_new : finding.first_seen_run_id > data.baseline.run_id

/** Whether a collection was read completely at the window's end. */
export const collectionRead = (data: ReportData, collection: string) =>
  data.coverage.find((c) => c.collection === collection)?.status === "complete"
