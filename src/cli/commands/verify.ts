/**
 * `ptolemy-audit verify`: recompute every run's hash from the data stored now and check each run's link to the
 * previous run of its workspace, and the same for the ledger (review campaigns, decisions, sign-offs, remediation).
 * Exit 1 names the first run or entry whose data or link no longer matches. With `--evidence DIR|ZIP`, an evidence
 * pack is checked instead (./verifyEvidence.ts, loaded only then).
 */
import { Console, Effect, Option } from "effect"
import { verifyChain } from "../../history/Integrity.js"
import { verifyLedger } from "../../history/Ledger.js"
import { Database } from "../../store/Database.js"
import { CommandExit, ExitCode, runFailed } from "../ExitCode.js"
import { readableStore } from "./common.js"

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/** The first breach of each chain, then how many later ones there are. */
const firstOfEachChain = <B extends { readonly chain: string }>(breaches: ReadonlyArray<B>) => {
  const firsts = [...new Map(breaches.map((b) => [b.chain, b])).values()]
  return { firsts, later: breaches.length - firsts.length }
}

/** Where no --db is given (nor PTOLEMY_AUDIT_DB), the history is checked in ./audit.duckdb. */
export const DEFAULT_DB = "./audit.duckdb"

export const verify = (input: { readonly db: Option.Option<string>; readonly evidence: Option.Option<string> }) =>
  Option.match(input.evidence, {
    onSome: (evidence) =>
      Effect.flatMap(
        Effect.promise(() => import("./verifyEvidence.js")),
        (m) => m.verifyEvidence({ evidence, db: input.db })
      ),
    onNone: () => verifyHistory(Option.getOrElse(input.db, () => DEFAULT_DB))
  })

const verifyHistory = (dbPath: string) =>
  Effect.gen(function*() {
    const db = yield* Database
    const runs = yield* verifyChain(db)
    const ledger = yield* verifyLedger(db)
    if (runs.breaches.length === 0 && ledger.breaches.length === 0) {
      return yield* Console.log(
        `The history is intact: ${plural(runs.runs, "run")} in ${plural(runs.chains, "chain")}${
          ledger.entries > 0 ? ` and ${plural(ledger.entries, "ledger entry").replace(/entrys$/, "entries")}` : ""
        }, every hash recomputed and every link checked.`
      )
    }
    const runBreaches = firstOfEachChain(runs.breaches)
    const entryBreaches = firstOfEachChain(ledger.breaches)
    return yield* Effect.fail(
      new CommandExit({
        code: ExitCode.findings,
        message: [
          "The history does not verify.",
          ...runBreaches.firsts.map((b) => `  run ${b.run_id}: ${b.problem}.`),
          ...entryBreaches.firsts.map((b) =>
            `  ledger entry ${b.entry_id} (${b.kind}${
              b.subject_id === null ? "" : ` of ${b.subject_id}`
            }): ${b.problem}.`
          ),
          ...(runBreaches.later + entryBreaches.later > 0
            ? [`  (${runBreaches.later + entryBreaches.later} later run(s) or entries are affected too.)`]
            : [])
        ].join("\n")
      })
    )
  }).pipe(
    Effect.provide(readableStore(dbPath)),
    Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message)))
  )
