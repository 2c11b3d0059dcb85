/**
 * One snapshot run of one audit target, as a plain function over a source (a value) and the store: find the
 * workspaces, then read each into the store as one transaction. A run that fails stores only a run row saying why.
 */
import { Effect, Option, Stream } from "effect"
import { rosterItems } from "../roster/Items.js"
import type { RosterRead } from "../roster/ReadRoster.js"
import { inputCollectionNames, type WorkspaceRecord } from "../snapshot/Records.js"
import type { AuditSourceService, SnapshotOptions, WorkspaceTarget } from "../source/AuditSource.js"
import { SourceFailure } from "../source/AuditSource.js"
import {
  AuditStore,
  cancelledRunError,
  type CollectionCoverage,
  type ConfirmRemovals,
  type RemovalVerdict,
  type RunContext,
  type RunStep,
  type RunUsage,
  type StoredRun
} from "../store/AuditStore.js"
import type { StoreError } from "../store/Database.js"

export interface SnapshotInput {
  readonly source: AuditSourceService
  /** A workspace UUID or slug; none = every workspace the source lets the token view. */
  readonly selector: Option.Option<string>
  /** The people directory read for this target, if one was given: every workspace's run stores it. */
  readonly roster?: RosterRead | undefined
  readonly context: Omit<RunContext, "selector">
  /** Work done inside each run's transaction once its data is merged (findings, the integrity hash). */
  readonly inTransaction: RunStep
  readonly onCollectionDone?: (workspace: string, coverage: CollectionCoverage) => Effect.Effect<void>
  /** Why the snapshot was interrupted (a signal), for the failed run row of the run it interrupts. */
  readonly interruptedBecause?: Effect.Effect<string>
}

export interface SnapshotOutcome {
  /** Every run stored, failed ones included. */
  readonly runs: ReadonlyArray<StoredRun>
  /** Why the workspaces could not even be listed (nothing stored but a failed run row). */
  readonly failure: Option.Option<SourceFailure>
}

/**
 * A run in which every collection that could be read failed (none forbidden, none complete) says nothing about the
 * workspace: the API is down. Store no data for it; fail it instead. (The roster is a file, not the API: reading it
 * says nothing about whether the API answered.)
 */
const refuseWhenNothingRead = (source: SourceFailure["source"]) => (coverage: ReadonlyArray<CollectionCoverage>) => {
  const read = coverage
    .filter((c) => c.collection !== "workspace" && !inputCollectionNames.includes(c.collection))
    .map((c) => c.status)
  const nothing = read.every((s) => s === "failed" || s === "not_applicable") && read.some((s) => s === "failed")
  return nothing
    ? Effect.fail(
      new SourceFailure({
        source,
        reason: "Unavailable",
        message:
          "Every collection failed to load; the API seems to be unavailable. Nothing was stored; try again later."
      })
    )
    : Effect.void
}

/**
 * Before a complete listing ends anything, the source is asked whether what it left out is really gone (a listing
 * that shifted while it was read leaves out entities that still exist). Still there: the collection is read again;
 * unknowable (reason `Unavailable`): a coverage gap, never a removal.
 */
const confirmWith = (
  source: AuditSourceService,
  target: WorkspaceTarget,
  options: SnapshotOptions
): ConfirmRemovals<SourceFailure> =>
(collection, missing) =>
  source.confirmAbsent(target, collection, missing).pipe(
    Effect.map((present): RemovalVerdict<SourceFailure> =>
      present.length === 0 ? "confirmed" : { readAgain: source.readAgain(target, collection, options), present }
    ),
    Effect.catchIf(
      (failure) => failure.reason === "Unavailable",
      (failure) =>
        Effect.succeed({
          gap: `Could not confirm that ${collection} left out of the listing are gone: ${failure.message}`
        })
    )
  )

const usageSince = (usage: Effect.Effect<RunUsage>, before: RunUsage): Effect.Effect<RunUsage> =>
  Effect.map(usage, (now) => ({ calls: now.calls - before.calls, rateLimitRemaining: now.rateLimitRemaining }))

export const takeSnapshot = (input: SnapshotInput): Effect.Effect<SnapshotOutcome, StoreError, AuditStore> =>
  Effect.gen(function*() {
    const { source } = input
    const store = yield* AuditStore
    const context: RunContext = { ...input.context, selector: Option.getOrElse(input.selector, () => "*") }
    const start = yield* source.usage
    // Interrupted (a signal) where no run is being stored yet, the run still leaves a failed row saying why.
    const recordCancelled = (workspace: WorkspaceRecord | null, usage: Effect.Effect<RunUsage>) =>
      Effect.gen(function*() {
        const reason = input.interruptedBecause ? yield* input.interruptedBecause : "interrupted"
        yield* store.recordFailedRun({
          context,
          workspace,
          error: cancelledRunError(reason),
          usage: yield* usage,
          inTransaction: input.inTransaction
        })
      }).pipe(Effect.catchAll((error) => Effect.logError(`Could not record the cancelled run: ${error.message}`)))
    const targets = yield* Effect.either(source.workspaces(input.selector)).pipe(
      Effect.onInterrupt(() => recordCancelled(null, usageSince(source.usage, start)))
    )
    if (targets._tag === "Left") {
      const failure = targets.left
      // An unknown workspace is a configuration error: nothing is written at all.
      if (failure.reason === "NotFound") return { runs: [], failure: Option.some(failure) }
      const run = yield* store.recordFailedRun({
        context,
        workspace: null,
        error: failure.message,
        usage: yield* usageSince(source.usage, start),
        inTransaction: input.inTransaction
      })
      return { runs: [run], failure: Option.some(failure) }
    }
    const runs: Array<StoredRun> = []
    let before = start
    for (const target of targets.right) {
      const workspace = target.workspace
      const label = workspace.slug ?? workspace.name ?? workspace.id
      // storeRun records its own cancellation; what comes before it (saying so, reading the watermark) is covered
      // here, with no moment between the two where a signal would leave no failed run row.
      const since = before
      const stored = yield* Effect.uninterruptibleMask((restore) =>
        restore(
          Effect.zipRight(
            Effect.logInfo(`reading ${workspace.name ?? label} (${source.source})`),
            store.eventsWatermark(source.source, workspace.id)
          )
        ).pipe(
          Effect.onInterrupt(() => recordCancelled(workspace, usageSince(source.usage, since))),
          Effect.flatMap((eventsSince) =>
            restore(store.storeRun({
              context,
              workspace,
              items: Stream.concat(
                source.snapshot(target, { asOf: context.startedAt, eventsSince }),
                Stream.fromIterable(rosterItems(input.roster))
              ),
              confirmRemovals: confirmWith(source, target, { asOf: context.startedAt, eventsSince }),
              accept: refuseWhenNothingRead(source.source),
              usage: usageSince(source.usage, since),
              inTransaction: input.inTransaction,
              ...(input.interruptedBecause ? { interruptedBecause: input.interruptedBecause } : {}),
              ...(input.onCollectionDone ? { onCollectionDone: (c) => input.onCollectionDone!(label, c) } : {})
            }))
          )
        )
      ).pipe(
        Effect.catchTag(
          "SourceFailure",
          (failure) =>
            Effect.flatMap(usageSince(source.usage, before), (usage) =>
              store.recordFailedRun({
                context,
                workspace,
                error: failure.message,
                usage,
                inTransaction: input.inTransaction
              }))
        ),
        Effect.annotateLogs({ source: source.source, workspace: label })
      )
      runs.push(stored)
      before = yield* source.usage
    }
    return { runs, failure: Option.none() }
  })
