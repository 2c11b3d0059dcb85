/**
 * `ptolemy-audit export --to DIR` and `import --from DIR`: the whole history as Parquet files, one folder per run,
 * for durable storage between scheduled runs (a fresh runner imports, runs, exports the new run) and for other engines.
 */
import { FileSystem } from "@effect/platform"
import { Console, Effect } from "effect"
import { exportHistory, importHistory } from "../../history/Parquet.js"
import { allViews } from "../../job/Views.js"
import { Database } from "../../store/Database.js"
import { storeLayer } from "../../store/StoreLayer.js"
import { runFailed, usageError } from "../ExitCode.js"
import { compactQuietly, writableStore } from "./common.js"

const plural = (n: number, word: string) =>
  `${n} ${n === 1 ? word : word.endsWith("y") ? `${word.slice(0, -1)}ies` : `${word}s`}`

export const exportRuns = (input: { readonly db: string; readonly to: string }) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(input.db).pipe(Effect.orElseSucceed(() => false)))) {
      return yield* Effect.fail(usageError(`No audit database at ${input.db}: nothing to export.`))
    }
    const result = yield* Effect.flatMap(Database, (db) => exportHistory(db, input.to)).pipe(
      Effect.provide(storeLayer({ path: input.db, readOnly: true, views: allViews })),
      Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message)))
    )
    const entries = result.entries.length === 0 ? "" : ` and ${plural(result.entries.length, "ledger entry")}`
    yield* Console.log(
      result.written.length === 0 && result.entries.length === 0
        ? `${input.to} is up to date (${plural(result.skipped, "run")} already exported).`
        : `Exported ${plural(result.written.length, "run")}${
          result.written.length === 0 ? "" : ` (${result.written[0]}…${result.written[result.written.length - 1]})`
        }${entries} to ${input.to}; ${result.skipped} run${result.skipped === 1 ? " was" : "s were"} already there.`
    )
  })

export const importRuns = (input: { readonly db: string; readonly from: string }) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(input.from).pipe(Effect.orElseSucceed(() => false)))) {
      return yield* Effect.fail(usageError(`${input.from} does not exist: nothing to import.`))
    }
    const result = yield* Effect.flatMap(Database, (db) => importHistory(db, input.from)).pipe(
      Effect.provide(writableStore(input.db)),
      Effect.ensuring(compactQuietly(input.db)),
      Effect.catchTag("StoreError", (error) =>
        Effect.fail(
          error.reason === "Integrity" || error.reason === "Open" ? usageError(error.message) : runFailed(error.message)
        ))
    )
    const entries = result.entries.length === 0 ? "" : ` and ${plural(result.entries.length, "ledger entry")}`
    yield* Console.log(
      result.imported.length === 0 && result.entries.length === 0
        ? `${input.db} already has every run in ${input.from} (${result.skipped}).`
        : `Imported ${plural(result.imported.length, "run")}${entries} into ${input.db}; ${result.skipped} run${
          result.skipped === 1 ? " was" : "s were"
        } already there.`
    )
  })
