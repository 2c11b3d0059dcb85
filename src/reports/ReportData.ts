/**
 * Everything a report shows, read from the store's views alone (no API calls) and decoded with Schema into one
 * typed model: provenance, summary, findings, changes, who has access, tokens, invitations and quotas, for one run
 * or for a review window (its end state, every change during it, and its net effect).
 */
import { Data, Effect, Option, Stream } from "effect"
import {
  type InvitationRow,
  invitations,
  type MemberCounts,
  memberCounts,
  memberRows as readMemberRows,
  robotTokens,
  type TokenRow
} from "../read/Access.js"
import { type ChangeRow, itemisedChanges, type NetChangeRow, netChanges } from "../read/Changes.js"
import { type FindingRow, findingsOfRun } from "../read/Findings.js"
import { type QuotaPoint, quotaHistory, type QuotaRow, quotasOfRun } from "../read/Quotas.js"
import { coverageOf, type CoverageRow, previousRunId, type RunRow, runWithData } from "../read/Runs.js"
import type { DatabaseService, StoreError } from "../store/Database.js"

export class ReportError extends Data.TaggedError("ReportError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

export type ReportScope =
  | { readonly kind: "run"; readonly runId: number }
  | { readonly kind: "window"; readonly fromRunId: number; readonly toRunId: number; readonly label: string }

export type { ChangeRow, NetChangeRow } from "../read/Changes.js"
export type { FindingRow } from "../read/Findings.js"
export type { InvitationRow, MemberRow, TokenRow } from "../read/Access.js"
export type { QuotaPoint, QuotaRow } from "../read/Quotas.js"
export type { CoverageRow, RunRow } from "../read/Runs.js"

export interface ReportData {
  readonly scope: ReportScope
  readonly run: RunRow
  /** The run a single-run report compares with, or the window's start. */
  readonly baseline: RunRow | null
  readonly coverage: ReadonlyArray<CoverageRow>
  readonly findings: ReadonlyArray<FindingRow>
  /** Every change in (baseline, run]. */
  readonly changes: ReadonlyArray<ChangeRow>
  /** A window's net effect (empty for a single run, where it equals `changes`). */
  readonly netChanges: ReadonlyArray<NetChangeRow>
  /** Member counts; the members themselves are streamed by the workbook (`memberRows`), never held at once. */
  readonly memberCounts: MemberCounts
  readonly tokens: ReadonlyArray<TokenRow>
  readonly invitations: ReadonlyArray<InvitationRow>
  readonly quotas: ReadonlyArray<QuotaRow>
  readonly quotaHistory: ReadonlyArray<QuotaPoint>
}

const readFailed = (error: StoreError) =>
  new ReportError({ message: `Reading the report's data failed: ${error.message}`, cause: error })

const runById = (db: DatabaseService, runId: number) =>
  Effect.flatMap(
    Effect.mapError(runWithData(db, runId), readFailed),
    Option.match({
      onNone: () => Effect.fail(new ReportError({ message: `Run ${runId} is not a stored run with data (it does not exist or it failed).` })),
      onSome: Effect.succeed
    })
  )

/** A window's start must be an earlier run of the same workspace, or its changes would mix two histories. */
const windowStart = (db: DatabaseService, end: RunRow, fromRunId: number) =>
  Effect.flatMap(runById(db, fromRunId), (start) =>
    start.source !== end.source || start.workspace_id !== end.workspace_id
      ? Effect.fail(
        new ReportError({
          message: `Run ${fromRunId} (${start.source} ${start.workspace_id}) and run ${end.run_id} (${end.source} ${end.workspace_id}) are not of the same workspace: a review window spans one workspace's runs.`
        })
      )
      : start.run_id > end.run_id
      ? Effect.fail(new ReportError({ message: `A review window must start before it ends: run ${start.run_id} is after run ${end.run_id}.` }))
      : Effect.succeed(start))

export const loadReportData = (db: DatabaseService, scope: ReportScope): Effect.Effect<ReportData, ReportError> =>
  Effect.gen(function*() {
    const endId = scope.kind === "run" ? scope.runId : scope.toRunId
    const run = yield* runById(db, endId)
    const baseline = scope.kind === "window"
      ? yield* windowStart(db, run, scope.fromRunId)
      : yield* Effect.flatMap(
        Effect.mapError(previousRunId(db, run), readFailed),
        Option.match({ onNone: () => Effect.succeed(null), onSome: (id) => runById(db, id) })
      )
    const window = { source: run.source, workspaceId: run.workspace_id, fromRunId: baseline?.run_id ?? run.run_id, toRunId: run.run_id }
    return yield* Effect.all({
      scope: Effect.succeed(scope),
      run: Effect.succeed(run),
      baseline: Effect.succeed(baseline),
      coverage: coverageOf(db, run.run_id),
      findings: findingsOfRun(db, run.run_id),
      changes: itemisedChanges(db, window),
      netChanges: scope.kind === "window" ? netChanges(db, window) : Effect.succeed([]),
      memberCounts: memberCounts(db, run.run_id),
      tokens: robotTokens(db, run.run_id),
      invitations: invitations(db, run.run_id),
      quotas: quotasOfRun(db, run.run_id),
      quotaHistory: quotaHistory(db, run.source, run.workspace_id, run.run_id)
    }).pipe(Effect.mapError(readFailed))
  }).pipe(Effect.withSpan("Reports.load"))

/** The counts every report leads with. */
export const summarize = (data: ReportData) => {
  const live = data.findings.filter((f) => !f.suppressed)
  const bySeverity = (s: string) => live.filter((f) => f.severity === s).length
  return {
    ...data.memberCounts,
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

/** A run's members, in the workbook's order, streamed in chunks. */
export const memberRows = (db: DatabaseService, runId: number) =>
  Stream.mapError(readMemberRows(db, runId), (error) => new ReportError({ message: `Reading the members failed: ${error.message}`, cause: error }))

export const workspaceLabel = (run: RunRow) => run.workspace_name ?? run.workspace_slug ?? run.workspace_id
