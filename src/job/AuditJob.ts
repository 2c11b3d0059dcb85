/**
 * The audit job over every configured target: snapshot each into the store, with its findings evaluated and its
 * integrity hash sealed inside each run's transaction (so a stored run always has both), and say how it went.
 * A plain function over services: the sources are values the caller builds (the CLI from its settings, a test or the
 * bench from anything that implements the port), so every caller runs exactly this.
 */
import { Effect, Option } from "effect"
import { type FindingSettings, recordFindings } from "../analyses/Findings.js"
import { sealRun } from "../history/Integrity.js"
import { type PeopleSettings, setPeopleVariables } from "../roster/PeopleSettings.js"
import type { RosterRead } from "../roster/ReadRoster.js"
import type { AuditSourceService, SourceFailure } from "../source/AuditSource.js"
import type { AuditStore, CollectionCoverage, RunStep, StoredRun } from "../store/AuditStore.js"
import type { StoreError } from "../store/Database.js"
import { takeSnapshot } from "./TakeSnapshot.js"

export interface AuditTarget {
  readonly source: AuditSourceService
  /** A workspace UUID or slug; none = every workspace the source lets the token view. */
  readonly workspace: Option.Option<string>
  /** The people directory read for this target (`--roster`): stored with each of its runs, matched by the rules. */
  readonly roster?: RosterRead | undefined
}

export interface AuditOptions {
  readonly toolVersion: string
  /** The clock the runs stand on: the wall clock, or the simulator's in the demo. */
  readonly now: () => string
  readonly findings: FindingSettings
  /** How members are matched to the people directory (domain aliases, allowed externals, robot owners). */
  readonly people?: PeopleSettings | undefined
  readonly onCollectionDone?: (workspace: string, coverage: CollectionCoverage) => Effect.Effect<void>
  /** Why the job was interrupted (a signal), for the failed run row of the run it interrupts. */
  readonly interruptedBecause?: Effect.Effect<string>
}

export interface JobResult {
  readonly runs: ReadonlyArray<StoredRun>
  /** Targets whose workspaces could not even be listed. */
  readonly failures: ReadonlyArray<SourceFailure>
}

export const runAudit = (
  targets: ReadonlyArray<AuditTarget>,
  options: AuditOptions
): Effect.Effect<JobResult, StoreError, AuditStore> =>
  Effect.gen(function*() {
    const inTransaction: RunStep = (run, db) =>
      setPeopleVariables(db, options.people).pipe(
        Effect.zipRight(recordFindings(db, run, options.findings)),
        Effect.zipRight(sealRun(db, run.runId))
      )
    const runs: Array<StoredRun> = []
    const failures: Array<SourceFailure> = []
    for (const target of targets) {
      const outcome = yield* takeSnapshot({
        source: target.source,
        selector: target.workspace,
        roster: target.roster,
        context: {
          source: target.source.source,
          startedAt: options.now(),
          toolVersion: options.toolVersion,
          now: options.now
        },
        inTransaction,
        ...(options.onCollectionDone ? { onCollectionDone: options.onCollectionDone } : {}),
        ...(options.interruptedBecause ? { interruptedBecause: options.interruptedBecause } : {})
      })
      runs.push(...outcome.runs)
      if (Option.isSome(outcome.failure)) failures.push(outcome.failure.value)
    }
    return { runs, failures }
  }).pipe(Effect.withSpan("AuditJob.run"))
