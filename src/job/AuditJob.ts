/**
 * The audit job over every configured target: snapshot each into the store (analyses run inside each run's
 * transaction), and say how it went. A plain function over services, so that a test can run it with any source.
 */
import type { HttpClient } from "@effect/platform"
import { Effect, Option } from "effect"
import type { SourceFailure } from "../source/AuditSource.js"
import { AuditSource } from "../source/AuditSource.js"
import { type ClientTuning, makeSource, type SourceSettings, workspaceSelector } from "../source/Sources.js"
import { type FindingSettings, recordFindings } from "../analyses/Findings.js"
import { sealRun } from "../history/Integrity.js"
import type { AuditStore, CollectionCoverage, Finalizer, StoredRun } from "../store/AuditStore.js"
import { Database, type StoreError } from "../store/Database.js"
import { takeSnapshot } from "../snapshot/TakeSnapshot.js"

export interface JobOptions {
  readonly limits: ClientTuning
  readonly toolVersion: string
  /** The clock the runs stand on: the wall clock, or the simulator's in the demo. */
  readonly now: () => string
  readonly finalize?: Finalizer
  readonly onCollectionDone?: (workspace: string, coverage: CollectionCoverage) => Effect.Effect<void>
}

export interface JobResult {
  readonly runs: ReadonlyArray<StoredRun>
  /** Targets whose workspaces could not even be listed. */
  readonly failures: ReadonlyArray<SourceFailure>
}

export const runSnapshots = (
  targets: ReadonlyArray<SourceSettings>,
  options: JobOptions
): Effect.Effect<JobResult, StoreError, AuditStore | HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const runs: Array<StoredRun> = []
    const failures: Array<SourceFailure> = []
    for (const target of targets) {
      const source = yield* makeSource(target, options.limits)
      const outcome = yield* takeSnapshot({
        selector: workspaceSelector(target),
        context: { source: target.source, startedAt: options.now(), toolVersion: options.toolVersion, now: options.now },
        ...(options.finalize ? { finalize: options.finalize } : {}),
        ...(options.onCollectionDone ? { onCollectionDone: options.onCollectionDone } : {})
      }).pipe(Effect.provideService(AuditSource, source))
      runs.push(...outcome.runs)
      if (Option.isSome(outcome.failure)) failures.push(outcome.failure.value)
    }
    return { runs, failures }
  })

/**
 * The scheduled job's data part: snapshots with their findings evaluated and their integrity hash sealed inside each
 * run's transaction, so a stored run always has both.
 */
export const runAudit = (
  targets: ReadonlyArray<SourceSettings>,
  options: Omit<JobOptions, "finalize"> & { readonly findings: FindingSettings }
): Effect.Effect<JobResult, StoreError, AuditStore | Database | HttpClient.HttpClient> =>
  Effect.flatMap(Database, (db) =>
    runSnapshots(targets, {
      ...options,
      finalize: (run) => Effect.zipRight(recordFindings(db, run, options.findings), sealRun(db, run.runId))
    }))
