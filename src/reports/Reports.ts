/**
 * Writing the three reports of a run or a review window into a folder: `audit.md`, `audit.xlsx` and
 * `findings.json`, from stored data alone. Each file is written aside and renamed, so a reader never sees half of one.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { Database } from "../store/Database.js"
import { renderFindingsJson } from "./FindingsJson.js"
import { renderMarkdown } from "./Markdown.js"
import { loadReportData, ReportError, type ReportScope } from "./ReportData.js"
import { appendStepSummary } from "./StepSummary.js"
import { writeWorkbook } from "./Workbook.js"

export { ReportError, type ReportScope } from "./ReportData.js"

export interface ReportFiles {
  readonly markdown: string
  readonly workbook: string
  readonly json: string
}

export interface ReportOptions {
  /** `$GITHUB_STEP_SUMMARY`: the Markdown is appended there too. */
  readonly stepSummary?: string | undefined
}

/** Written aside and renamed; a failure names the file. */
const writeAtomically = (path: string, render: () => string) =>
  Effect.try({
    try: () => {
      writeFileSync(`${path}.partial`, render())
      renameSync(`${path}.partial`, path)
    },
    catch: (cause) => {
      rmSync(`${path}.partial`, { force: true })
      return new ReportError({ message: `Could not write ${path}: ${String(cause)}`, cause })
    }
  })

export const writeReports = (
  scope: ReportScope,
  outDir: string,
  options: ReportOptions = {}
): Effect.Effect<ReportFiles, ReportError, Database> =>
  Effect.gen(function*() {
    const db = yield* Database
    const data = yield* loadReportData(db, scope)
    const files: ReportFiles = {
      markdown: join(outDir, "audit.md"),
      workbook: join(outDir, "audit.xlsx"),
      json: join(outDir, "findings.json")
    }
    const markdown = renderMarkdown(data)
    yield* Effect.try({
      try: () => mkdirSync(outDir, { recursive: true }),
      catch: (cause) => new ReportError({ message: `Could not create the reports folder ${outDir}: ${String(cause)}`, cause })
    })
    yield* writeAtomically(files.markdown, () => markdown)
    yield* writeAtomically(files.json, () => renderFindingsJson(data))
    // A failed workbook leaves no half-written file behind.
    yield* writeWorkbook(db, data, `${files.workbook}.partial`).pipe(
      Effect.tapError(() => Effect.sync(() => rmSync(`${files.workbook}.partial`, { force: true }))),
      Effect.mapError((error) => new ReportError({ message: `Could not write ${files.workbook}: ${error.message}`, cause: error }))
    )
    yield* Effect.try({
      try: () => renameSync(`${files.workbook}.partial`, files.workbook),
      catch: (cause) => new ReportError({ message: `Could not write ${files.workbook}: ${String(cause)}`, cause })
    })
    if (options.stepSummary) {
      const path = options.stepSummary
      yield* Effect.try({
        try: () => appendStepSummary(path, markdown),
        catch: (cause) => new ReportError({ message: `Could not write the job summary ${path}: ${String(cause)}`, cause })
      })
    }
    return files
  }).pipe(
    Effect.withSpan("Reports.write", {
      attributes: scope.kind === "run" ? { runId: scope.runId } : { fromRunId: scope.fromRunId, toRunId: scope.toRunId, label: scope.label }
    })
  )
