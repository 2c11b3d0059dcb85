/**
 * Reading a filled-in review sheet back, as Excel, LibreOffice Calc or Google Sheets saved it (`.xlsx` or `.csv`):
 * the campaign's identity from the lines above the table, and every table row with its cells by header name.
 * Columns are found by their header, so they may be reordered or hidden; each section repeats the header; blank
 * and trailing rows are skipped. Cell values keep their type (text, number, date, flag) for validation to judge.
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect } from "effect"
import ExcelJS from "exceljs"
import { createHash } from "node:crypto"
import { Readable } from "node:stream"
import { decodeText, readCsv } from "../files/Csv.js"
import { canonical, FACTS_HASH, ITEM_KEY } from "./Facts.js"
import { badFile, type ReviewError } from "./ReviewError.js"
import { META } from "./ReviewSheet.js"

export type CellValue = string | number | boolean | Date | null

export interface FileRow {
  /** The row number a spreadsheet shows (the record's number in a CSV). */
  readonly row: number
  /** Cells by header name, lower case. */
  readonly cells: ReadonlyMap<string, CellValue>
}

export interface ReviewFileContent {
  readonly fileName: string
  readonly format: "xlsx" | "csv"
  readonly sha256: string
  readonly campaignId: string | null
  readonly populationHash: string | null
  /** Every header name seen, lower case. */
  readonly headers: ReadonlySet<string>
  /** Table rows with an item key or any input. */
  readonly rows: ReadonlyArray<FileRow>
}

/** A header as matched: case, spacing and Unicode form do not matter. */
export const headerKey = (header: string) => canonical(header).toLowerCase()

const KEY = headerKey(ITEM_KEY)
const DECISION = headerKey("Decision")

interface GridRow {
  readonly row: number
  /** Values by column, from 0. */
  readonly values: ReadonlyArray<CellValue>
}

/** exceljs's cell values (rich text, hyperlinks, formulas, errors) as plain values. */
const plainValue = (value: unknown): CellValue => {
  if (value === null || value === undefined) return null
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value
  if (typeof value === "object") {
    const v = value as Record<string, unknown>
    if (Array.isArray(v["richText"])) {
      return (v["richText"] as ReadonlyArray<{ readonly text?: unknown }>).map((r) => String(r.text ?? "")).join("")
    }
    if ("result" in v) return plainValue(v["result"])
    if ("text" in v) return plainValue(v["text"])
    if ("error" in v) return String(v["error"])
  }
  return String(value)
}

export const cellText = (value: CellValue): string =>
  value === null
    ? ""
    : value instanceof Date
    ? value.toISOString().slice(0, 10)
    : typeof value === "boolean"
    ? value ? "TRUE" : "FALSE"
    : String(value)

const xlsxGrid = (bytes: Uint8Array) =>
  Effect.tryPromise({
    try: async () => {
      const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([Buffer.from(bytes)]), {
        sharedStrings: "cache",
        hyperlinks: "ignore",
        styles: "cache",
        worksheets: "emit",
        entries: "ignore"
      })
      const rows: Array<GridRow> = []
      // Every sheet: a reviewer may have added one, and a section may have been moved to another.
      for await (const sheet of reader) {
        for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
          const values = (row.values as ReadonlyArray<unknown>).slice(1).map(plainValue)
          rows.push({ row: row.number, values })
        }
        rows.push({ row: 0, values: [] }) // a sheet boundary ends a table
      }
      return rows
    },
    catch: (cause) =>
      badFile(`It is not a readable .xlsx workbook: ${cause instanceof Error ? cause.message : String(cause)}`)
  })

const csvGrid = (bytes: Uint8Array) =>
  Effect.try({
    try: () => readCsv(decodeText(bytes)).map((values, i): GridRow => ({ row: i + 1, values })),
    catch: (cause) => badFile(cause instanceof Error ? cause.message : String(cause))
  })

const metaLabels = new Map<string, keyof typeof META>(
  (Object.entries(META) as Array<[keyof typeof META, string]>).map(([k, label]) => [headerKey(label), k])
)

/** The campaign's identity, then the table rows under each header row. */
const interpret = (grid: ReadonlyArray<GridRow>) => {
  const meta = new Map<keyof typeof META, string>()
  const headers = new Set<string>()
  const rows: Array<FileRow> = []
  let columns: Map<string, number> | null = null
  for (const { row, values } of grid) {
    const texts = values.map((v) => headerKey(cellText(v)))
    if (texts.includes(KEY) && texts.includes(DECISION)) {
      columns = new Map()
      texts.forEach((t, i) => {
        if (t !== "" && !columns!.has(t)) columns!.set(t, i)
      })
      for (const t of columns.keys()) headers.add(t)
      continue
    }
    if (row === 0) {
      columns = null
      continue
    }
    const filled = values.flatMap((v, i) => (cellText(v).trim() === "" ? [] : [i]))
    if (filled.length === 0) continue
    if (columns === null) {
      // Above the table: "Campaign id | 3", wherever the two cells are.
      const label = metaLabels.get(texts[filled[0]!]!)
      if (label !== undefined && filled.length > 1 && !meta.has(label)) {
        meta.set(label, canonical(cellText(values[filled[1]!]!)))
      }
      continue
    }
    const cells = new Map<string, CellValue>()
    for (const [header, index] of columns) cells.set(header, values[index] ?? null)
    const key = cellText(cells.get(KEY) ?? null).trim()
    const decision = cellText(cells.get(DECISION) ?? null).trim()
    // A section's heading is one cell in the first column, never a decision.
    const heading = key === "" && filled.length === 1 && filled[0] === 0
    if (key === "" && (decision === "" || heading)) continue
    rows.push({ row, cells })
  }
  return {
    campaignId: meta.get("campaign") ?? null,
    populationHash: meta.get("population") ?? null,
    headers,
    rows
  }
}

export const FACTS_HASH_KEY = headerKey(FACTS_HASH)
export const ITEM_KEY_KEY = KEY

/** Reads `file` (its bytes once: the SHA-256 is of exactly what was read). */
export const readReviewFile = (
  file: string
): Effect.Effect<ReviewFileContent, ReviewError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const bytes = yield* fs.readFile(file).pipe(
      Effect.mapError((error) => badFile(`Cannot read ${file}: ${error.message}`))
    )
    const zip = bytes[0] === 0x50 && bytes[1] === 0x4b
    const extension = path.extname(file).toLowerCase()
    if (extension === ".xls" || extension === ".ods" || extension === ".numbers") {
      return yield* Effect.fail(badFile(`${file}: save it as .xlsx or .csv, then import that.`))
    }
    if (!zip && extension === ".xlsx") {
      return yield* Effect.fail(badFile(`${file} is named .xlsx but is not an xlsx workbook.`))
    }
    const format = zip ? "xlsx" as const : "csv" as const
    const grid = yield* (zip ? xlsxGrid(bytes) : csvGrid(bytes))
    const content = interpret(grid)
    return {
      fileName: path.basename(file),
      format,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      ...content
    }
  }).pipe(Effect.withSpan("Review.readFile"))
