/**
 * Writing the three reports of a run or a review window into a folder: `audit.md`, `audit.xlsx` and
 * `findings.json`, from stored data alone. Everything is rendered first, then each file is written aside and
 * renamed, so a reader never sees half of one; a write that fails names the file and the system's reason (ENOSPC,
 * EROFS, EACCES) and leaves no `.partial` file behind.
 */
import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Exit } from "effect"
import { Database } from "../store/Database.js"
import { renderQuotaChart } from "./Charts.js"
import { renderFindingsJson } from "./FindingsJson.js"
import { renderMarkdown } from "./Markdown.js"
import { type CampaignNote, loadReportData, ReportError, type ReportScope } from "./ReportData.js"
import { appendStepSummary } from "./StepSummary.js"
import { writeWorkbook } from "./Workbook.js"

export { type CampaignNote, ReportError, type ReportScope } from "./ReportData.js"

export interface ReportFiles {
  readonly markdown: string
  readonly workbook: string
  readonly json: string
}

export interface ReportOptions {
  /** `$GITHUB_STEP_SUMMARY`: the Markdown is appended there too. */
  readonly stepSummary?: string | undefined
  /** An access review campaign's line and outcome, shown in every report (src/review). */
  readonly campaign?: CampaignNote | undefined
  /** A period's time-to-removal target in days (the config file's `thresholds.removal_target_days`). */
  readonly removalTargetDays?: number | undefined
}

/** The system's own words for why a file could not be written: `ENOSPC: no space left on device, write`. */
export const osReason = (error: PlatformError): { readonly code: string | undefined; readonly text: string } => {
  const cause: unknown = error._tag === "SystemError" ? error.cause : undefined
  const code = typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined
  const text = typeof cause === "object" && cause !== null && "message" in cause && typeof cause.message === "string"
    ? cause.message
    : error.message
  return { code, text }
}

const writeFailed = (path: string, what = path) => (error: PlatformError) => {
  const { code, text } = osReason(error)
  return new ReportError({ message: `Could not write ${what}: ${text}`, cause: error, path, code })
}

/** Written aside and renamed; on any failure (or interruption) the aside file is removed. */
const writeAtomically = (path: string, content: string | Uint8Array) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const partial = `${path}.partial`
    yield* (typeof content === "string" ? fs.writeFileString(partial, content) : fs.writeFile(partial, content)).pipe(
      Effect.zipRight(fs.rename(partial, path)),
      Effect.onExit((
        exit
      ) => (Exit.isSuccess(exit) ? Effect.void : Effect.ignore(fs.remove(partial, { force: true })))),
      Effect.mapError(writeFailed(path))
    )
  })

export const writeReports = (
  scope: ReportScope,
  outDir: string,
  options: ReportOptions = {}
): Effect.Effect<ReportFiles, ReportError, Database | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const db = yield* Database
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const data = yield* loadReportData(db, scope, options.campaign, options.removalTargetDays)
    const files: ReportFiles = {
      markdown: path.join(outDir, "audit.md"),
      workbook: path.join(outDir, "audit.xlsx"),
      json: path.join(outDir, "findings.json")
    }
    // Everything rendered before anything is written: a failure to render writes nothing.
    const markdown = renderMarkdown(data)
    const json = renderFindingsJson(data)
    const workbook = yield* writeWorkbook(db, data, yield* renderQuotaChart(data))
    yield* fs.makeDirectory(outDir, { recursive: true }).pipe(
      Effect.mapError(writeFailed(outDir, `the reports folder ${outDir}`))
    )
    yield* writeAtomically(files.markdown, markdown)
    yield* writeAtomically(files.json, json)
    yield* writeAtomically(files.workbook, workbook)
    if (options.stepSummary) {
      const summary = options.stepSummary
      yield* appendStepSummary(summary, markdown).pipe(
        Effect.mapError(writeFailed(summary, `the job summary ${summary}`))
      )
    }
    return files
  }).pipe(
    Effect.scoped,
    Effect.withSpan("Reports.write", {
      attributes: scope.kind === "run"
        ? { runId: scope.runId }
        : { fromRunId: scope.fromRunId, toRunId: scope.toRunId, label: scope.label }
    })
  )
