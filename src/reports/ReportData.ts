/**
 * Everything a report shows, read from the store's views alone (no API calls) and decoded with Schema into one
 * typed model: provenance, summary, findings, changes, who has access, tokens, invitations and quotas, for one run
 * or for a review window (its end state, every change during it, and its net effect).
 */
import { Data, Effect, Schema, Stream } from "effect"
import { type DatabaseService, param } from "../store/Database.js"

export class ReportError extends Data.TaggedError("ReportError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

export type ReportScope =
  | { readonly kind: "run"; readonly runId: number }
  | { readonly kind: "window"; readonly fromRunId: number; readonly toRunId: number; readonly label: string }

const Text = Schema.NullOr(Schema.String)
const Num = Schema.NullOr(Schema.Number)

export const RunRow = Schema.Struct({
  run_id: Schema.Number,
  source: Schema.String,
  workspace_id: Schema.String,
  workspace_slug: Text,
  workspace_name: Text,
  started_at: Schema.String,
  finished_at: Schema.String,
  status: Schema.String,
  api_calls: Num,
  rate_limit_remaining: Num,
  tool_version: Text,
  content_hash: Text,
  previous_hash: Text
})
export type RunRow = typeof RunRow.Type

export const CoverageRow = Schema.Struct({
  collection: Schema.String,
  status: Schema.String,
  rows: Num,
  detail: Text
})
export type CoverageRow = typeof CoverageRow.Type

export const FindingRow = Schema.Struct({
  rule_id: Schema.String,
  severity: Schema.String,
  entity_type: Text,
  entity_id: Text,
  entity_name: Text,
  detail: Text,
  first_seen_run_id: Schema.Number,
  first_seen_at: Schema.String,
  is_new: Schema.Boolean,
  suppressed: Schema.Boolean,
  suppression_reason: Text,
  suppression_expires_at: Text
})
export type FindingRow = typeof FindingRow.Type

export const ChangeRow = Schema.Struct({
  run_id: Schema.Number,
  previous_run_id: Schema.Number,
  detected_at: Schema.String,
  change_type: Schema.String,
  entity_type: Schema.String,
  entity_id: Schema.String,
  entity_name: Text,
  old_value: Text,
  new_value: Text,
  actor_id: Text,
  actor_type: Text,
  actor_display_name: Text,
  changed_at: Text
})
export type ChangeRow = typeof ChangeRow.Type

export const NetChangeRow = Schema.Struct({
  change_type: Schema.String,
  entity_type: Schema.String,
  entity_id: Schema.String,
  entity_name: Text,
  old_value: Text,
  new_value: Text
})
export type NetChangeRow = typeof NetChangeRow.Type

export const MemberRow = Schema.Struct({
  id: Schema.String,
  user_id: Text,
  user_type: Text,
  role: Text,
  display_name: Text,
  email: Text,
  created_at: Text,
  access: Text,
  org_role: Text,
  user_status: Text,
  last_login_at: Text
})
export type MemberRow = typeof MemberRow.Type

export const TokenRow = Schema.Struct({
  robot_id: Schema.String,
  robot_name: Text,
  robot_role: Text,
  robot_created_at: Text,
  token_id: Text,
  name: Text,
  token_suffix: Text,
  status: Text,
  created_at: Text,
  expires_at: Text,
  last_used_at: Text,
  last_used_reported: Schema.NullOr(Schema.Boolean)
})
export type TokenRow = typeof TokenRow.Type

export const InvitationRow = Schema.Struct({
  id: Schema.String,
  email: Text,
  role: Text,
  status: Text,
  invited_by: Text,
  created_at: Text,
  expires_at: Text,
  accepted_at: Text,
  revoked_at: Text
})
export type InvitationRow = typeof InvitationRow.Type

export const QuotaRow = Schema.Struct({
  dimension: Schema.String,
  used: Num,
  limit: Num,
  utilisation: Num,
  growth_per_day: Num,
  projected_exhaustion_at: Text,
  plan: Text
})
export type QuotaRow = typeof QuotaRow.Type

export const QuotaPoint = Schema.Struct({
  run_id: Schema.Number,
  started_at: Schema.String,
  dimension: Schema.String,
  used: Num,
  limit: Num
})
export type QuotaPoint = typeof QuotaPoint.Type

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
  readonly memberCounts: { readonly members: number; readonly humans: number; readonly robots: number; readonly admins: number }
  readonly tokens: ReadonlyArray<TokenRow>
  readonly invitations: ReadonlyArray<InvitationRow>
  readonly quotas: ReadonlyArray<QuotaRow>
  readonly quotaHistory: ReadonlyArray<QuotaPoint>
}

const rows = <A, I>(db: DatabaseService, schema: Schema.Schema<A, I>, sql: string, params: Parameters<DatabaseService["query"]>[1] = []) =>
  db.query(sql, params).pipe(
    Effect.mapError((error) => new ReportError({ message: `Reading the report's data failed: ${error.message}`, cause: error })),
    Effect.flatMap((result) =>
      Schema.decodeUnknown(Schema.Array(schema))(result).pipe(
        Effect.mapError((error) => new ReportError({ message: `The stored data has an unexpected shape: ${error.message}`, cause: error }))
      )
    )
  )

const runById = (db: DatabaseService, runId: number) =>
  Effect.flatMap(rows(db, RunRow, "SELECT * EXCLUDE (coverage, error) FROM runs WHERE run_id = $1", [param.int(runId)]), (found) =>
    found[0] === undefined || found[0].status === "failed"
      ? Effect.fail(new ReportError({ message: `Run ${runId} is not a stored run with data (it does not exist or it failed).` }))
      : Effect.succeed(found[0]))

/** The run a single-run report compares with: the workspace's previous run that stored data. */
const previousRunId = (db: DatabaseService, run: RunRow) =>
  Effect.map(
    rows(
      db,
      Schema.Struct({ id: Num }),
      `SELECT max(run_id) AS id FROM runs WHERE source = $1 AND workspace_id = $2 AND run_id < $3 AND status <> 'failed'`,
      [param.text(run.source), param.text(run.workspace_id), param.int(run.run_id)]
    ),
    (found) => found[0]?.id ?? null
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
      : yield* Effect.flatMap(previousRunId(db, run), (id) => (id === null ? Effect.succeed(null) : runById(db, id)))
    const end = [param.int(run.run_id)]
    const from = baseline?.run_id ?? run.run_id
    const ws = [param.text(run.source), param.text(run.workspace_id)]

    const coverage = yield* rows(db, CoverageRow, "SELECT collection, status, rows, detail FROM coverage WHERE run_id = $1 ORDER BY collection", end)
    const findings = yield* rows(
      db,
      FindingRow,
      `SELECT rule_id, severity, entity_type, entity_id, entity_name, detail, first_seen_run_id, first_seen_at, is_new,
              suppressed, suppression_reason, suppression_expires_at
       FROM findings WHERE run_id = $1
       ORDER BY suppressed, severity_rank(severity) DESC, rule_id, entity_name, entity_id`,
      end
    )
    const changes = yield* rows(
      db,
      ChangeRow,
      `SELECT run_id, previous_run_id, detected_at, change_type, entity_type, entity_id, entity_name, old_value, new_value,
              actor_id, actor_type, actor_display_name, changed_at
       FROM changes WHERE source = $1 AND workspace_id = $2 AND run_id > $3 AND run_id <= $4
       ORDER BY run_id, change_type, entity_name, entity_id`,
      [...ws, param.int(from), param.int(run.run_id)]
    )
    const netChanges = scope.kind === "window"
      ? yield* rows(
        db,
        NetChangeRow,
        `SELECT change_type, entity_type, entity_id, entity_name, old_value, new_value
         FROM window_changes($1, $2, $3::INTEGER, $4::INTEGER) ORDER BY change_type, entity_name, entity_id`,
        [...ws, param.int(from), param.int(run.run_id)]
      )
      : []
    const [counts] = yield* rows(
      db,
      Schema.Struct({ members: Schema.Number, humans: Schema.Number, robots: Schema.Number, admins: Schema.Number }),
      `SELECT count(*) AS members,
              count(*) FILTER (WHERE coalesce(user_type, 'human') <> 'robot') AS humans,
              count(*) FILTER (WHERE user_type = 'robot') AS robots,
              count(*) FILTER (WHERE coalesce(user_type, 'human') <> 'robot'
                AND (role = 'admin' OR (access = 'inherited' AND org_role IN ('owner', 'admin')))) AS admins
       FROM members WHERE run_id = $1`,
      end
    )
    const tokens = yield* rows(
      db,
      TokenRow,
      `SELECT r.id AS robot_id, r.display_name AS robot_name, r.role AS robot_role, r.created_at AS robot_created_at,
              t.id AS token_id, t.name, t.token_suffix, t.status, t.created_at, t.expires_at, t.last_used_at,
              t.last_used_reported
       FROM robots r LEFT JOIN robot_tokens t ON t.run_id = r.run_id AND t.robot_id = r.id
       WHERE r.run_id = $1
       ORDER BY r.display_name, r.id, t.status = 'active' DESC, t.created_at DESC, t.id`,
      end
    )
    const invitations = yield* rows(
      db,
      InvitationRow,
      `SELECT id, email, role, status, invited_by, created_at, expires_at, accepted_at, revoked_at
       FROM invitations WHERE run_id = $1
       ORDER BY status = 'pending' DESC, expires_at, email, id`,
      end
    )
    const quotas = yield* rows(
      db,
      QuotaRow,
      `SELECT q.dimension, q.used, q."limit" AS "limit", q.utilisation, q.growth_per_day,
              q.projected_exhaustion_at, u.plan
       FROM quota_fits q JOIN plan_usage u USING (run_id, dimension)
       WHERE q.run_id = $1 ORDER BY q.dimension`,
      end
    )
    const quotaHistory = yield* rows(
      db,
      QuotaPoint,
      `SELECT u.run_id, r.started_at, u.dimension, u.used, u."limit" AS "limit"
       FROM plan_usage u JOIN runs r USING (run_id)
       WHERE u.source = $1 AND u.workspace_id = $2 AND u.run_id <= $3
       ORDER BY u.run_id, u.dimension`,
      [...ws, param.int(run.run_id)]
    )
    return {
      scope,
      run,
      baseline,
      coverage,
      findings,
      changes,
      netChanges,
      memberCounts: counts!,
      tokens,
      invitations,
      quotas,
      quotaHistory
    }
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

/** A run's members, in the workbook's order, streamed in chunks and decoded. */
export const memberRows = (db: DatabaseService, runId: number) =>
  db.streamRows(
    `SELECT id, user_id, user_type, role, display_name, email, created_at, access, org_role, user_status, last_login_at
     FROM members WHERE run_id = $1 ORDER BY user_type, role, coalesce(email, display_name), id`,
    [param.int(runId)]
  ).pipe(
    Stream.mapError((error) => new ReportError({ message: `Reading the members failed: ${error.message}`, cause: error })),
    Stream.mapEffect((chunk) =>
      Schema.decodeUnknown(Schema.Array(MemberRow))(chunk).pipe(
        Effect.mapError((error) => new ReportError({ message: `The stored members have an unexpected shape: ${error.message}`, cause: error }))
      )
    )
  )

export const workspaceLabel = (run: RunRow) => run.workspace_name ?? run.workspace_slug ?? run.workspace_id
