/**
 * How every sheet of the workbook is written: a styled, frozen header row with filters; dates as dates, numbers as
 * numbers with formats; ids in hidden columns at the end; text made safe for a cell (`cellText`); and print setup
 * that reads on paper (landscape, one page wide, as many tall as needed, the header repeated on each page).
 * Rows are written and committed one by one (exceljs's streaming writer), so a large sheet never sits in memory.
 */
import { Effect, Stream } from "effect"
import type ExcelJS from "exceljs"
import type { SourceName } from "../../snapshot/Records.js"
import type { ReportError } from "../ReportData.js"
import { cellText } from "../Text.js"

export type Kind = "text" | "number" | "date" | "datetime" | "percent" | "boolean"

export interface Column<R> {
  /** A time column's header says UTC: `Sent (UTC)`. */
  readonly header: string
  readonly width: number
  readonly kind?: Kind
  readonly value: (row: R) => unknown
  /** A column only one source fills (organisation roles, inherited access): left out for the others, not left empty. */
  readonly onlyFor?: SourceName
  /** An id, kept for lookups: hidden, and placed after every visible column. */
  readonly id?: true
  /** Long text: wrapped in its width rather than widening the page. */
  readonly wrap?: true
}

export type Workbook = ExcelJS.stream.xlsx.WorkbookWriter

export const HEADER_FILL = "FF1F3A5F"
/** A font every office suite has (LibreOffice substitutes its metric twin): the same layout everywhere. */
export const FONT = { name: "Arial", size: 10 } as const
/** Columns a reviewer fills in: an amber header over pale cells, apart from the data. */
const INPUT_HEADER_FILL = "FF8D6E00"
const INPUT_FILL = "FFFFF8E1"

export const FORMATS: Partial<Record<Kind, string>> = {
  date: "yyyy-mm-dd",
  datetime: "yyyy-mm-dd hh:mm",
  percent: "0%",
  number: "#,##0"
}

/**
 * Dates and flags centred, numbers right-aligned with a space before the next column: a right-aligned value next to
 * a left-aligned one otherwise reads as one ("2026-03-31 robot.idle", "1 api_calls").
 */
const ALIGN: Partial<Record<Kind, Partial<ExcelJS.Alignment>>> = {
  date: { horizontal: "center", vertical: "top" },
  datetime: { horizontal: "center", vertical: "top" },
  boolean: { horizontal: "center", vertical: "top" },
  number: { horizontal: "right", indent: 1, vertical: "top" },
  percent: { horizontal: "right", indent: 1, vertical: "top" },
  text: { vertical: "top" }
}

/** Printed (or saved as PDF): landscape, one page wide and as many tall as it takes, the header on every page. */
export const PRINT: Partial<ExcelJS.PageSetup> = {
  orientation: "landscape",
  paperSize: 9,
  fitToPage: true,
  fitToWidth: 1,
  fitToHeight: 0,
  printTitlesRow: "1:1",
  margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 }
}

export const cellValue = (kind: Kind, value: unknown): ExcelJS.CellValue => {
  if (value === null || value === undefined || value === "") return null
  switch (kind) {
    case "date":
    case "datetime": {
      const ms = typeof value === "string" && /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN
      return Number.isNaN(ms) ? cellText(String(value)) : new Date(ms)
    }
    case "number":
    case "percent":
      return typeof value === "number" ? value : Number(value)
    case "boolean":
      return value === true ? "yes" : value === false ? "no" : cellText(String(value))
    case "text":
      return cellText(typeof value === "object" ? JSON.stringify(value) : String(value))
  }
}

/** exceljs's streaming worksheet keeps its data validations in `dataValidations` (missing from its type declarations). */
const addValidation = (sheet: ExcelJS.Worksheet, address: string, validation: ExcelJS.DataValidation) => {
  const validations: unknown = Reflect.get(sheet, "dataValidations")
  if (
    typeof validations === "object" && validations !== null && "add" in validations &&
    typeof validations.add === "function"
  ) {
    validations.add(address, validation)
  }
}

export interface SheetOptions<R> {
  /** A line in italics when there are no rows: why. */
  readonly empty?: string
  readonly decorate?: (row: ExcelJS.Row, item: R) => void
  /** Whole-column validations by header: [header, validation]. */
  readonly validations?: ReadonlyArray<readonly [string, ExcelJS.DataValidation]>
  /** Columns for the reader to fill in, by header. */
  readonly inputColumns?: ReadonlyArray<string>
  /** Rows the reader should not miss, in bold (a joiner, an admin grant). */
  readonly bold?: (item: R) => boolean
  /** What prints, when not the rows (`H$1:T$40`: the Quota history's chart). */
  readonly printArea?: string
  /** Widths of empty columns after the data (where the Quota history's chart sits). */
  readonly blankColumns?: ReadonlyArray<number>
}

/** The columns a source fills, ids moved to the end. */
export const arrange = <R>(source: string, columns: ReadonlyArray<Column<R>>): Array<Column<R>> => {
  const mine = columns.filter((c) => c.onlyFor === undefined || c.onlyFor === source)
  return [...mine.filter((c) => c.id !== true), ...mine.filter((c) => c.id === true)]
}

/** The header's own cells (not the whole row, whose style would run on across every empty column). */
export const styleHeader = (row: ExcelJS.Row, columns = row.cellCount) => {
  for (let i = 1; i <= columns; i++) {
    const cell = row.getCell(i)
    cell.font = { ...FONT, bold: true, color: { argb: "FFFFFFFF" } }
    cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: HEADER_FILL } }
  }
  row.height = 20
}

const solid = (argb: string): ExcelJS.Fill => ({ type: "pattern", pattern: "solid", fgColor: { argb } })

/**
 * The height a row needs for its wrapped cells. Neither exceljs nor LibreOffice sizes rows to wrapped text on its
 * own, so it is estimated: Arial 10 fits about 1.1 characters (bold ones included) per unit of column width.
 */
export const wrappedHeight = (cells: ReadonlyArray<readonly [text: unknown, width: number]>): number | undefined => {
  let lines = 1
  for (const [text, width] of cells) {
    if (typeof text !== "string" || text === "") continue
    const perLine = Math.max(1, Math.floor(width * 1.1))
    lines = Math.max(
      lines,
      text.split("\n").reduce((sum, part) => sum + Math.max(1, Math.ceil(part.length / perLine)), 0)
    )
  }
  return lines === 1 ? undefined : Math.min(409, 13 * lines + 2)
}

const defineColumns = <R>(
  sheet: ExcelJS.Worksheet,
  columns: ReadonlyArray<Column<R>>,
  blank: ReadonlyArray<number> = []
) => {
  sheet.columns = [
    ...columns.map((c, i) => {
      const kind = c.kind ?? "text"
      return {
        header: c.header,
        key: `c${i}`,
        // Never narrower than the bold header plus its filter button, which would hide the header's end.
        width: Math.max(c.width, Math.min(c.header.length + 4, 40)),
        hidden: c.id === true,
        style: {
          font: FONT,
          ...(FORMATS[kind] ? { numFmt: FORMATS[kind] } : {}),
          alignment: { ...ALIGN[kind], ...(c.wrap === true ? { wrapText: true } : {}) }
        }
      }
    }),
    ...blank.map((width, i) => ({ key: `blank${i}`, width }))
  ]
}

/** One sheet, row by row; returns how many rows it wrote. */
export const addSheet = <R>(
  workbook: Workbook,
  name: string,
  source: string,
  allColumns: ReadonlyArray<Column<R>>,
  rows: ReadonlyArray<R> | Stream.Stream<ReadonlyArray<R>, ReportError>,
  options: SheetOptions<R> = {}
): Effect.Effect<number, ReportError> =>
  Effect.gen(function*() {
    const columns = arrange(source, allColumns)
    // A print area is a picture (the Quota history's chart): it prints whole, on one page.
    const pageSetup = options.printArea === undefined
      ? PRINT
      : { ...PRINT, printArea: options.printArea, printTitlesRow: undefined, fitToHeight: 1 }
    const sheet = workbook.addWorksheet(name, { views: [{ state: "frozen", ySplit: 1 }], pageSetup })
    defineColumns(sheet, columns, options.blankColumns)
    const position = (header: string) => columns.findIndex((c) => c.header === header) + 1
    const inputs = (options.inputColumns ?? []).map(position).filter((n) => n > 0)
    const header = sheet.getRow(1)
    styleHeader(header, columns.length)
    columns.forEach((c, i) => {
      header.getCell(i + 1).alignment = { vertical: "middle", wrapText: true, ...ALIGN[c.kind ?? "text"] }
    })
    for (const column of inputs) header.getCell(column).fill = solid(INPUT_HEADER_FILL)
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } }
    header.commit()
    let count = 0
    const write = (item: R) => {
      const values = columns.map((c) => cellValue(c.kind ?? "text", c.value(item)))
      const row = sheet.addRow(values)
      const height = wrappedHeight(columns.flatMap((c, i) => (c.wrap === true ? [[values[i], c.width] as const] : [])))
      if (height !== undefined) row.height = height
      for (const column of inputs) row.getCell(column).fill = solid(INPUT_FILL)
      if (options.bold?.(item) === true) row.font = { ...FONT, bold: true }
      options.decorate?.(row, item)
      row.commit()
      count++
    }
    if (Array.isArray(rows)) (rows as ReadonlyArray<R>).forEach(write)
    else {yield* Stream.runForEach(rows as Stream.Stream<ReadonlyArray<R>, ReportError>, (chunk) =>
        Effect.sync(() => chunk.forEach(write)))}
    if (count === 0 && options.empty) {
      const row = sheet.addRow([cellText(options.empty)])
      row.font = { ...FONT, italic: true, color: { argb: "FF666666" } }
      row.commit()
    }
    // One validation per column range, not one per cell: small files, and nothing held per row.
    if (count > 0) {
      for (const [headerName, validation] of options.validations ?? []) {
        const at = position(headerName)
        if (at === 0) {
          continue
        }
        const letter = sheet.getColumn(at).letter
        addValidation(sheet, `${letter}2:${letter}${count + 1}`, validation)
      }
    }
    sheet.commit()
    return count
  })

export type Fact = readonly [label: string, value: unknown, kind?: Kind, emphasis?: "warning" | "bold"]

/** A sheet of labelled facts (Summary, Run info): label and value, and further small tables below them. */
export const factSheet = (
  workbook: Workbook,
  name: string,
  facts: ReadonlyArray<Fact>,
  tables: ReadonlyArray<
    { readonly title: ReadonlyArray<string>; readonly rows: ReadonlyArray<ReadonlyArray<readonly [unknown, Kind]>> }
  > = []
) => {
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: "frozen", ySplit: 1 }],
    pageSetup: { ...PRINT, fitToWidth: 1 }
  })
  sheet.columns = [
    { header: "Item", key: "item", width: 36 },
    { header: "Value", key: "value", width: 64 },
    { header: "", key: "c", width: 14 },
    { header: "", key: "d", width: 14 },
    { header: "", key: "e", width: 18 }
  ]
  const header = sheet.getRow(1)
  styleHeader(header, 2)
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: 2 } }
  header.commit()
  for (const [label, value, kind, emphasis] of facts) {
    const shown = cellValue(kind ?? "text", value)
    const row = sheet.addRow([cellText(label), shown])
    const height = wrappedHeight([[shown, 64]])
    if (height !== undefined) row.height = height
    row.getCell(1).font = { ...FONT, bold: true }
    row.getCell(1).alignment = { vertical: "top" }
    const cell = row.getCell(2)
    if (kind && FORMATS[kind]) cell.numFmt = FORMATS[kind]!
    // Left-aligned, numbers too: a figure reads with its label, not at the far edge of a wide column.
    cell.alignment = { wrapText: true, vertical: "top", horizontal: "left" }
    cell.font = emphasis === "warning"
      ? { ...FONT, bold: true, color: { argb: "FFC62828" } }
      : emphasis === "bold"
      ? { ...FONT, bold: true }
      : FONT
    row.commit()
  }
  for (const t of tables) {
    sheet.addRow([]).commit()
    const head = sheet.addRow(t.title.map(cellText))
    styleHeader(head, t.title.length)
    head.commit()
    for (const cells of t.rows) {
      const row = sheet.addRow(cells.map(([value, kind]) => cellValue(kind, value)))
      cells.forEach(([, kind], i) => {
        const cell = row.getCell(i + 1)
        cell.font = FONT
        if (FORMATS[kind]) cell.numFmt = FORMATS[kind]!
        cell.alignment = { vertical: "top", ...ALIGN[kind], ...(kind === "text" && i === 1 ? { wrapText: true } : {}) }
      })
      row.commit()
    }
  }
  sheet.commit()
}

/**
 * Several small tables stacked on one sheet (Privileged access), each with its title row and header. Each table's
 * ids go after the widest table's visible columns, so every hidden column holds ids only.
 */
export const stackedSheet = (
  workbook: Workbook,
  name: string,
  source: string,
  parts: ReadonlyArray<
    {
      readonly title: string
      readonly columns: ReadonlyArray<Column<never>>
      readonly rows: ReadonlyArray<unknown>
      readonly empty: string
    }
  >
) => {
  const sheet = workbook.addWorksheet(name, { pageSetup: { ...PRINT, printTitlesRow: undefined } })
  const laid = parts.map((p) => {
    const columns = arrange(source, p.columns as ReadonlyArray<Column<unknown>>)
    return { ...p, visible: columns.filter((c) => c.id !== true), ids: columns.filter((c) => c.id === true) }
  })
  const span = Math.max(...laid.map((p) => p.visible.length))
  const idSpan = Math.max(...laid.map((p) => p.ids.length))
  sheet.columns = [
    ...Array.from(
      { length: span },
      (_, i) => ({ key: `v${i}`, width: Math.max(12, ...laid.map((p) => p.visible[i]?.width ?? 0)) })
    ),
    ...Array.from({ length: idSpan }, (_, i) => ({ key: `i${i}`, width: 38, hidden: true }))
  ]
  const layout = <A>(visible: ReadonlyArray<A>, ids: ReadonlyArray<A>): Array<A | null> => [
    ...visible,
    ...Array.from({ length: span - visible.length }, () => null),
    ...ids
  ]
  laid.forEach((part, p) => {
    if (p > 0) sheet.addRow([]).commit()
    const title = sheet.addRow([cellText(part.title)])
    title.font = { ...FONT, bold: true, size: 12 }
    title.commit()
    const head = sheet.addRow(layout(part.visible.map((c) => c.header), part.ids.map((c) => c.header)))
    styleHeader(head, span + part.ids.length)
    head.commit()
    if (part.rows.length === 0) {
      const row = sheet.addRow([cellText(part.empty)])
      row.font = { ...FONT, italic: true, color: { argb: "FF666666" } }
      row.commit()
    }
    const columns = layout(part.visible, part.ids)
    for (const item of part.rows) {
      const values = columns.map((c) => (c === null ? null : cellValue(c.kind ?? "text", c.value(item))))
      const row = sheet.addRow(values)
      const height = wrappedHeight(
        columns.flatMap((c, i) => (c !== null && c.wrap === true ? [[values[i], c.width] as const] : []))
      )
      if (height !== undefined) row.height = height
      columns.forEach((c, i) => {
        if (c === null) return
        const kind = c.kind ?? "text"
        const cell = row.getCell(i + 1)
        cell.font = FONT
        if (FORMATS[kind]) cell.numFmt = FORMATS[kind]!
        cell.alignment = { ...ALIGN[kind], ...(c.wrap === true ? { wrapText: true } : {}) }
      })
      row.commit()
    }
  })
  sheet.commit()
}
