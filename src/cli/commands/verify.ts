/**
 * `ptolemy-audit verify`: recompute every run's hash from the data stored now and check each run's link to the
 * previous run of its workspace. Exit 1 names the first run whose data or link no longer matches.
 */
import { Console, Effect } from "effect"
import { verifyChain } from "../../history/Integrity.js"
import { Database } from "../../store/Database.js"
import { CommandExit, ExitCode, runFailed } from "../ExitCode.js"
import { readableStore } from "./common.js"

export const verify = (input: { readonly db: string }) =>
  Effect.gen(function*() {
    const db = yield* Database
    const result = yield* verifyChain(db)
    if (result.breaches.length === 0) {
      return yield* Console.log(
        `The history is intact: ${result.runs} run${result.runs === 1 ? "" : "s"} in ${result.chains} chain${
          result.chains === 1 ? "" : "s"
        }, every hash recomputed and every link checked.`
      )
    }
    const firsts = [...new Map(result.breaches.map((b) => [b.chain, b])).values()]
    return yield* Effect.fail(
      new CommandExit({
        code: ExitCode.findings,
        message: [
          "The history does not verify.",
          ...firsts.map((b) => `  run ${b.run_id}: ${b.problem}.`),
          ...(result.breaches.length > firsts.length
            ? [`  (${result.breaches.length - firsts.length} later run(s) are affected too.)`]
            : [])
        ].join("\n")
      })
    )
  }).pipe(
    Effect.provide(readableStore(input.db)),
    Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message)))
  )
