/**
 * The audit history: storing one run of one workspace as a single transaction (every collection it read
 * completely, its coverage, its run row) or, when the run fails, only a run row saying why. Where the history is and
 * how long it is held is HistoryAccess's concern: held open, or a file opened only to read and to commit.
 */
import { Context, Effect, Layer, Option, Stream } from "effect"
import type { CollectionName, SourceName, WorkspaceRecord } from "../snapshot/Records.js"
import type { CollectionOutcome, CoverageStatus, SnapshotItem } from "../snapshot/SnapshotItem.js"
import { crashPoint } from "./CrashPoints.js"
import { Database, type DatabaseService, param, StoreError } from "./Database.js"
import { heldAccess, type HistoryAccess } from "./HistoryAccess.js"
import { mergeCollection, mergeEvents } from "./Merge.js"
import { type ConfirmedCollection, confirmedCollections, type MissingEntity, openStage } from "./Staging.js"
import { tableOf, versionedCollections } from "./Tables.js"

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

/**
 * Work that belongs in the run's transaction once its data is merged (findings, the integrity hash), on the
 * connection the run commits through.
 */
export type RunStep = (run: StoredRun, db: DatabaseService) => Effect.Effect<void, StoreError>

/**
 * What a caller says about entities a complete listing left out although their versions were open: `confirmed`
 * (they are gone: their versions may end), read the collection again (`present` are the ids still there), or a gap.
 */
export type RemovalVerdict<E> =
  | "confirmed"
  | { readonly readAgain: Stream.Stream<SnapshotItem, E>; readonly present: ReadonlyArray<string> }
  | { readonly gap: string }

/** Asked before a complete collection of members, robots, tokens or invitations ends any version. */
export type ConfirmRemovals<E> = (
  collection: ConfirmedCollection,
  missing: ReadonlyArray<MissingEntity>
) => Effect.Effect<RemovalVerdict<E>, E>

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
  /**
   * Confirms removals before they are stored: a listing that shifted while it was read (an entity deleted ahead of
   * an offset cursor) leaves out entities that still exist. Without it, what a complete listing leaves out ends.
   */
  readonly confirmRemovals?: ConfirmRemovals<E>
  /** Why the run was interrupted, for the failed run row it leaves (e.g. `cancelled by SIGTERM`). */
  readonly interruptedBecause?: Effect.Effect<string>
  readonly inTransaction?: RunStep
  readonly onCollectionDone?: (coverage: CollectionCoverage) => Effect.Effect<void>
}

export interface AuditStoreService {
  /** The newest access event stored for a workspace: the next run reads only events after it. */
  readonly eventsWatermark: (
    source: SourceName,
    workspaceId: string
  ) => Effect.Effect<Option.Option<string>, StoreError>
  /**
   * Stages the snapshot as it streams in, then stores it in one transaction. If the stream fails, or `accept` refuses
   * the run once every collection's outcome is known, nothing is stored and the failure is returned (record it with
   * `recordFailedRun`). Interrupted before its commit (a signal), it stores nothing and records a failed run row
   * saying so; a commit under way finishes first.
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
  /** Over a database held open (tests, the demo, the bench, import): the stage is in memory beside it. */
  static readonly layer = Layer.effect(
    AuditStore,
    Effect.map(Database, (db) => make(heldAccess(db)))
  )
}

/** Every collection's coverage, from the outcomes the stream reported (a collection it never mentioned failed). */
const coverageOf = (outcomes: Map<CollectionName, CollectionOutcome>, rows: (c: CollectionName) => number) =>
  allCollections.map((collection): CollectionCoverage => {
    const outcome = outcomes.get(collection) ??
      { status: "failed", detail: "The source ended without saying whether it read this collection." }
    return {
      collection,
      status: outcome.status,
      rows: outcome.status === "complete" ? rows(collection) : 0,
      detail: outcome.detail ?? null
    }
  })

const names = (ids: ReadonlyArray<string>) =>
  `${ids.slice(0, 20).join(", ")}${ids.length > 20 ? ` and ${ids.length - 20} more` : ""}`

export const make = (access: HistoryAccess): AuditStoreService => {
  const recordFailedRun: AuditStoreService["recordFailedRun"] = Effect.fn("AuditStore.recordFailedRun")((
    { context, error, inTransaction, usage, workspace }: Parameters<AuditStoreService["recordFailedRun"]>[0]
  ) =>
    Effect.scoped(Effect.gen(function*() {
      const db = yield* access.connection
      return yield* access.writing(
        db,
        db.transaction(
          Effect.gen(function*() {
            const runId = yield* nextRunId(db)
            const run: StoredRun = { runId, status: "failed", workspace, coverage: [], usage, error }
            yield* insertRun(db, run, context, context.now())
            if (inTransaction) yield* inTransaction(run, db)
            return run
          })
        )
      )
    }))
  )

  // Generic in its stream's error, which Effect.fn would not keep: spanned by hand.
  const storeRun = <E>(input: StoreRunInput<E>): Effect.Effect<StoredRun, E | StoreError> => {
    const { accept, confirmRemovals, context, inTransaction, items, onCollectionDone, usage, workspace } = input
    let committed = false
    return Effect.scoped(
      Effect.gen(function*() {
        const db = yield* access.connection
        yield* access.attachStage(db)
        const stage = yield* openStage(db)
        if (confirmRemovals) {
          yield* access.reading(
            db,
            Effect.forEach(
              confirmedCollections,
              (collection) => stage.recordOpen(collection, tableOf(collection).versions, context.source, workspace.id),
              { discard: true }
            )
          )
        }
        const outcomes = new Map<CollectionName, CollectionOutcome>()
        let pages = 0
        const stageItem = (item: SnapshotItem) => {
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
        }
        yield* Stream.runForEach(items, stageItem)
        yield* stage.flush
        yield* crashPoint("staged")
        // What is stored is what is staged once each entity is kept once: the run's counts say so too.
        const entities = new Map<CollectionName, number>()
        for (const collection of allCollections) entities.set(collection, yield* stage.dedupe(collection))
        if (confirmRemovals) {
          for (const collection of confirmedCollections) {
            if (outcomes.get(collection)?.status !== "complete") continue
            const verdict = yield* confirmOnce(collection)
            if (verdict !== "confirmed") outcomes.set(collection, verdict)
          }
        }
        const coverage = coverageOf(outcomes, (c) => entities.get(c) ?? 0)
        if (accept) yield* accept(coverage)
        const apiUsage = yield* usage
        const finishedAt = context.now()
        // Once the commit has begun it finishes (seconds), whatever arrives meanwhile: a run is whole or absent.
        const stored = yield* access.writing(
          db,
          Effect.uninterruptible(
            db.transaction(
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
                  `INSERT INTO run_collections VALUES ${
                    coverage.map((_, i) =>
                      `($${5 * i + 1}, $${5 * i + 2}, $${5 * i + 3}, $${5 * i + 4}, $${5 * i + 5})`
                    ).join(", ")
                  }`,
                  coverage.flatMap((entry) => [
                    param.int(runId),
                    param.text(entry.collection),
                    param.text(entry.status),
                    param.int(entry.status === "complete" ? entry.rows : null),
                    param.text(entry.detail)
                  ])
                )
                if (inTransaction) yield* inTransaction(run, db)
                return run
              })
            ).pipe(Effect.tap(() => Effect.sync(() => (committed = true))))
          )
        )
        yield* crashPoint("committed")
        return stored

        /**
         * Asks about what the complete listing of `collection` left out; reads it again once when some of it is
         * still there. Returns `confirmed`, or the outcome the collection ends with instead (a gap, or the re-read's
         * own failure). The stage then holds the listing that is stored.
         */
        function confirmOnce(collection: ConfirmedCollection) {
          return Effect.gen(function*() {
            const missing = yield* stage.missing(collection)
            if (missing.length === 0) return "confirmed" as const
            const first = yield* confirmRemovals!(collection, missing)
            if (first === "confirmed") return first
            if ("gap" in first) return gapOutcome(first.gap)
            yield* Effect.logInfo(
              `${collection}: ${
                names(first.present)
              } still exist upstream but were missing from the listing; reading ${collection} again`
            )
            yield* stage.reset(collection)
            const again = new Map<CollectionName, CollectionOutcome>()
            yield* Stream.runForEach(
              Stream.filter(first.readAgain, (item) => item.collection === collection),
              (item) => item._tag === "Done" ? Effect.sync(() => again.set(collection, item.outcome)) : stageItem(item)
            )
            yield* stage.flush
            const outcome = again.get(collection) ??
              {
                status: "failed",
                detail: `The second reading of ${collection} ended without saying whether it was complete.`
              }
            entities.set(collection, yield* stage.dedupe(collection))
            if (outcome.status !== "complete") return outcome
            const still = yield* stage.missing(collection)
            if (still.length === 0) return "confirmed" as const
            const second = yield* confirmRemovals!(collection, still)
            if (second === "confirmed") return second
            return gapOutcome("gap" in second ? second.gap : inconsistent(collection, second.present))
          })
        }
      })
    ).pipe(
      Effect.onInterrupt(() =>
        committed
          ? Effect.void
          : Effect.gen(function*() {
            const reason = input.interruptedBecause ? yield* input.interruptedBecause : "interrupted"
            yield* recordFailedRun({
              context,
              workspace,
              error: cancelledRunError(reason),
              usage: yield* usage,
              ...(inTransaction ? { inTransaction } : {})
            })
          }).pipe(Effect.catchAll((error) => Effect.logError(`Could not record the cancelled run: ${error.message}`)))
      ),
      Effect.withSpan("AuditStore.storeRun")
    )
  }

  return {
    eventsWatermark: Effect.fn("AuditStore.eventsWatermark")((source: SourceName, workspaceId: string) =>
      Effect.scoped(Effect.gen(function*() {
        const db = yield* access.connection
        const rows = yield* access.reading(
          db,
          db.query(
            `SELECT max(created_at) AS watermark FROM event_log WHERE source = $1 AND workspace_id = $2`,
            [param.text(source), param.text(workspaceId)]
          )
        )
        return Option.fromNullable(rows[0]?.["watermark"] as string | null | undefined)
      }))
    ),
    storeRun,
    recordFailedRun
  }
}

/** The error of a run interrupted before its commit (`reason`: e.g. "cancelled by SIGTERM"). */
export const cancelledRunError = (reason: string) =>
  `The run was ${reason} before it was stored; nothing of it was stored.`

const gapOutcome = (detail: string): CollectionOutcome => ({ status: "failed", detail })

const inconsistent = (collection: ConfirmedCollection, present: ReadonlyArray<string>) =>
  `The ${collection} listing was inconsistent twice: ${names(present)} still exist upstream but were missing from ` +
  `the listing, read twice (it shifted while it was paged). Nothing of ${collection} was stored for this run, so ` +
  "nothing was recorded as removed."
