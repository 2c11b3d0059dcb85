/**
 * `ptolemy-audit review start`: freeze one complete run of a workspace into a campaign (the last complete run of
 * `--period`, or `--run`, or the latest) and write its review sheet under the reports folder.
 */
import { Console, Effect, Option } from "effect"
import { lastCompleteRun } from "../../read/Review.js"
import { startCampaign } from "../../review/Freeze.js"
import { Database } from "../../store/Database.js"
import { usageError } from "../ExitCode.js"
import { parsePeriod, resolveRun, resolveWorkspace } from "../Resolve.js"
import { writableStore } from "./common.js"
import { now, reviewExit } from "./reviewCommon.js"

export interface ReviewStartInput {
  readonly db: string
  readonly reports: string
  readonly period: Option.Option<string>
  readonly run: Option.Option<string>
  readonly workspace: Option.Option<string>
  readonly reviewers: ReadonlyArray<string>
  readonly due: Option.Option<string>
}

const validDay = (day: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(day) && new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) === day

/** The flags are checked before the database is opened: bad usage changes nothing. */
const checkFlags = (input: ReviewStartInput) =>
  Effect.gen(function*() {
    if (Option.isSome(input.period) && Option.isSome(input.run)) {
      return yield* Effect.fail(usageError("Use either --period or --run, not both."))
    }
    if (Option.isSome(input.due) && !validDay(input.due.value)) {
      return yield* Effect.fail(usageError(`--due "${input.due.value}" is not a date: write it as YYYY-MM-DD.`))
    }
    const reviewers = input.reviewers.map((r) => r.trim())
    const notEmail = reviewers.find((r) => !/^[^@\s]+@[^@\s]+$/.test(r))
    if (notEmail !== undefined) {
      return yield* Effect.fail(usageError(`--reviewer "${notEmail}" is not an email address.`))
    }
    if (Option.isSome(input.period)) yield* parsePeriod(input.period.value)
    return reviewers
  })

export const reviewStart = (input: ReviewStartInput) =>
  Effect.flatMap(checkFlags(input), (reviewers) => start(input, reviewers))

const start = (input: ReviewStartInput, reviewers: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const db = yield* Database
    const workspace = yield* resolveWorkspace(db, input.workspace)
    let runId: number
    if (Option.isSome(input.period)) {
      const period = yield* parsePeriod(input.period.value)
      const run = yield* lastCompleteRun(db, workspace.source, workspace.workspace_id, `${period.end}T23:59:59.999Z`)
      if (run === undefined) {
        return yield* Effect.fail(usageError(`${workspace.label} has no complete run in or before ${period.label}.`))
      }
      runId = run.run_id
    } else if (Option.isSome(input.run)) {
      runId = (yield* resolveRun(db, workspace, input.run.value, "end")).run_id
    } else {
      const run = yield* lastCompleteRun(db, workspace.source, workspace.workspace_id, "9999-12-31T00:00:00Z")
      if (run === undefined) return yield* Effect.fail(usageError(`${workspace.label} has no complete run yet.`))
      runId = run.run_id
    }
    const started = yield* startCampaign(db, {
      runId,
      period: Option.getOrNull(input.period),
      reviewers: [...new Set(reviewers)],
      dueOn: Option.getOrNull(input.due),
      now: yield* now,
      reports: input.reports
    })
    yield* Console.log(
      [
        `Campaign ${started.campaignId}: run ${started.runId} of ${workspace.label} frozen, ${started.items} items (${started.privileged} privileged), population hash ${started.populationHash}.`,
        `  ${started.files.workbook}`,
        `  ${started.files.csv}`,
        `Hand the sheet to the reviewers, then: ptolemy-audit review import FILE --db ${input.db}`
      ].join("\n")
    )
  }).pipe(Effect.provide(writableStore(input.db)), reviewExit)
