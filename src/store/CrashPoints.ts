/**
 * Named moments at which the crash-safety tests kill the process (SIGKILL, no cleanup), to prove that a run killed
 * there leaves a database that opens with every earlier run intact and no partial run. Inert unless the variable
 * PTOLEMY_AUDIT_CRASH_AT names the moment; never set it outside those tests.
 */
import { Effect } from "effect"

export type CrashPoint =
  | "fetching" // the first page of the run is staged
  | "staged" // every page is staged, before the run's transaction
  | "merging" // inside the run's transaction, after its first collection was merged
  | "committed" // the run's transaction committed

export const crashPoint = (point: CrashPoint): Effect.Effect<void> =>
  Effect.sync(() => {
    if (process.env["PTOLEMY_AUDIT_CRASH_AT"] === point) process.kill(process.pid, "SIGKILL")
  })
