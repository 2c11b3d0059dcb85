/**
 * One snapshot run, as a plain function over the source and the store: find the workspaces, then for each read
 * every collection into the store as one transaction. A run that fails stores only a run row saying why.
 */
import { Effect, Option, Stream } from "effect"
import { AuditSource, type ApiUsage, SourceFailure } from "../source/AuditSource.js"
import { AuditStore, type CollectionCoverage, type Finalizer, type RunContext, type StoredRun } from "../store/AuditStore.js"
import type { StoreError } from "../store/Database.js"
import type { CollectionName } from "./Records.js"
import type { SnapshotItem } from "./SnapshotItem.js"

export interface SnapshotInput {
  /** A workspace UUID or slug; none = every workspace the source lets the token view. */
  readonly selector: Option.Option<string>
  readonly context: Omit<RunContext, "selector">
  readonly finalize?: Finalizer
  readonly onCollectionDone?: (workspace: string, coverage: CollectionCoverage) => Effect.Effect<void>
}

export interface SnapshotOutcome {
  /** Every run stored, failed ones included. */
  readonly runs: ReadonlyArray<StoredRun>
  /** Why the workspaces could not even be listed (nothing stored but a failed run row). */
  readonly failure: Option.Option<SourceFailure>
}

/**
 * A run in which every collection that could be read failed (none forbidden, none complete) says nothing about the
 * workspace: the API is down. Store no data for it; fail it instead.
 */
const failWhenNothingRead = (
  items: Stream.Stream<SnapshotItem, SourceFailure>,
  source: SourceFailure["source"]
): Stream.Stream<SnapshotItem, SourceFailure> => {
  const statuses = new Map<CollectionName, string>()
  return Stream.concat(
    Stream.tap(items, (item) => Effect.sync(() => item._tag === "Done" && statuses.set(item.collection, item.outcome.status))),
    Stream.suspend(() => {
      const read = [...statuses].filter(([c]) => c !== "workspace").map(([, s]) => s)
      const nothing = read.length > 0 && read.every((s) => s === "failed" || s === "not_applicable") &&
        read.some((s) => s === "failed")
      return nothing
        ? Stream.fail(
          new SourceFailure({
            source,
            reason: "Unavailable",
            message: "Every collection failed to load; the API seems to be unavailable. Nothing was stored; try again later."
          })
        )
        : Stream.empty
    })
  )
}

const usageSince = (usage: Effect.Effect<ApiUsage>, before: ApiUsage): Effect.Effect<ApiUsage> =>
  Effect.map(usage, (now) => ({ calls: now.calls - before.calls, rateLimitRemaining: now.rateLimitRemaining }))

export const takeSnapshot = (input: SnapshotInput): Effect.Effect<SnapshotOutcome, StoreError, AuditSource | AuditStore> =>
  Effect.gen(function*() {
    const source = yield* AuditSource
    const store = yield* AuditStore
    const context: RunContext = { ...input.context, selector: Option.getOrElse(input.selector, () => "*") }
    const start = yield* source.usage
    const targets = yield* Effect.either(source.workspaces(input.selector))
    if (targets._tag === "Left") {
      const failure = targets.left
      // An unknown workspace is a configuration error: nothing is written at all.
      if (failure.reason === "NotFound") return { runs: [], failure: Option.some(failure) }
      const run = yield* store.recordFailedRun({
        context,
        workspace: null,
        error: failure.message,
        usage: yield* usageSince(source.usage, start),
        ...(input.finalize ? { finalize: input.finalize } : {})
      })
      return { runs: [run], failure: Option.some(failure) }
    }
    const runs: Array<StoredRun> = []
    let before = start
    for (const target of targets.right) {
      const workspace = target.workspace
      const label = workspace.slug ?? workspace.name ?? workspace.id
      yield* Effect.logInfo(`reading ${workspace.name ?? label} (${source.source})`).pipe(
        Effect.annotateLogs({ workspace: label })
      )
      const stored = yield* store.eventsWatermark(source.source, workspace.id).pipe(
        Effect.flatMap((eventsSince) =>
          store.storeRun({
            context,
            workspace,
            items: failWhenNothingRead(source.snapshot(target, { asOf: context.startedAt, eventsSince }), source.source),
            usage: usageSince(source.usage, before),
            ...(input.finalize ? { finalize: input.finalize } : {}),
            ...(input.onCollectionDone ? { onCollectionDone: (c) => input.onCollectionDone!(label, c) } : {})
          })
        ),
        Effect.catchTag("SourceFailure", (failure) =>
          Effect.flatMap(usageSince(source.usage, before), (usage) =>
            store.recordFailedRun({
              context,
              workspace,
              error: failure.message,
              usage,
              ...(input.finalize ? { finalize: input.finalize } : {})
            }))),
        Effect.annotateLogs({ source: source.source, workspace: label })
      )
      runs.push(stored)
      before = yield* source.usage
    }
    return { runs, failure: Option.none() }
  })
