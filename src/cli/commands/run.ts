/**
 * `ptolemy-audit run` and `ptolemy-audit snapshot`: snapshot every configured workspace (changes and findings are
 * computed as each run is stored); `run` also writes the reports and gates on findings.
 *
 * The writer's lock is held while the job runs (and compacts the file); the database itself only while a run reads
 * the history or commits, so readers are served meanwhile. Reports are written afterwards, from a read-only open and
 * outside the lock: a reports disk that fails or hangs never locks anyone out.
 */
import { FileSystem, Path } from "@effect/platform"
import { Config, Console, Effect, Option } from "effect"
import type { Severity } from "../../analyses/Severity.js"
import { type JobResult, runAudit } from "../../job/AuditJob.js"
import { gatingFindings } from "../../read/Findings.js"
import { type ReportError, writeReports } from "../../reports/Reports.js"
import { makeSource, workspaceSelector } from "../../source/Sources.js"
import type { StoredRun } from "../../store/AuditStore.js"
import { crashPoint } from "../../store/CrashPoints.js"
import { Database } from "../../store/Database.js"
import { toolVersion } from "../../Version.js"
import { annotation } from "../Annotations.js"
import {
  type ConfigFile,
  findingSettingsFrom,
  loadConfigFile,
  peopleSettingsFrom,
  rosterFiles,
  targetsFromConfig
} from "../ConfigFile.js"
import { CommandExit, ExitCode, runFailed } from "../ExitCode.js"
import { readRosterFiles } from "../RosterFile.js"
import { type TargetFlags, targetFromFlags } from "../Settings.js"
import { cancellation } from "../Signals.js"
import {
  compactQuietly,
  completenessExit,
  findingsExit,
  jobFailure,
  logCollection,
  printRuns,
  readableStore,
  runStore,
  workspaceFolder
} from "./common.js"

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

/** The token variables a config file names, read from the environment. */
const tokenVariables = (config: ConfigFile) =>
  Effect.map(
    Effect.forEach(config.targets, (target) =>
      Effect.map(Config.option(Config.string(target.token_env)), (value) =>
        [target.token_env, Option.getOrUndefined(value)] as const)),
    (entries) =>
      Object.fromEntries(entries)
  )

const stepSummary = Config.option(Config.nonEmptyString("GITHUB_STEP_SUMMARY")).pipe(
  Effect.orElseSucceed(() => Option.none<string>())
)
const inGitHubActions = Config.string("GITHUB_ACTIONS").pipe(
  Config.withDefault(""),
  Effect.map((value) => value === "true"),
  Effect.orElseSucceed(() => false)
)

const reportFolderOf = (reportsDir: string, run: StoredRun) =>
  Effect.map(Path.Path, (path) => path.join(reportsDir, workspaceFolder(run.workspace!), `run-${run.runId}`))

/** Removes the files a cancelled report left half-written (`*.partial`); returns their names. */
const removePartials = (folder: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const names = yield* fs.readDirectory(folder).pipe(Effect.orElseSucceed(() => [] as Array<string>))
    const partial = names.filter((name) => name.endsWith(".partial"))
    yield* Effect.forEach(partial, (name) => Effect.ignore(fs.remove(path.join(folder, name))), { discard: true })
    return partial
  })

const reportsNotWritten = (run: StoredRun, error: ReportError) =>
  new CommandExit({
    code: ExitCode.reportsNotWritten,
    message:
      `Run ${run.runId} was stored, but its reports could not be written: ${error.message.replace(/\.?\s*$/, ".")} ` +
      `Once the reports folder can be written, rebuild them with \`ptolemy-audit report --run ${run.runId}\`.`
  })

/** Writes each stored run's reports; the first that fails ends the command (exit 5: the runs are stored). */
const writeRunReports = (runs: ReadonlyArray<StoredRun>, reportsDir: string) =>
  Effect.forEach(runs.filter((r) => r.status !== "failed" && r.workspace !== null), (run) =>
    Effect.gen(function*() {
      const folder = yield* reportFolderOf(reportsDir, run)
      yield* Effect.gen(function*() {
        yield* crashPoint("reporting")
        const files = yield* writeReports(
          { kind: "run", runId: run.runId },
          folder,
          { stepSummary: Option.getOrUndefined(yield* stepSummary) }
        ).pipe(Effect.mapError((error) => reportsNotWritten(run, error)))
        yield* Console.log(`reports: ${files.markdown}, ${files.workbook}, ${files.json}`)
      }).pipe(
        Effect.onInterrupt(() =>
          Effect.gen(function*() {
            const why = yield* cancellation
            const removed = yield* removePartials(folder)
            yield* Console.error(
              `error: ${why} while writing the reports of run ${run.runId}: the run is stored, its reports are not${
                removed.length > 0 ? ` (removed the unfinished ${removed.join(", ")} in ${folder})` : ""
              }. Rebuild them with \`ptolemy-audit report --run ${run.runId}\`.`
            )
          })
        )
      )
    }), { discard: true })

export const runOrSnapshot = (input: AuditInput, mode: "run" | "snapshot") =>
  Effect.gen(function*() {
    // Everything is read and checked before the database is opened: bad usage writes nothing (flag ranges are
    // checked by the parser, Options.ts).
    const config = yield* Option.match(input.config, {
      onNone: () => Effect.succeed(Option.none<ConfigFile>()),
      onSome: (path) => Effect.map(loadConfigFile(path), Option.some)
    })
    const targets = yield* Option.match(config, {
      onNone: () => Effect.map(targetFromFlags(input), (target) => [target]),
      onSome: (c) =>
        Effect.flatMap(tokenVariables(c), (env) => targetsFromConfig(c, Option.getOrThrow(input.config), env))
    })
    const failOn = Option.getOrElse(
      Option.orElse(input.failOn, () => Option.flatMapNullable(config, (c) => c.fail_on)),
      () => "none" as const
    )
    const newOnly = input.newOnly || Option.exists(config, (c) => c.fail_on_new_only === true)
    const requireComplete = input.requireComplete || Option.exists(config, (c) => c.require_complete === true)
    const tuning = { concurrency: input.concurrency, requestTimeout: `${input.requestTimeout} seconds` } as const
    const rosters = yield* readRosterFiles(yield* rosterFiles(config, input.config, input.roster))
    const sources = yield* Effect.forEach(targets, (target, i) =>
      Effect.map(
        makeSource(target, tuning),
        (source) => ({ source, workspace: workspaceSelector(target), roster: rosters[i] })
      ))

    const result: JobResult = yield* runAudit(sources, {
      toolVersion,
      now: () => new Date().toISOString(),
      onCollectionDone: logCollection,
      findings: findingSettingsFrom(config),
      people: peopleSettingsFrom(config),
      interruptedBecause: cancellation
    }).pipe(
      // Still under the writer's lock: keep the file as small as its data (a no-op most days).
      Effect.tap(() => compactQuietly(input.db)),
      Effect.onInterrupt(() =>
        Effect.flatMap(cancellation, (why) =>
          Console.error(
            `error: ${why} while the run was being read: nothing of it was stored, and the runs table records it as ` +
              `failed (${why}). Runs stored before it are kept.`
          ))
      ),
      Effect.provide(runStore(input.db)),
      Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message)))
    )
    yield* printRuns(result.runs)
    const stored = result.runs.filter((r) => r.status !== "failed")
    if (mode === "snapshot") {
      // No reports and no gate: nothing more to read from the database.
      yield* jobFailure(result)
      return yield* completenessExit(result, { requireComplete })
    }
    if (stored.length > 0) {
      yield* Effect.gen(function*() {
        const reports = input.reports === undefined
          ? undefined
          : yield* Effect.either(writeRunReports(result.runs, input.reports))
        if (yield* inGitHubActions) {
          // Every new finding becomes an annotation on the workflow run (suppressed ones excepted).
          const db = yield* Database
          const fresh = yield* gatingFindings(db, result.runs.map((r) => r.runId), "info", true)
          const names = new Map(result.runs.map((r) => [r.workspace?.id, r.workspace?.slug ?? r.workspace?.name ?? ""]))
          yield* Effect.forEach(fresh, (f) => Console.log(annotation(f, names.get(f.workspace_id) ?? f.workspace_id)))
        }
        // 2 and 3 win over everything; then reports not written (5), incomplete (4), findings (1).
        yield* jobFailure(result)
        if (reports?._tag === "Left") return yield* Effect.fail(reports.left)
        yield* completenessExit(result, { requireComplete })
        if (failOn !== "none") {
          const db = yield* Database
          const hits = yield* gatingFindings(db, result.runs.map((r) => r.runId), failOn, newOnly)
          yield* findingsExit(hits, failOn, newOnly)
        }
      }).pipe(
        Effect.provide(readableStore(input.db)),
        Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message)))
      )
    }
    yield* jobFailure(result)
  })
