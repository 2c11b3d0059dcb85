/**
 * `ptolemy-audit report`: rebuild the reports from stored data alone (no API calls), for one run or for a review
 * window: `--since RUN|DATE` up to `--run`, or a whole `--period` such as 2026-Q3 (the state at both ends, every
 * change during it, and the findings at its end). Dates resolve as `diff` resolves them (`resolveWindow`).
 */
import { Console, Effect, Option } from "effect"
import { join } from "node:path"
import { type ReportScope, writeReports } from "../../reports/Reports.js"
import { Database } from "../../store/Database.js"
import { runFailed, usageError } from "../ExitCode.js"
import { printable } from "../Output.js"
import { parsePeriod, resolveRun, resolveWindow, resolveWorkspace } from "../Resolve.js"
import { readableStore, removalTargetOf, workspaceFolder } from "./common.js"

export interface ReportInput {
  readonly db: string
  readonly reports: string
  readonly run: string
  readonly since: Option.Option<string>
  readonly period: Option.Option<string>
  readonly workspace: Option.Option<string>
  readonly config: Option.Option<string>
}

export const report = (input: ReportInput) =>
  Effect.gen(function*() {
    if (Option.isSome(input.period) && Option.isSome(input.since)) {
      return yield* Effect.fail(usageError("Use either --period or --since, not both."))
    }
    const db = yield* Database
    const workspace = yield* resolveWorkspace(db, input.workspace)
    let scope: ReportScope
    let folder: string
    if (Option.isSome(input.period)) {
      const period = yield* parsePeriod(input.period.value)
      const window = yield* resolveWindow(db, workspace, period.start, period.end)
      scope = {
        kind: "window",
        fromRunId: window.from.run_id,
        toRunId: window.to.run_id,
        label: period.label,
        dates: { start: period.start, end: period.end },
        startsLate: window.startsLate
      }
      folder = period.label
    } else if (Option.isSome(input.since)) {
      const window = yield* resolveWindow(db, workspace, input.since.value, input.run)
      const { from, to } = window
      scope = {
        kind: "window",
        fromRunId: from.run_id,
        toRunId: to.run_id,
        label: `runs ${from.run_id} to ${to.run_id}`,
        startsLate: window.startsLate
      }
      folder = `since-run-${from.run_id}-to-run-${to.run_id}`
    } else {
      const run = yield* resolveRun(db, workspace, input.run, "end")
      scope = { kind: "run", runId: run.run_id }
      folder = `run-${run.run_id}`
    }
    if (scope.kind === "window" && scope.startsLate === true) {
      yield* Effect.logWarning(
        `The history of ${
          printable(workspace.label)
        } starts after the window does: the reports count from its first run, ${scope.fromRunId}, and say so.`
      )
    }
    const removalTargetDays = yield* removalTargetOf(input.config)
    const files = yield* writeReports(
      scope,
      join(input.reports, workspaceFolder({ slug: null, name: workspace.label, id: workspace.workspace_id }), folder),
      { removalTargetDays }
    )
    yield* Console.log([files.markdown, files.workbook, files.json].join("\n"))
  }).pipe(
    Effect.provide(readableStore(input.db)),
    Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message))),
    Effect.catchTag("ReportError", (error) => Effect.fail(runFailed(error.message)))
  )
