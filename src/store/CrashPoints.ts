/**
 * Named moments at which the crash-safety tests stop the process, to prove that a run stopped there leaves a
 * database that opens with every earlier run intact and no partial run. Inert unless PTOLEMY_AUDIT_CRASH_AT names the
 * moment; never set it outside those tests. The process kills itself with SIGKILL (no cleanup at all), or sends
 * itself PTOLEMY_AUDIT_CRASH_SIGNAL (SIGINT, SIGTERM) to test cancellation at that moment.
 */
import { Config, Effect, Option } from "effect"

export type CrashPoint =
  | "fetching" // the first page of the run is staged
  | "staged" // every page is staged, before the run's transaction
  | "merging" // inside the run's transaction, after its first collection was merged
  | "committed" // the run's transaction committed
  | "reporting" // the run's reports are being written
  | "remediation-sent" // remediate apply: a write was answered, its outcome not yet recorded
  | "remediation-recorded" // remediate apply: a write's outcome was committed

const signals = ["SIGKILL", "SIGINT", "SIGTERM"] as const

const crashAt = Config.option(Config.string("PTOLEMY_AUDIT_CRASH_AT"))
const crashSignal = Config.literal(...signals)("PTOLEMY_AUDIT_CRASH_SIGNAL").pipe(
  Config.withDefault("SIGKILL" as const)
)

export const crashPoint = (point: CrashPoint): Effect.Effect<void> =>
  Effect.gen(function*() {
    if (!Option.contains(yield* crashAt, point)) return
    const signal = yield* crashSignal
    yield* Effect.sync(() => process.kill(process.pid, signal))
  }).pipe(Effect.orElse(() => Effect.void))
