/**
 * Writing an evidence pack into a folder: `index.html`, one CSV per table of each section, the period workbook
 * (`audit.xlsx`, the same as `report --period` writes), optionally `evidence.pdf`, then `manifest.json` over all of
 * them and `evidence-<workspace>-<period>.zip` of everything. Everything but the PDF is rendered before anything is
 * written, and each file is written aside and renamed. The same stored data and command line give the same bytes
 * (the PDF excepted: Chromium stamps it with the time it was printed).
 */
import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Exit } from "effect"
import { renderQuotaChart } from "../reports/Charts.js"
import { ReportError } from "../reports/ReportData.js"
import { osReason } from "../reports/Reports.js"
import { writeWorkbook } from "../reports/Workbook.js"
import { Database } from "../store/Database.js"
import { toolVersion } from "../Version.js"
import { sectionCsvFiles } from "./CsvFiles.js"
import { type EvidenceScope, loadEvidence, periodEnd } from "./EvidenceData.js"
import { renderHtml } from "./Html.js"
import { fileEntry, type Manifest, MANIFEST_FILE, MANIFEST_VERSION, renderManifest, sha256 } from "./Manifest.js"
import { printPdf } from "./Pdf.js"
import { evidenceSections } from "./Sections.js"
import { deterministicZip, repack } from "./Zip.js"

export const INDEX_FILE = "index.html"
export const WORKBOOK_FILE = "audit.xlsx"
export const PDF_FILE = "evidence.pdf"

export interface PackOptions {
  /** Recorded in the manifest: the command that makes this pack (without local paths, so that it is reproducible). */
  readonly commandLine: string
  /** The Chromium executable to print `evidence.pdf` with; none: no PDF. */
  readonly chromium?: string | undefined
  /** The pack's name for its zip: `evidence-<workspace>-<period>`. */
  readonly name: string
  /** The time-to-removal target in days (the config file's `thresholds.removal_target_days`; default 1). */
  readonly removalTargetDays?: number | undefined
}

export interface PackResult {
  readonly dir: string
  readonly files: ReadonlyArray<string>
  readonly manifest: string
  readonly manifestSha256: string
  readonly zip: string
  readonly zipSha256: string
}

/** A name safe in a file name: `2026-Q1`, `runs-12-to-85`. */
export const fileSafe = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "pack"

const writeFailed = (path: string) => (error: PlatformError) => {
  const { code, text } = osReason(error)
  return new ReportError({ message: `Could not write ${path}: ${text}`, cause: error, path, code })
}

const writeAtomically = (path: string, content: Uint8Array) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const partial = `${path}.partial`
    yield* fs.writeFile(partial, content).pipe(
      Effect.zipRight(fs.rename(partial, path)),
      Effect.onExit((
        exit
      ) => (Exit.isSuccess(exit) ? Effect.void : Effect.ignore(fs.remove(partial, { force: true })))),
      Effect.mapError(writeFailed(path))
    )
  })

const utf8 = (text: string) => new TextEncoder().encode(text)

export const writeEvidencePack = (
  scope: EvidenceScope,
  outDir: string,
  options: PackOptions
): Effect.Effect<PackResult, ReportError, Database | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const db = yield* Database
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const data = yield* loadEvidence(db, scope, options.removalTargetDays)
    const sections = evidenceSections(data)
    const chart = yield* renderQuotaChart(data.report)
    // The page's chart is the seats alone: what the completeness section reconciles the population against.
    const seats = <T extends { readonly dimension: string }>(rows: ReadonlyArray<T>) =>
      rows.filter((r) => r.dimension === "seats")
    const seatChart = yield* renderQuotaChart({
      ...data.report,
      quotaHistory: seats(data.report.quotaHistory),
      quotas: seats(data.report.quotas)
    })
    // The data's own time dates the zip entries (the chain head's run), never the clock.
    const dataTime = data.head.started_at
    const files: Array<readonly [string, Uint8Array]> = [
      [INDEX_FILE, utf8(renderHtml(data, sections, seatChart?.svg ?? null))],
      ...sectionCsvFiles(sections).map(([name, text]) => [name, utf8(text)] as const),
      [WORKBOOK_FILE, yield* repack(yield* writeWorkbook(db, data.report, chart), dataTime)]
    ]
    yield* fs.makeDirectory(outDir, { recursive: true }).pipe(Effect.mapError(writeFailed(outDir)))
    for (const [name, content] of files) yield* writeAtomically(path.join(outDir, name), content)
    const pdf = path.join(outDir, PDF_FILE)
    if (options.chromium !== undefined) {
      yield* printPdf(path.join(outDir, INDEX_FILE), pdf, options.chromium)
      files.push([PDF_FILE, yield* fs.readFile(pdf).pipe(Effect.mapError(writeFailed(pdf)))])
    } else {
      // An earlier pack's PDF in the same folder would show older data beside this pack: it goes.
      yield* fs.remove(pdf, { force: true }).pipe(Effect.mapError(writeFailed(pdf)))
    }
    const run = data.report.run
    const manifest: Manifest = {
      format: "ptolemy-audit-evidence",
      format_version: MANIFEST_VERSION,
      tool: { name: "ptolemy-audit", version: toolVersion },
      command_line: options.commandLine,
      workspace: { source: run.source, id: run.workspace_id, slug: run.workspace_slug, name: run.workspace_name },
      period: {
        label: scope.label,
        start: scope.dates?.start ?? null,
        end: scope.dates?.end ?? null,
        from_run_id: scope.fromRunId,
        to_run_id: scope.toRunId,
        starts_late: scope.startsLate
      },
      chain_head: { at: periodEnd(scope, data.report), ...data.head },
      runs: data.runs.map((r) => ({
        run_id: r.run_id,
        started_at: r.started_at,
        status: r.status,
        content_hash: r.content_hash,
        previous_hash: r.previous_hash
      })),
      files: files.map(([name, content]) => fileEntry(name, content))
    }
    const manifestBytes = utf8(renderManifest(manifest))
    const manifestPath = path.join(outDir, MANIFEST_FILE)
    yield* writeAtomically(manifestPath, manifestBytes)
    const zipBytes = yield* deterministicZip([...files, [MANIFEST_FILE, manifestBytes]], dataTime)
    const zip = path.join(outDir, `${options.name}.zip`)
    yield* writeAtomically(zip, zipBytes)
    return {
      dir: outDir,
      files: files.map(([name]) => path.join(outDir, name)),
      manifest: manifestPath,
      manifestSha256: sha256(manifestBytes),
      zip,
      zipSha256: sha256(zipBytes)
    }
  }).pipe(
    Effect.scoped,
    Effect.withSpan("Evidence.write", {
      attributes: { label: scope.label, fromRunId: scope.fromRunId, toRunId: scope.toRunId }
    })
  )
