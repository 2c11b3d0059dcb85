/**
 * `ptolemy-audit run` and `ptolemy-audit snapshot`: snapshot every configured workspace (changes and findings are
 * computed as each run is stored); `run` also writes the reports and gates on findings.
 */
import { join } from "node:path"
import { Console, Effect, Option } from "effect"
import { gatingFindings } from "../../read/Findings.js"
import type { Severity } from "../../analyses/Severity.js"
import { runAudit } from "../../job/AuditJob.js"
import { makeSource } from "../../source/Sources.js"
import { writeReports } from "../../reports/Reports.js"
import { Database } from "../../store/Database.js"
import { toolVersion } from "../../Version.js"
import { annotation, isGitHubActions } from "../Annotations.js"
import {
  type ConfigFile,
  findingSettingsFrom,
  loadConfigFile,
  peopleSettingsFrom,
  rosterFiles,
  targetsFromConfig
} from "../ConfigFile.js"
import { runFailed, usageError } from "../ExitCode.js"
import { readRosterFiles } from "../RosterFile.js"
import { targetFromFlags, type TargetFlags } from "../Settings.js"
import { compactQuietly, findingsExit, jobExit, logCollection, printRuns, workspaceFolder, writableStore } from "./common.js"

export interface AuditInput extends TargetFlags {
  readonly config: Option.Option<string>
  /** The people-directory export (`--roster`); with a config file, for every target. */
  readonly roster: Option.Option<string>
  readonly db: string
  /** Where `run` writes its reports (`snapshot` writes none). */
  readonly reports?: string
  readonly requireComplete: boolean
  readonly concurrency: number
  readonly requestTimeout: number
  readonly failOn: Option.Option<Severity | "none">
  readonly newOnly: boolean
}

export const runOrSnapshot = (input: AuditInput, mode: "run" | "snapshot") =>
  Effect.gen(function*() {
    // Everything is read and checked before the database is opened: bad usage writes nothing.
    if (input.concurrency < 1 || input.concurrency > 100) {
      return yield* Effect.fail(usageError(`--concurrency must be from 1 to 100 (got ${input.concurrency}).`))
    }
    if (input.requestTimeout < 1) {
      return yield* Effect.fail(usageError(`--request-timeout must be at least 1 second (got ${input.requestTimeout}).`))
    }
    const config = yield* Option.match(input.config, {
      onNone: () => Effect.succeed(Option.none<ConfigFile>()),
      onSome: (path) => Effect.map(loadConfigFile(path), Option.some)
    })
    const targets = yield* Option.match(config, {
      onNone: () => Effect.map(targetFromFlags(input), (target) => [target]),
      onSome: (c) => targetsFromConfig(c, Option.getOrThrow(input.config), process.env)
    })
    const failOn = Option.getOrElse(
      Option.orElse(input.failOn, () => Option.flatMapNullable(config, (c) => c.fail_on)),
      () => "none" as const
    )
    const newOnly = input.newOnly || Option.exists(config, (c) => c.fail_on_new_only === true)
    const requireComplete = input.requireComplete || Option.exists(config, (c) => c.require_complete === true)
    const tuning = { concurrency: input.concurrency, requestTimeout: `${input.requestTimeout} seconds` } as const
    const rosters = yield* readRosterFiles(rosterFiles(config, input.config, input.roster))
    const sources = yield* Effect.forEach(targets, (target, i) =>
      Effect.map(makeSource(target, tuning), (source) => ({ source, workspace: target.workspace, roster: rosters[i] })))
    yield* Effect.gen(function*() {
      const result = yield* runAudit(sources, {
        toolVersion,
        now: () => new Date().toISOString(),
        onCollectionDone: logCollection,
        findings: findingSettingsFrom(config),
        people: peopleSettingsFrom(config)
      })
      yield* printRuns(result.runs)
      if (mode === "run" && input.reports !== undefined) {
        const reportsDir = input.reports
        for (const run of result.runs.filter((r) => r.status !== "failed" && r.workspace !== null)) {
          const files = yield* writeReports(
            { kind: "run", runId: run.runId },
            join(reportsDir, workspaceFolder(run.workspace!), `run-${run.runId}`),
            { stepSummary: process.env["GITHUB_STEP_SUMMARY"] || undefined }
          )
          yield* Console.log(`reports: ${files.markdown}, ${files.workbook}, ${files.json}`)
        }
      }
      if (mode === "run" && isGitHubActions(process.env)) {
        // Every new finding becomes an annotation on the workflow run (suppressed ones excepted).
        const db = yield* Database
        const fresh = yield* gatingFindings(db, result.runs.map((r) => r.runId), "info", true)
        const names = new Map(result.runs.map((r) => [r.workspace?.id, r.workspace?.slug ?? r.workspace?.name ?? ""]))
        yield* Effect.forEach(fresh, (f) => Console.log(annotation(f, names.get(f.workspace_id) ?? f.workspace_id)))
      }
      yield* jobExit(result, { requireComplete })
      if (mode === "run" && failOn !== "none") {
        const db = yield* Database
        const hits = yield* gatingFindings(db, result.runs.map((r) => r.runId), failOn, newOnly)
        yield* findingsExit(hits, failOn, newOnly)
      }
    }).pipe(
      Effect.provide(writableStore(input.db)),
      // Once the database is closed: keep the file as small as its data (a no-op most days).
      Effect.ensuring(compactQuietly(input.db)),
      Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message))),
      Effect.catchTag("ReportError", (error) => Effect.fail(runFailed(`The run was stored, but its reports could not be written: ${error.message}`)))
    )
  })
