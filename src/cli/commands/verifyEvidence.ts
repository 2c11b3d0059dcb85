/**
 * `ptolemy-audit verify --evidence DIR|ZIP [--db FILE]`: an evidence pack re-hashed against its manifest and, with
 * a database, its runs and chain head checked against the history. Exit 1 names the first file or run that differs
 * (then how many more); exit 2 when the pack cannot be read as one or the database named does not exist.
 */
import { Console, Effect, Option } from "effect"
import { checkFiles, checkHistory, type Difference, openPack } from "../../evidence/VerifyPack.js"
import { Database } from "../../store/Database.js"
import { CommandExit, ExitCode, runFailed, usageError } from "../ExitCode.js"
import { printable } from "../Output.js"
import { readableStore } from "./common.js"

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/** `  file 03-population.csv: …` or `  run 12: …` (a run's name already says "run"). */
const line = (d: Difference) => `  ${d.kind === "file" ? "file " : ""}${printable(d.name)}: ${d.problem}.`

export const verifyEvidence = (input: { readonly evidence: string; readonly db: Option.Option<string> }) =>
  Effect.gen(function*() {
    const pack = yield* openPack(input.evidence).pipe(
      Effect.catchTag("PackUnreadable", (e) => Effect.fail(usageError(e.message)))
    )
    const m = pack.manifest
    const files = yield* checkFiles(pack)
    const history: ReadonlyArray<Difference> | null = Option.isNone(input.db)
      ? null
      : yield* Effect.flatMap(Database, (db) => checkHistory(db, m)).pipe(
        Effect.provide(readableStore(input.db.value)),
        Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message)))
      )
    const differences = [...files, ...(history ?? [])]
    const what = `${printable(m.workspace.name ?? m.workspace.slug ?? m.workspace.id)}, ${printable(m.period.label)}`
    if (differences.length > 0) {
      const [first, ...rest] = differences
      return yield* Effect.fail(
        new CommandExit({
          code: ExitCode.findings,
          message: [
            `The evidence pack (${what}) does not verify.`,
            line(first!),
            ...rest.slice(0, 20).map(line),
            ...(rest.length > 20 ? [`  (${rest.length - 20} more.)`] : [])
          ].join("\n")
        })
      )
    }
    yield* Console.log(
      [
        `The evidence pack verifies (${what}): ${plural(m.files.length, "file")} re-hashed against its manifest${
          history === null
            ? ""
            : `; ${plural(m.runs.length, "run")} and the chain head (run ${m.chain_head.run_id}) match the history in ${
              input.db.pipe(Option.getOrElse(() => ""))
            }`
        }.`,
        ...(history === null ? ["The runs were not checked against a history: pass --db FILE to check them."] : []),
        ...(pack.unlisted.length > 0
          ? [`Not part of the pack (not in its manifest): ${pack.unlisted.map((n) => printable(n)).join(", ")}.`]
          : [])
      ].join("\n")
    )
  })
