/**
 * One snapshot run of one audit target, as a plain function over a source (a value) and the store: find the
 * workspaces, then read each into the store as one transaction. A run that fails stores only a run row saying why.
 */
import { Effect, Option, Stream } from "effect"
import { rosterItems } from "../roster/Items.js"
import type { RosterRead } from "../roster/ReadRoster.js"
import { inputCollectionNames } from "../snapshot/Records.js"
import type { AuditSourceService } from "../source/AuditSource.js"
import { SourceFailure } from "../source/AuditSource.js"
import {
  AuditStore,
  type CollectionCoverage,
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
        message: "Every collection failed to load; the API seems to be unavailable. Nothing was stored; try again later."
      })
    )
    : Effect.void
}

const usageSince = (usage: Effect.Effect<RunUsage>, before: RunUsage): Effect.Effect<RunUsage> =>
  Effect.map(usage, (now) => ({ calls: now.calls - before.calls, rateLimitRemaining: now.rateLimitRemaining }))

export const takeSnapshot = (input: SnapshotInput): Effect.Effect<SnapshotOutcome, StoreError, AuditStore> =>
  Effect.gen(function*() {
    const { source } = input
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
        inTransaction: input.inTransaction
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
            items: Stream.concat(
              source.snapshot(target, { asOf: context.startedAt, eventsSince }),
              Stream.fromIterable(rosterItems(input.roster))
            ),
            accept: refuseWhenNothingRead(source.source),
            usage: usageSince(source.usage, before),
            inTransaction: input.inTransaction,
            ...(input.onCollectionDone ? { onCollectionDone: (c) => input.onCollectionDone!(label, c) } : {})
          })
        ),
        Effect.catchTag("SourceFailure", (failure) =>
          Effect.flatMap(usageSince(source.usage, before), (usage) =>
            store.recordFailedRun({ context, workspace, error: failure.message, usage, inTransaction: input.inTransaction }))),
        Effect.annotateLogs({ source: source.source, workspace: label })
      )
      runs.push(stored)
      before = yield* source.usage
    }
    return { runs, failure: Option.none() }
  })
