/**
 * `audit.xlsx`: the access-review workbook, one function per sheet (workbook/*.ts). Summary first, then the Access
 * review, privileged access and the people who joined, moved or left; then findings, both populations, robots and
 * invitations, the churn of invitations, tokens and webhooks, the change log, quota history (printed as a chart) and
 * run info. Written with exceljs's streaming writer into memory (compressed, a few MB for 50,000 members), then the
 * chart is added; the caller writes the bytes to disk.
 */
import { Effect } from "effect"
import { Writable } from "node:stream"
import type { DatabaseService } from "../store/Database.js"
import type { QuotaChart } from "./Charts.js"
import { type ReportData, ReportError } from "./ReportData.js"
import {
  changesSheet,
  invitationChangesSheet,
  tokenChangesSheet,
  webhookChangesSheet
} from "./workbook/ChangeSheets.js"
import { accessReviewSheet, joinersSheet, membersSheet, privilegedSheet } from "./workbook/PeopleSheets.js"
import { timeToRemovalSheet } from "./workbook/PeriodSheets.js"
import {
  findingsSheet,
  invitationsSheet,
  QUOTA_CHART,
  quotaSheet,
  robotsSheet,
  runInfoSheet,
  summarySheet
} from "./workbook/StateSheets.js"
import { addPicture } from "./WorkbookPictures.js"

/** A writable stream keeping what it is given, for the zip the workbook writer produces. */
const collector = () => {
  const chunks: Array<Buffer> = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk)
      done()
    }
  })
  return { stream, bytes: () => new Uint8Array(Buffer.concat(chunks)) }
}

/** The cells the chart covers, as the Quota history's print area (exceljs puts a $ before each part: "H$1" is "$H$1"). */
const chartArea = (chart: QuotaChart) => {
  const columns = Math.ceil(chart.width / QUOTA_CHART.columnPixels)
  const letter = (n: number) => String.fromCharCode(65 + n)
  const rows = Math.ceil(chart.height / QUOTA_CHART.rowPixels) + 1
  return {
    columns,
    printArea: `${letter(QUOTA_CHART.column)}$1:${letter(Math.min(25, QUOTA_CHART.column + columns - 1))}$${rows}`
  }
}

/** Loaded when a workbook is written, so that the commands which write none never load exceljs. */
const loadWriter = Effect.tryPromise({
  try: () => import("exceljs/lib/stream/xlsx/workbook-writer.js").then((m) => m.default),
  catch: (cause) => new ReportError({ message: `Could not load exceljs's workbook writer: ${String(cause)}`, cause })
})

export const writeWorkbook = (
  db: DatabaseService,
  data: ReportData,
  chart: QuotaChart | null
): Effect.Effect<Uint8Array, ReportError> =>
  Effect.gen(function*() {
    const WorkbookWriter = yield* loadWriter
    const out = collector()
    const workbook = new WorkbookWriter({
      stream: out.stream,
      useStyles: true,
      useSharedStrings: false
    })
    workbook.creator = "ptolemy-audit"
    // The run's own time, so that the same data gives the same workbook contents.
    workbook.created = workbook.modified = new Date(data.run.started_at)
    summarySheet(workbook, data)
    yield* accessReviewSheet(workbook, db, data)
    privilegedSheet(workbook, data)
    yield* joinersSheet(workbook, data)
    yield* timeToRemovalSheet(workbook, data)
    yield* findingsSheet(workbook, data)
    yield* membersSheet(workbook, db, data)
    yield* robotsSheet(workbook, data)
    yield* invitationsSheet(workbook, data)
    yield* invitationChangesSheet(workbook, data)
    yield* tokenChangesSheet(workbook, data)
    yield* webhookChangesSheet(workbook, data)
    yield* changesSheet(workbook, data)
    yield* quotaSheet(workbook, data, chart === null ? null : chartArea(chart))
    runInfoSheet(workbook, data)
    yield* Effect.tryPromise({
      try: () => workbook.commit(),
      catch: (cause) => new ReportError({ message: `Could not finish the workbook: ${String(cause)}`, cause })
    })
    const bytes = out.bytes()
    return chart === null
      ? bytes
      : yield* addPicture(bytes, {
        sheet: "Quota history",
        png: chart.png,
        column: QUOTA_CHART.column,
        row: 0,
        width: chart.width,
        height: chart.height,
        description: chart.description
      })
  }).pipe(Effect.withSpan("Reports.workbook", { attributes: { runId: data.run.run_id } }))
