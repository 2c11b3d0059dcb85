/**
 * Rows on stdout: an aligned text table for people, CSV (a header line, then rows) and a JSON array of row objects
 * for scripts. Nothing else goes to stdout in the csv and json formats, so their output can be piped.
 *
 * Strings from the API are data, never terminal commands or spreadsheet formulas: `printable` shows every control
 * character as a visible escape (the table format and the log both use it), JSON escapes them as JSON does, and CSV
 * meant for spreadsheets neutralises cells that a spreadsheet would run as a formula (`csv-raw` keeps them as they are).
 */

export type Format = "table" | "csv" | "csv-raw" | "json"

export interface Table {
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<Readonly<Record<string, unknown>>>
}

/**
 * C0 controls (ESC, BEL, CR...), DEL, C1 controls (CSI, OSC...), and the format characters that reorder or hide
 * text on screen: bidirectional marks, embeddings, overrides and isolates, and the Unicode line separators.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const IS_CONTROL = new RegExp(CONTROL.source)

const hex = (code: number, digits: number) => code.toString(16).padStart(digits, "0")

/** A control character as text a reader can see: `\x1b`, `\u202e`. */
const visible = (char: string): string => {
  const code = char.charCodeAt(0)
  return code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`
}

/**
 * Text safe to print on a terminal: every control character shown as a visible escape, never sent. Newlines and
 * tabs are kept with `keepLineBreaks` (a multi-line log message), otherwise shown too.
 */
export const printable = (text: string, options: { readonly keepLineBreaks?: boolean } = {}): string =>
  text.replace(
    CONTROL,
    (char) => (options.keepLineBreaks === true && (char === "\n" || char === "\t") ? char : visible(char))
  )

/**
 * `printable` as a list of units, each a character (a whole code point) or one visible escape, so that clipping
 * counts and cuts whole units only.
 */
const printableUnits = (text: string): Array<string> =>
  Array.from(text, (char) => (IS_CONTROL.test(char) ? visible(char) : char))

/** What JSON.stringify leaves unescaped of CONTROL: DEL, C1 and the format characters (only ever inside strings). */
const UNESCAPED_BY_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** JSON text for a terminal or a pipe: JSON.stringify escapes C0 controls; DEL, C1 and format characters too. */
export const jsonText = (value: unknown): string =>
  JSON.stringify(value, null, 2).replace(UNESCAPED_BY_JSON, (char) => `\\u${hex(char.charCodeAt(0), 4)}`)

const cellText = (value: unknown): string =>
  value === null || value === undefined
    ? ""
    : typeof value === "bigint"
    ? value.toString()
    : typeof value === "object"
    ? JSON.stringify(value)
    : String(value)

/**
 * A cell a spreadsheet would evaluate: one starting with =, +, -, @, a tab or a carriage return (OWASP's list).
 * Plain numbers such as -5 or +1.5 are numbers to a spreadsheet, not formulas, and are left as they are.
 */
const FORMULA_START = /^[=+\-@\t\r]/
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/
export const isFormulaLike = (text: string) => FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)

const csvCell = (value: unknown, raw: boolean): string => {
  const text = cellText(value)
  // OWASP: a leading single quote makes a spreadsheet show the cell as text.
  const safe = !raw && typeof value !== "number" && isFormulaLike(text) ? `'${text}` : text
  return /[",\r\n]/.test(safe) || /^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, "\"\"")}"` : safe
}

/** CSV for spreadsheets (formula-like cells neutralised) or, with `raw`, every value exactly as stored. */
export const toCsv = ({ columns, rows }: Table, options: { readonly raw?: boolean } = {}): string => {
  const raw = options.raw === true
  return [
    columns.map((c) => csvCell(c, raw)).join(","),
    ...rows.map((row) => columns.map((c) => csvCell(row[c], raw)).join(","))
  ]
    .map((line) => `${line}\r\n`)
    .join("")
}

export const toJson = ({ rows }: Table): string => `${jsonText(rows)}\n`

const MAX_WIDTH = 60

/** One line of at most MAX_WIDTH units; a cut never falls inside a character or an escape. */
const clip = (text: string): Array<string> => {
  const units = printableUnits(text.replace(/\s+/g, " "))
  return units.length > MAX_WIDTH ? [...units.slice(0, MAX_WIDTH - 1), "…"] : units
}

const width = (units: ReadonlyArray<string>) => units.reduce((sum, unit) => sum + unit.length, 0)

export const toTable = ({ columns, rows }: Table): string => {
  if (columns.length === 0) return "(no columns)\n"
  const heads = columns.map(clip)
  const cells = rows.map((row) => columns.map((c) => clip(cellText(row[c]))))
  const widths = columns.map((_, i) => Math.max(width(heads[i]!), ...cells.map((line) => width(line[i]!))))
  const numeric = columns.map((c) =>
    rows.length > 0 && rows.every((row) => row[c] === null || typeof row[c] === "number" || typeof row[c] === "bigint")
  )
  const line = (values: ReadonlyArray<ReadonlyArray<string>>) =>
    values
      .map((units, i) => {
        const pad = " ".repeat(widths[i]! - width(units))
        return numeric[i] ? pad + units.join("") : units.join("") + pad
      })
      .join("  ")
      .trimEnd()
  const out = [line(heads), widths.map((w) => "─".repeat(w)).join("  "), ...cells.map(line)]
  out.push(`(${rows.length} row${rows.length === 1 ? "" : "s"})`)
  return `${out.join("\n")}\n`
}

export const render = (format: Format, table: Table): string =>
  format === "csv"
    ? toCsv(table)
    : format === "csv-raw"
    ? toCsv(table, { raw: true })
    : format === "json"
    ? toJson(table)
    : toTable(table)
