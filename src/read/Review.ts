/**
 * Access review campaigns as the views show them (review/review.sql): campaigns and their progress, a campaign's
 * frozen items and current decisions, and what the reports say about reviews (the campaign open at a run, the
 * outcome of a review period's campaigns).
 */
import { Effect, Option, Schema } from "effect"
import { type DatabaseService, param, type StoreError } from "../store/Database.js"
import { Bool, findAll, findFirst, Num, Text } from "./Query.js"

export const ItemType = Schema.Literal("member", "robot", "token", "invitation")
export type ItemType = typeof ItemType.Type

/** One frozen item, as review_population (review.sql) gives it and review_item_log keeps it. */
export const ReviewItem = Schema.Struct({
  item_key: Schema.String,
  position: Schema.Number,
  item_type: ItemType,
  privileged: Schema.Boolean,
  membership_id: Text,
  user_id: Text,
  robot_id: Text,
  token_id: Text,
  invitation_id: Text,
  name: Text,
  email: Text,
  role: Text,
  joined_at: Text,
  last_activity_at: Text,
  last_activity_note: Text,
  findings: Text,
  invited_by: Text
})
export type ReviewItem = typeof ReviewItem.Type

/** An item as stored, with its facts hash. */
export const StoredItem = Schema.Struct({ ...ReviewItem.fields, facts_hash: Schema.String })
export type StoredItem = typeof StoredItem.Type

export const CampaignRow = Schema.Struct({
  campaign_id: Schema.String,
  source: Schema.String,
  workspace_id: Schema.String,
  workspace_slug: Text,
  workspace_name: Text,
  run_id: Schema.Number,
  run_started_at: Text,
  period: Text,
  started_at: Schema.String,
  due_on: Text,
  reviewers: Schema.Array(Schema.String),
  population_hash: Schema.String,
  items: Schema.Number,
  privileged_items: Schema.Number,
  decided: Schema.Number,
  undecided: Schema.Number,
  keep: Schema.Number,
  remove: Schema.Number,
  change_role: Schema.Number,
  self_reviews: Schema.Number,
  undecided_privileged: Schema.Number,
  status: Schema.Literal("open", "closed"),
  overdue: Bool,
  signed_by: Text,
  signed_at: Text,
  accepted_undecided: Text,
  outcomes_hash: Text
})
export type CampaignRow = typeof CampaignRow.Type

const campaignColumns =
  `campaign_id, source, workspace_id, workspace_slug, workspace_name, run_id, run_started_at, period,
  started_at, due_on::VARCHAR AS due_on, reviewers, population_hash, items::INTEGER AS items,
  privileged_items::INTEGER AS privileged_items, decided::INTEGER AS decided, undecided::INTEGER AS undecided,
  keep::INTEGER AS keep, remove::INTEGER AS remove, change_role::INTEGER AS change_role,
  self_reviews::INTEGER AS self_reviews, undecided_privileged::INTEGER AS undecided_privileged, status, overdue,
  signed_by, signed_at, accepted_undecided, outcomes_hash`

export const campaignById = (db: DatabaseService, campaignId: string) =>
  Effect.map(
    findFirst(
      db,
      CampaignRow,
      "review campaigns",
      `SELECT ${campaignColumns} FROM review_campaigns WHERE campaign_id = $1`,
      [
        param.text(campaignId)
      ]
    ),
    Option.fromNullable
  )

/** Every campaign, newest first; or those of one workspace. */
export const allCampaigns = (
  db: DatabaseService,
  workspace?: { readonly source: string; readonly workspace_id: string }
) =>
  findAll(
    db,
    CampaignRow,
    "review campaigns",
    `SELECT ${campaignColumns} FROM review_campaigns
     WHERE ($1 IS NULL OR (source = $1 AND workspace_id = $2))
     ORDER BY TRY_CAST(campaign_id AS INTEGER) DESC, campaign_id DESC`,
    [param.text(workspace?.source), param.text(workspace?.workspace_id)]
  )

/** The next campaign id: campaigns are numbered 1, 2, 3... in the database. */
export const nextCampaignId = (db: DatabaseService) =>
  Effect.map(
    findFirst(
      db,
      Schema.Struct({ id: Schema.Number }),
      "review campaigns",
      "SELECT (coalesce(max(TRY_CAST(campaign_id AS INTEGER)), 0) + 1)::INTEGER AS id FROM review_campaign_log"
    ),
    (row) => String(row?.id ?? 1)
  )

/** A campaign's frozen items, in the sheet's order. */
export const campaignItems = (db: DatabaseService, campaignId: string) =>
  findAll(
    db,
    StoredItem,
    "review items",
    `SELECT item_key, position, item_type, privileged, membership_id, user_id, robot_id, token_id, invitation_id, name,
            email, role, joined_at, last_activity_at, last_activity_note, findings, invited_by, facts_hash
     FROM review_item_log WHERE campaign_id = $1 ORDER BY position`,
    [param.text(campaignId)]
  )

export const CurrentDecision = Schema.Struct({
  item_key: Schema.String,
  decision: Schema.Literal("keep", "remove", "change_role"),
  new_role: Text,
  reviewer: Schema.String,
  reviewed_on: Schema.String,
  comment: Text,
  self_review: Schema.Boolean
})
export type CurrentDecision = typeof CurrentDecision.Type

/** Each decided item's current decision. */
export const currentDecisions = (db: DatabaseService, campaignId: string) =>
  findAll(
    db,
    CurrentDecision,
    "review decisions",
    `SELECT item_key, decision, new_role, reviewer, reviewed_on::VARCHAR AS reviewed_on, comment, self_review
     FROM review_decisions WHERE campaign_id = $1 AND is_current ORDER BY item_key`,
    [param.text(campaignId)]
  )

export const ImportRow = Schema.Struct({
  entry_id: Schema.Number,
  recorded_at: Schema.String,
  file_name: Schema.String,
  decisions: Schema.Number
})

/** An earlier import of the same file (by its SHA-256) into the campaign, if any. */
export const importOfFile = (db: DatabaseService, campaignId: string, sha256: string) =>
  findFirst(
    db,
    ImportRow,
    "review imports",
    `SELECT f.entry_id, l.recorded_at, f.file_name, f.decisions FROM review_import_log f JOIN ledger_log l USING (entry_id)
     WHERE f.campaign_id = $1 AND f.file_sha256 = $2 ORDER BY f.entry_id LIMIT 1`,
    [param.text(campaignId), param.text(sha256)]
  )

/** The roles direct members held in a run (TransactionLink's workspace roles are not a fixed list). */
export const rolesSeen = (db: DatabaseService, runId: number) =>
  Effect.map(
    findAll(
      db,
      Schema.Struct({ role: Schema.String }),
      "roles",
      "SELECT DISTINCT role FROM members WHERE run_id = $1 AND role IS NOT NULL AND access = 'direct' ORDER BY role",
      [param.int(runId)]
    ),
    (rows) => rows.map((r) => r.role)
  )

// ---------------------------------------------------------------------------------------------------------------
// For the reports (reports/ReviewSection.ts renders these).

export const CampaignProgress = Schema.Struct({
  campaign_id: Schema.String,
  run_id: Schema.Number,
  period: Text,
  started_at: Schema.String,
  due_on: Text,
  items: Schema.Number,
  privileged_items: Schema.Number,
  decided: Schema.Number,
  keep: Schema.Number,
  remove: Schema.Number,
  change_role: Schema.Number,
  self_reviews: Schema.Number,
  undecided_privileged: Schema.Number,
  overdue: Schema.Boolean
})
export type CampaignProgress = typeof CampaignProgress.Type

/**
 * The campaigns of a run's workspace that were open when the run was stored, with their progress then: what the
 * history held before the run (ledger entries anchored to an earlier run), so a report rebuilt later says the same.
 */
export const openCampaignsAtRun = (db: DatabaseService, runId: number) =>
  findAll(
    db,
    CampaignProgress,
    "review campaigns",
    `WITH subject AS (SELECT run_id, source, workspace_id, started_at FROM run_log WHERE run_id = $1),
     known AS (
       SELECT l.entry_id FROM ledger_log l JOIN subject s ON l.source = s.source AND l.workspace_id = s.workspace_id
       WHERE coalesce(l.anchor_run_id, 0) < s.run_id),
     decided AS (
       SELECT d.campaign_id, d.item_key, arg_max(d.decision, d.entry_id) AS decision,
              arg_max(d.self_review, d.entry_id) AS self_review
       FROM review_decision_log d JOIN known USING (entry_id) GROUP BY ALL)
     SELECT c.campaign_id, c.run_id, c.period, c.started_at, c.due_on::VARCHAR AS due_on, c.items,
            count(*) FILTER (WHERE i.privileged)::INTEGER AS privileged_items,
            count(d.decision)::INTEGER AS decided,
            count(*) FILTER (WHERE d.decision = 'keep')::INTEGER AS keep,
            count(*) FILTER (WHERE d.decision = 'remove')::INTEGER AS remove,
            count(*) FILTER (WHERE d.decision = 'change_role')::INTEGER AS change_role,
            count(*) FILTER (WHERE d.self_review)::INTEGER AS self_reviews,
            count(*) FILTER (WHERE i.privileged AND d.decision IS NULL)::INTEGER AS undecided_privileged,
            coalesce(any_value(timezone('UTC', s.started_at)::DATE > c.due_on), false)
              AND count(d.decision) < c.items AS overdue
     FROM review_campaign_log c
     JOIN known k ON k.entry_id = c.entry_id
     JOIN subject s ON true
     JOIN review_item_log i ON i.campaign_id = c.campaign_id
     LEFT JOIN decided d ON d.campaign_id = i.campaign_id AND d.item_key = i.item_key
     WHERE c.campaign_id NOT IN (SELECT g.campaign_id FROM review_signoff_log g JOIN known USING (entry_id))
     GROUP BY c.campaign_id, c.run_id, c.period, c.started_at, c.due_on, c.items
     ORDER BY TRY_CAST(c.campaign_id AS INTEGER)`,
    [param.int(runId)]
  )

export const FollowUp = Schema.Struct({
  campaign_id: Schema.String,
  item_key: Schema.String,
  item_type: Schema.String,
  label: Schema.String,
  decision: Schema.String,
  new_role: Text,
  status: Schema.Literal("pending", "carried_out"),
  change_run_id: Num,
  change_type: Text,
  detected_at: Text,
  actor_display_name: Text
})
export type FollowUp = typeof FollowUp.Type

export interface PeriodReview {
  /** The campaigns whose frozen run lies in the period, as they stand now. */
  readonly campaigns: ReadonlyArray<CampaignRow>
  /** Their Remove and Change role decisions, each with the change that carried it out, if any yet. */
  readonly followUps: ReadonlyArray<FollowUp>
}

/** The outcome of the review campaigns of a period (runs fromRunId..toRunId of a workspace). */
export const periodReview = (
  db: DatabaseService,
  window: {
    readonly source: string
    readonly workspaceId: string
    readonly fromRunId: number
    readonly toRunId: number
  }
): Effect.Effect<PeriodReview, StoreError> =>
  Effect.gen(function*() {
    const campaigns = yield* findAll(
      db,
      CampaignRow,
      "review campaigns",
      `SELECT ${campaignColumns} FROM review_campaigns
       WHERE source = $1 AND workspace_id = $2 AND run_id BETWEEN $3 AND $4
       ORDER BY TRY_CAST(campaign_id AS INTEGER)`,
      [
        param.text(window.source),
        param.text(window.workspaceId),
        param.int(window.fromRunId),
        param.int(window.toRunId)
      ]
    )
    const followUps = campaigns.length === 0 ? [] : yield* findAll(
      db,
      FollowUp,
      "review follow-ups",
      `SELECT campaign_id, item_key, item_type, label, decision, new_role, status, change_run_id, change_type,
              detected_at, actor_display_name
       FROM review_carried_out
       WHERE source = $1 AND workspace_id = $2 AND run_id BETWEEN $3 AND $4
       ORDER BY TRY_CAST(campaign_id AS INTEGER), status DESC, decision, label, item_key`,
      [
        param.text(window.source),
        param.text(window.workspaceId),
        param.int(window.fromRunId),
        param.int(window.toRunId)
      ]
    )
    return { campaigns, followUps }
  })

/** The workspace's last complete run at or before an instant (a review period's end). */
export const lastCompleteRun = (db: DatabaseService, source: string, workspaceId: string, atOrBefore: string) =>
  findFirst(
    db,
    Schema.Struct({ run_id: Schema.Number, started_at: Schema.String }),
    "runs",
    `SELECT run_id, started_at FROM runs
     WHERE source = $1 AND workspace_id = $2 AND status = 'complete' AND started_at <= $3::TIMESTAMPTZ
     ORDER BY run_id DESC LIMIT 1`,
    [param.text(source), param.text(workspaceId), param.timestamp(atOrBefore)]
  )

/** Whether the database has the review's tables (a database last written by an older version has not). */
export const hasReviews = (db: DatabaseService) =>
  Effect.map(
    findFirst(
      db,
      Schema.Struct({ n: Schema.Number }),
      "tables",
      "SELECT count(*)::INTEGER AS n FROM duckdb_views() WHERE view_name = 'review_campaigns'"
    ),
    (row) => (row?.n ?? 0) > 0
  )
