/**
 * Starting a campaign: the population of one complete run (members, active robot tokens, pending invitations) is
 * frozen into the campaign's items, each with the short hash of its facts, recorded under a `review.started` ledger
 * entry, and the review sheet is written, all in one transaction: a sheet that cannot be written leaves no campaign.
 */
import { type FileSystem, Path } from "@effect/platform"
import { Effect, Schema } from "effect"
import { appendEntry, sealEntry } from "../history/Ledger.js"
import { findAll, findFirst, Text } from "../read/Query.js"
import { allCampaigns, nextCampaignId, ReviewItem, rolesSeen } from "../read/Review.js"
import { type DatabaseService, param, type StoreError } from "../store/Database.js"
import { factsHash, populationHash, rolesFor, type StoredItem } from "./Facts.js"
import { refused, type ReviewError } from "./ReviewError.js"
import { type ReviewFiles, writeReviewFiles } from "./ReviewSheet.js"

export interface StartOptions {
  readonly runId: number
  /** The review period the run was chosen for (`2026-Q1`), if any. */
  readonly period: string | null
  readonly reviewers: ReadonlyArray<string>
  /** YYYY-MM-DD. */
  readonly dueOn: string | null
  readonly now: Date
  /** The reports folder: the sheet goes to `<reports>/review-<id>/`. */
  readonly reports: string
}

export interface StartedCampaign {
  readonly campaignId: string
  readonly source: string
  readonly workspaceId: string
  readonly runId: number
  readonly items: number
  readonly privileged: number
  readonly populationHash: string
  readonly files: ReviewFiles
}

const FrozenRun = Schema.Struct({
  run_id: Schema.Number,
  source: Schema.String,
  workspace_id: Schema.String,
  label: Schema.String,
  started_at: Schema.String,
  status: Schema.String,
  gaps: Text
})

const frozenRun = (db: DatabaseService, runId: number) =>
  findFirst(
    db,
    FrozenRun,
    "runs",
    `SELECT run_id, source, workspace_id, coalesce(workspace_name, workspace_slug, workspace_id) AS label, started_at,
            status,
            (SELECT string_agg(collection || ' ' || status, ', ' ORDER BY collection) FROM coverage c
             WHERE c.run_id = r.run_id AND c.status IN ('forbidden', 'failed')) AS gaps
     FROM runs r WHERE run_id = $1 AND workspace_id IS NOT NULL`,
    [param.int(runId)]
  )

export const startCampaign = (
  db: DatabaseService,
  options: StartOptions
): Effect.Effect<StartedCampaign, ReviewError | StoreError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const run = yield* frozenRun(db, options.runId)
    if (run === undefined) {
      return yield* Effect.fail(refused(`Run ${options.runId} is not a stored run of a workspace.`))
    }
    if (run.status !== "complete") {
      return yield* Effect.fail(
        refused(
          `Run ${run.run_id} is ${run.status}${
            run.gaps ? ` (${run.gaps})` : ""
          }: a campaign freezes a complete run, or some access would go unreviewed. Choose another with --run.`
        )
      )
    }
    const open = (yield* allCampaigns(db, run)).filter((c) => c.status === "open")
    if (open.length > 0) {
      return yield* Effect.fail(
        refused(
          `Campaign ${open[0]!.campaign_id} of ${run.label} is still open (run ${open[0]!.run_id}, ${
            open[0]!.decided
          } of ${open[0]!.items} decided): sign it off first (ptolemy-audit review close --campaign ${
            open[0]!.campaign_id
          } --signed-by NAME).`
        )
      )
    }
    const startedAt = options.now.toISOString()
    const path = yield* Path.Path
    return yield* db.transaction(
      Effect.gen(function*() {
        const campaignId = yield* nextCampaignId(db)
        const population = yield* findAll(
          db,
          ReviewItem,
          "review population",
          "SELECT * FROM review_population($1::INTEGER) ORDER BY position",
          [param.int(run.run_id)]
        )
        if (population.length === 0) {
          return yield* Effect.fail(
            refused(`Run ${run.run_id} holds no members, tokens or invitations: nothing to review.`)
          )
        }
        const items: ReadonlyArray<StoredItem> = population.map((item) => ({ ...item, facts_hash: factsHash(item) }))
        const hash = populationHash(items)
        const entryId = yield* appendEntry(db, {
          source: run.source,
          workspaceId: run.workspace_id,
          kind: "review.started",
          subjectId: campaignId,
          recordedAt: startedAt
        })
        yield* db.execute(
          `INSERT INTO review_campaign_log
             (entry_id, campaign_id, source, workspace_id, run_id, period, started_at, due_on, reviewers, population_hash, items)
           VALUES ($1, $2, $3, $4, $5, $6, $7::TIMESTAMPTZ, $8::DATE, $9::JSON::VARCHAR[], $10, $11)`,
          [
            param.int(entryId),
            param.text(campaignId),
            param.text(run.source),
            param.text(run.workspace_id),
            param.int(run.run_id),
            param.text(options.period),
            param.timestamp(startedAt),
            param.text(options.dueOn),
            param.text(JSON.stringify(options.reviewers)),
            param.text(hash),
            param.int(items.length)
          ]
        )
        // The facts come from SQL again; only their hashes travel from here, through a staged table.
        yield* Effect.scoped(
          Effect.gen(function*() {
            yield* db.execute("CREATE OR REPLACE TEMP TABLE stage_review_hashes (item_key VARCHAR, facts_hash VARCHAR)")
            const appender = yield* db.appender("stage_review_hashes")
            for (const item of items) {
              appender.appendVarchar(item.item_key)
              appender.appendVarchar(item.facts_hash)
              appender.endRow()
            }
          })
        )
        yield* db.execute(
          `INSERT INTO review_item_log
           SELECT $1::INTEGER, $2, p.item_key, p.position, p.item_type, p.privileged, p.membership_id, p.user_id,
                  p.robot_id, p.token_id, p.invitation_id, p.name, p.email, p.role, p.joined_at, p.last_activity_at,
                  p.last_activity_note, p.findings, p.invited_by, h.facts_hash
           FROM review_population($3::INTEGER) p JOIN stage_review_hashes h USING (item_key)`,
          [param.int(entryId), param.text(campaignId), param.int(run.run_id)]
        )
        yield* db.execute("DROP TABLE IF EXISTS stage_review_hashes")
        yield* sealEntry(db, entryId)
        const roles = rolesFor(run.source, "member", yield* rolesSeen(db, run.run_id))
        const files = yield* writeReviewFiles(
          path.join(options.reports, `review-${campaignId}`),
          {
            campaignId,
            populationHash: hash,
            workspace: run.label,
            source: run.source,
            workspaceId: run.workspace_id,
            runId: run.run_id,
            runStartedAt: run.started_at,
            period: options.period,
            reviewers: options.reviewers,
            dueOn: options.dueOn,
            startedAt,
            roles
          },
          items
        )
        return {
          campaignId,
          source: run.source,
          workspaceId: run.workspace_id,
          runId: run.run_id,
          items: items.length,
          privileged: items.filter((i) => i.privileged).length,
          populationHash: hash,
          files
        }
      })
    )
  }).pipe(Effect.withSpan("Review.start"))
