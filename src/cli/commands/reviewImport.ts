/**
 * `ptolemy-audit review import FILE`: record a filled-in sheet's decisions. Exit 0 when every row was taken (or the
 * file was imported before), 1 when some rows were rejected (each named; the others are recorded), 2 when the file
 * belongs to no campaign or its whole population was altered (nothing recorded).
 */
import { Console, Effect, Option } from "effect"
import { readReviewFile, type ReviewFileContent } from "../../review/ReadReviewFile.js"
import { recordDecisions } from "../../review/RecordDecisions.js"
import { Database } from "../../store/Database.js"
import { CommandExit, ExitCode } from "../ExitCode.js"
import { writableStore } from "./common.js"
import { now, reviewExit } from "./reviewCommon.js"

export interface ReviewImportInput {
  readonly file: string
  readonly db: string
  readonly campaign: Option.Option<string>
  readonly reviewer: Option.Option<string>
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

export const reviewImport = (input: ReviewImportInput) =>
  // The file is read before the database is opened: a file that cannot be read changes nothing.
  Effect.flatMap(reviewExit(readReviewFile(input.file)), (content) => record(input, content))

const record = (input: ReviewImportInput, content: ReviewFileContent) =>
  Effect.gen(function*() {
    const db = yield* Database
    const result = yield* recordDecisions(db, content, {
      campaignId: Option.getOrNull(input.campaign),
      reviewer: Option.getOrNull(input.reviewer),
      now: yield* now
    })
    if (result.alreadyImported !== null) {
      return yield* Console.log(
        `${result.fileName} (sha256 ${result.sha256}) was already imported into campaign ${result.campaignId} (ledger entry ${result.alreadyImported.entryId}, ${result.alreadyImported.recordedAt}): nothing new recorded.`
      )
    }
    yield* Console.log(
      `Campaign ${result.campaignId}: ${
        plural(result.recorded, "decision")
      } recorded from ${result.fileName} (${result.format}, sha256 ${result.sha256})${
        result.entryId === null ? "" : ` as ledger entry ${result.entryId}`
      }; ${result.unchanged} already recorded as they are, ${plural(result.undecided, "row")} left undecided, ${
        plural(result.selfReviews, "self-review")
      }.`
    )
    if (result.rejected.length > 0) {
      return yield* Effect.fail(
        new CommandExit({
          code: ExitCode.findings,
          message: [
            `${plural(result.rejected.length, "row")} rejected (not recorded; correct them and import the file again):`,
            ...result.rejected.slice(0, 200).map((r) => `  ${r.message}`),
            ...(result.rejected.length > 200 ? [`  … and ${result.rejected.length - 200} more`] : [])
          ].join("\n")
        })
      )
    }
  }).pipe(Effect.provide(writableStore(input.db)), reviewExit)
