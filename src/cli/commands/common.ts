/**
 * What the writing commands share: opening the store for a run, progress lines, the summary of stored runs on
 * stdout, and the exit code they add up to.
 */
import { FileSystem, type Path } from "@effect/platform"
import { Config, Console, Effect, Layer, Option } from "effect"
import { defaultThresholds } from "../../analyses/Findings.js"
import type { Severity } from "../../analyses/Severity.js"
import type { JobResult } from "../../job/AuditJob.js"
import { allViews } from "../../job/Views.js"
import type { GateFinding } from "../../read/Findings.js"
import type { AuditStore, CollectionCoverage, StoredRun } from "../../store/AuditStore.js"
import { compactIfGrown } from "../../store/Compact.js"
import type { Database, StoreError } from "../../store/Database.js"
import { runStoreLayer, storeLayer, writerLockLayer } from "../../store/StoreLayer.js"
import { CommandExit, ExitCode, runFailed, usageError } from "../ExitCode.js"
import { printable } from "../Output.js"

export const logCollection = (workspace: string, coverage: CollectionCoverage) =>
  coverage.status === "complete"
    ? Effect.logDebug(`${coverage.collection}: ${coverage.rows} read`)
    : coverage.status === "not_applicable"
    ? Effect.void
    : Effect.logWarning(`${coverage.collection} is a coverage gap (${coverage.status}): ${coverage.detail ?? ""}`).pipe(
      Effect.annotateLogs({ workspace })
    )

const gaps = (run: StoredRun) =>
  run.coverage.filter((c) => c.status === "forbidden" || c.status === "failed").map((c) =>
    `${c.collection} ${c.status}`
  )

export const describeRun = (run: StoredRun): string => {
  const workspace = run.workspace?.slug ?? run.workspace?.name ?? run.workspace?.id ?? "(workspace unknown)"
  const head = `run ${run.runId} ${workspace}: ${run.status}`
  if (run.status === "failed") return `${head}: ${run.error ?? ""}`
  const counts = run.coverage
    .filter((c) => c.status === "complete" && c.collection !== "workspace")
    .map((c) => `${c.collection} ${c.rows}`)
    .join(", ")
  const gap = gaps(run)
  return `${head} (${counts}${gap.length > 0 ? `; gaps: ${gap.join(", ")}` : ""}; ${run.usage.calls} API calls${
    run.usage.rateLimitRemaining === null ? "" : `, ${run.usage.rateLimitRemaining} left this period`
  })`
}

/** Bad usage (an unknown workspace) or a failed run: exit 2 or 3, which win over every other outcome. */
export const jobFailure = (result: JobResult): Effect.Effect<void, CommandExit> => {
  const notFound = result.failures.find((f) => f.reason === "NotFound")
  if (notFound) return Effect.fail(usageError(notFound.message))
  const failed = result.runs.filter((r) => r.status === "failed")
  if (failed.length > 0 || result.failures.length > 0) {
    const messages = [...result.failures.map((f) => f.message), ...failed.map((r) => r.error ?? "")]
    return Effect.fail(runFailed(`The run failed; nothing of it was stored. ${[...new Set(messages)].join(" ")}`))
  }
  return Effect.void
}

/** A run stored incomplete fails the command (exit 4) when --require-complete was given. */
export const completenessExit = (
  result: JobResult,
  options: { readonly requireComplete: boolean }
): Effect.Effect<void, CommandExit> => {
  const incomplete = result.runs.filter((r) => r.status === "incomplete")
  if (options.requireComplete && incomplete.length > 0) {
    return Effect.fail(
      new CommandExit({
        code: ExitCode.incomplete,
        message: `The run was stored but is incomplete (${
          incomplete.flatMap(gaps).join(", ")
        }), and --require-complete was given.`
      })
    )
  }
  return Effect.void
}

export const printRuns = (runs: ReadonlyArray<StoredRun>) =>
  Effect.forEach(runs, (run) => Console.log(describeRun(run)))

/**
 * The store opened for writing for the whole command (import, review), with the analyses' views installed, under the
 * one-writer lock.
 */
export const writableStore = (path: string) =>
  Layer.provide(storeLayer({ path, views: allViews }), writerLockLayer(path))

/**
 * The store of a run: the writer's lock for the whole run, the database file only while the run reads or commits.
 * `PTOLEMY_AUDIT_MEMORY_LIMIT` (DuckDB's syntax, e.g. `512MB`) caps the memory DuckDB may keep, for a runner with
 * little to spare (docs/performance.md); without it, DuckDB's own default.
 */
export const runStore = (path: string) =>
  Layer.unwrapEffect(
    Effect.map(
      Effect.orDie(Config.option(Config.nonEmptyString("PTOLEMY_AUDIT_MEMORY_LIMIT"))),
      (memoryLimit) =>
        runStoreLayer(path, {
          views: allViews,
          ...Option.match(memoryLimit, { onNone: () => ({}), onSome: (m) => ({ memoryLimit: m }) })
        })
    )
  )

/**
 * The time-to-removal target of a config file (`thresholds.removal_target_days`), or the default without one. The
 * config module (and the source settings it brings, with their HTTP client) is loaded only when a file is given.
 */
export const removalTargetOf = (config: Option.Option<string>) =>
  Option.match(config, {
    onNone: () => Effect.succeed(defaultThresholds.removal_target_days),
    onSome: (path) =>
      Effect.flatMap(
        Effect.promise(() => import("../ConfigFile.js")),
        (file) =>
          Effect.map(
            file.loadConfigFile(path),
            (loaded) => file.findingSettingsFrom(Option.some(loaded)).thresholds.removal_target_days
          )
      )
  })

/** An audit database the command needs must exist (exit 2 otherwise: nothing to read). */
export const requireDatabase = (path: string): Effect.Effect<void, CommandExit, FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.exists(path)).pipe(
    Effect.orElseSucceed(() => false),
    Effect.flatMap((exists) =>
      exists
        ? Effect.void
        : Effect.fail(usageError(`No audit database at ${path}: run \`ptolemy-audit run\` first, or pass --db.`))
    )
  )

/** The store opened read-only, for commands that only read (it waits briefly while a run commits). */
export const readableStore = (
  path: string
): Layer.Layer<Database | AuditStore, StoreError | CommandExit, FileSystem.FileSystem | Path.Path> =>
  Layer.unwrapEffect(Effect.as(requireDatabase(path), storeLayer({ path, readOnly: true, views: allViews })))

/** Findings at or above --fail-on end the command with exit code 1, printed as a list (and annotations in CI). */
export const findingsExit = (
  findings: ReadonlyArray<GateFinding>,
  failOn: Severity,
  newOnly: boolean
): Effect.Effect<void, CommandExit> =>
  findings.length === 0
    ? Effect.void
    : Effect.fail(
      new CommandExit({
        code: ExitCode.findings,
        message: [
          `${findings.length} ${newOnly ? "new " : ""}finding${
            findings.length === 1 ? "" : "s"
          } at or above ${failOn}:`,
          ...findings.slice(0, 50).map((f) =>
            `  ${f.severity.padEnd(8)} ${f.rule_id}  ${printable(`${f.entity_name ?? f.entity_id}: ${f.detail ?? ""}`)}`
          ),
          ...(findings.length > 50 ? [`  … and ${findings.length - 50} more`] : [])
        ].join("\n")
      })
    )

/** A workspace's folder name under the reports folder: its slug, else its name made filename-safe, else its id. */
export const workspaceFolder = (
  workspace: { readonly slug: string | null; readonly name: string | null; readonly id: string }
) =>
  workspace.slug ??
    (workspace.name?.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || workspace.id)

/**
 * Compacts the database file if it has grown enough since last time. A failure here loses nothing (the file is left
 * as it was), so it is a warning, not a failed run.
 */
export const compactQuietly = (path: string) =>
  compactIfGrown(path, allViews).pipe(
    Effect.tap((done) =>
      done === null
        ? Effect.void
        : Effect.logInfo(
          `compacted ${path}: ${(done.before / 1e6).toFixed(1)} MB to ${(done.after / 1e6).toFixed(1)} MB`
        )
    ),
    // Another process holding the file (the lock test's second writer) is not worth a warning.
    Effect.catchAll((
      error
    ) => (error.reason === "Locked" ? Effect.logDebug(error.message) : Effect.logWarning(error.message)))
  )
