/**
 * Rows on stdout: an aligned text table for people, CSV (a header line, then rows) and a JSON array of row objects
 * for scripts. Nothing else goes to stdout in the csv and json formats, so their output can be piped.
 */

export type Format = "table" | "csv" | "json"

export interface Table {
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<Readonly<Record<string, unknown>>>
}

const cellText = (value: unknown): string =>
  value === null || value === undefined
    ? ""
    : typeof value === "object"
    ? JSON.stringify(value)
    : String(value)

const csvCell = (value: unknown): string => {
  const text = cellText(value)
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, "\"\"")}"` : text
}

export const toCsv = ({ columns, rows }: Table): string =>
  [columns.map(csvCell).join(","), ...rows.map((row) => columns.map((c) => csvCell(row[c])).join(","))]
    .map((line) => `${line}\r\n`)
    .join("")

export const toJson = ({ rows }: Table): string => `${JSON.stringify(rows, null, 2)}\n`

const MAX_WIDTH = 60

const clip = (text: string) => {
  const oneLine = text.replace(/\s+/g, " ")
  return oneLine.length > MAX_WIDTH ? `${oneLine.slice(0, MAX_WIDTH - 1)}…` : oneLine
}

export const toTable = ({ columns, rows }: Table): string => {
  if (columns.length === 0) return "(no columns)\n"
  const cells = rows.map((row) => columns.map((c) => clip(cellText(row[c]))))
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((line) => line[i]!.length)))
  const numeric = columns.map((c) => rows.length > 0 && rows.every((row) => row[c] === null || typeof row[c] === "number"))
  const line = (values: ReadonlyArray<string>) =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join("  ").trimEnd()
  const out = [line(columns), widths.map((w) => "─".repeat(w)).join("  "), ...cells.map(line)]
  out.push(`(${rows.length} row${rows.length === 1 ? "" : "s"})`)
  return `${out.join("\n")}\n`
}

export const render = (format: Format, table: Table): string =>
  format === "csv" ? toCsv(table) : format === "json" ? toJson(table) : toTable(table)
