/**
 * The audit history: storing one run of one workspace as a single transaction (every collection it read
 * completely, its coverage, its run row) or, when the run fails, only a run row saying why.
 */
import { Context, Effect, Layer, Option, Stream } from "effect"
import type { CollectionName, SourceName, WorkspaceRecord } from "../snapshot/Records.js"
import type { CollectionOutcome, CoverageStatus, SnapshotItem } from "../snapshot/SnapshotItem.js"
import { Database, type DatabaseService, param, StoreError } from "./Database.js"
import { crashPoint } from "./CrashPoints.js"
import { mergeCollection, mergeEvents } from "./Merge.js"
import { openStage } from "./Staging.js"
import { versionedCollections } from "./Tables.js"

export type RunStatus = "complete" | "incomplete" | "failed"

export interface RunContext {
  readonly source: SourceName
  /** What the run was asked to audit (a UUID, a slug, or "*" for every workspace the token can view). */
  readonly selector: string
  /** The instant the snapshot stands for. */
  readonly startedAt: string
  readonly toolVersion: string
  /** The time now, on the same clock as `startedAt` (the simulator's clock in the demo). */
  readonly now: () => string
}

export interface CollectionCoverage {
  readonly collection: CollectionName
  readonly status: CoverageStatus
  readonly rows: number
  readonly detail: string | null
}

/** What a run cost upstream, as the run row records it. */
export interface RunUsage {
  /** Requests sent (each counts one call against the API quota), retries included. */
  readonly calls: number
  /** The last `X-RateLimit-Remaining` the API reported, if it sends one. */
  readonly rateLimitRemaining: number | null
}

export interface StoredRun {
  readonly runId: number
  readonly status: RunStatus
  readonly workspace: WorkspaceRecord | null
  readonly coverage: ReadonlyArray<CollectionCoverage>
  readonly usage: RunUsage
  readonly error: string | null
}

/** Work that belongs in the run's transaction once its data is merged (findings, the integrity hash). */
export type RunStep = (run: StoredRun) => Effect.Effect<void, StoreError>

const allCollections: ReadonlyArray<CollectionName> = [...versionedCollections, "events"]

export const statusOf = (coverage: ReadonlyArray<CollectionCoverage>): RunStatus =>
  coverage.every((c) => c.status === "complete" || c.status === "not_applicable") ? "complete" : "incomplete"

const insertRun = (db: DatabaseService, run: StoredRun, context: RunContext, finishedAt: string) =>
  db.execute(
    `INSERT INTO run_log (run_id, source, workspace_id, workspace_slug, workspace_name, workspace_selector,
       started_at, finished_at, status, error, api_calls, rate_limit_remaining, tool_version)
     VALUES ($1, $2, $3, $4, $5, $6, $7::TIMESTAMPTZ, $8::TIMESTAMPTZ, $9, $10, $11, $12, $13)`,
    [
      param.int(run.runId),
      param.text(context.source),
      param.text(run.workspace?.id),
      param.text(run.workspace?.slug),
      param.text(run.workspace?.name),
      param.text(context.selector),
      param.timestamp(context.startedAt),
      param.timestamp(finishedAt),
      param.text(run.status),
      param.text(run.error),
      param.int(run.usage.calls),
      param.bigint(run.usage.rateLimitRemaining),
      param.text(context.toolVersion)
    ]
  )

const nextRunId = (db: DatabaseService) =>
  Effect.map(db.query("SELECT coalesce(max(run_id), 0) + 1 AS id FROM run_log"), (rows) => Number(rows[0]!["id"]))

export interface StoreRunInput<E> {
  readonly context: RunContext
  readonly workspace: WorkspaceRecord
  readonly items: Stream.Stream<SnapshotItem, E>
  readonly usage: Effect.Effect<RunUsage>
  /** Checks the run's coverage before anything is stored; a failure stores nothing. */
  readonly accept?: (coverage: ReadonlyArray<CollectionCoverage>) => Effect.Effect<void, E>
  readonly inTransaction?: RunStep
  readonly onCollectionDone?: (coverage: CollectionCoverage) => Effect.Effect<void>
}

export interface AuditStoreService {
  /** The newest access event stored for a workspace: the next run reads only events after it. */
  readonly eventsWatermark: (source: SourceName, workspaceId: string) => Effect.Effect<Option.Option<string>, StoreError>
  /**
   * Stages the snapshot as it streams in, then stores it in one transaction. If the stream fails, or `accept` refuses
   * the run once every collection's outcome is known, nothing is stored and the failure is returned (record it with
   * `recordFailedRun`).
   */
  readonly storeRun: <E>(input: StoreRunInput<E>) => Effect.Effect<StoredRun, E | StoreError>
  /** Records a run that stored nothing: its run row says it failed and why. */
  readonly recordFailedRun: (input: {
    readonly context: RunContext
    readonly workspace: WorkspaceRecord | null
    readonly error: string
    readonly usage: RunUsage
    readonly inTransaction?: RunStep
  }) => Effect.Effect<StoredRun, StoreError>
}

export class AuditStore extends Context.Tag("ptolemy-audit/AuditStore")<AuditStore, AuditStoreService>() {
  static readonly layer = Layer.effect(
    AuditStore,
    Effect.map(Database, (db) => make(db))
  )
}

export const make = (db: DatabaseService): AuditStoreService => ({
  eventsWatermark: (source, workspaceId) =>
    Effect.map(
      db.query(
        `SELECT max(created_at) AS watermark FROM event_log WHERE source = $1 AND workspace_id = $2`,
        [param.text(source), param.text(workspaceId)]
      ),
      (rows) => Option.fromNullable(rows[0]?.["watermark"] as string | null | undefined)
    ),

  storeRun: <E>({ accept, context, inTransaction, items, onCollectionDone, usage, workspace }: StoreRunInput<E>) =>
    Effect.scoped(
      Effect.gen(function*() {
        const stage = yield* openStage(db)
        const outcomes = new Map<CollectionName, CollectionOutcome>()
        let pages = 0
        yield* Stream.runForEach(items, (item) => {
          switch (item._tag) {
            case "Rows":
              return Effect.try({
                try: () => stage.append(item),
                catch: (cause) =>
                  new StoreError({ reason: "Query", message: `Could not stage ${item.collection}: ${cause}`, cause })
              }).pipe(Effect.zipRight(pages++ === 1 ? crashPoint("fetching") : Effect.void))
            case "Restart":
              return stage.reset(item.collection)
            case "Done": {
              outcomes.set(item.collection, item.outcome)
              return onCollectionDone
                ? onCollectionDone({
                  collection: item.collection,
                  status: item.outcome.status,
                  rows: stage.rowCount(item.collection),
                  detail: item.outcome.detail ?? null
                })
                : Effect.void
            }
          }
        })
        yield* stage.flush
        yield* crashPoint("staged")
        const coverage = allCollections.map((collection): CollectionCoverage => {
          const outcome = outcomes.get(collection) ??
            { status: "failed", detail: "The source ended without saying whether it read this collection." }
          return {
            collection,
            status: outcome.status,
            rows: outcome.status === "complete" ? stage.rowCount(collection) : 0,
            detail: outcome.detail ?? null
          }
        })
        if (accept) yield* accept(coverage)
        const apiUsage = yield* usage
        const finishedAt = context.now()
        const stored = yield* db.transaction(
          Effect.gen(function*() {
            const runId = yield* nextRunId(db)
            const run: StoredRun = {
              runId,
              status: statusOf(coverage),
              workspace,
              coverage,
              usage: apiUsage,
              error: null
            }
            for (const entry of coverage) {
              if (entry.status !== "complete") continue
              if (entry.collection === "events") yield* mergeEvents(db, context.source, workspace.id, runId)
              else yield* mergeCollection(db, entry.collection, context.source, workspace.id, runId)
              yield* crashPoint("merging")
            }
            yield* insertRun(db, run, context, finishedAt)
            // One statement for every collection: a small run is dominated by round trips, not rows.
            yield* db.execute(
              `INSERT INTO run_collections VALUES ${coverage.map((_, i) => `($${5 * i + 1}, $${5 * i + 2}, $${5 * i + 3}, $${5 * i + 4}, $${5 * i + 5})`).join(", ")}`,
              coverage.flatMap((entry) => [
                param.int(runId),
                param.text(entry.collection),
                param.text(entry.status),
                param.int(entry.status === "complete" ? entry.rows : null),
                param.text(entry.detail)
              ])
            )
            if (inTransaction) yield* inTransaction(run)
            return run
          })
        )
        yield* crashPoint("committed")
        return stored
      })
    ),

  recordFailedRun: ({ context, error, inTransaction, usage, workspace }) =>
    db.transaction(
      Effect.gen(function*() {
        const runId = yield* nextRunId(db)
        const run: StoredRun = { runId, status: "failed", workspace, coverage: [], usage, error }
        yield* insertRun(db, run, context, context.now())
        if (inTransaction) yield* inTransaction(run)
        return run
      })
    )
})
