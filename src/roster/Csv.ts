/**
 * A roster file's text as a table, parsed by csv-parse (quoted commas, quotes inside quotes, line breaks inside
 * cells, CRLF): never by splitting lines. The delimiter is the one the header row uses (a comma, Excel's tab in
 * "Unicode text", or the semicolon of locales whose decimal mark is a comma). Every row keeps the line it starts on,
 * so that a problem names it.
 */
import { CsvError, parse } from "csv-parse/sync"
import { Either } from "effect"

export interface CsvRow {
  /** The line of the file the row starts on (1 = the header). */
  readonly line: number
  readonly cells: ReadonlyArray<string>
}

export interface CsvTable {
  readonly header: ReadonlyArray<string>
  readonly rows: ReadonlyArray<CsvRow>
  readonly delimiter: string
}

export interface CsvProblem {
  readonly line: number | null
  readonly reason: string
}

const DELIMITERS = [",", "\t", ";"] as const

/** The delimiter the first line uses most (outside quotes); a comma when it uses none. */
const delimiterOf = (firstLine: string): string => {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]))
  let quoted = false
  for (const char of firstLine) {
    if (char === "\"") quoted = !quoted
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1)
  }
  return [...counts.entries()].reduce((best, entry) => (entry[1] > best[1] ? entry : best), [",", 0])[0]
}

const newlines = (cells: ReadonlyArray<string>) => cells.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0)

export const parseCsv = (text: string): Either.Either<CsvTable, CsvProblem> => {
  // One line ending throughout: csv-parse counts lines after an empty CRLF line one too many.
  const normalised = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n")
  const delimiter = delimiterOf(
    normalised.slice(0, normalised.indexOf("\n") === -1 ? undefined : normalised.indexOf("\n"))
  )
  const rows: Array<CsvRow> = []
  try {
    parse(normalised, {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      // `lines` is the line a record ends on; a quoted cell's line breaks tell where it started.
      on_record: (record: Array<string>, context) => {
        // A row of nothing but delimiters (a spreadsheet's trailing empty rows) is not a row.
        if (record.some((cell) => cell.trim() !== "")) {
          rows.push({ line: context.lines - newlines(record), cells: record })
        }
        return null
      }
    })
  } catch (cause) {
    if (cause instanceof CsvError) {
      const lines = cause["lines"]
      return Either.left({
        line: typeof lines === "number" ? lines : null,
        reason: `the file is not valid CSV: ${cause.message.replace(/ at line \d+/, "")}`
      })
    }
    return Either.left({ line: null, reason: `the file is not valid CSV: ${String(cause)}` })
  }
  const [head, ...body] = rows
  if (head === undefined) return Either.left({ line: null, reason: "the file is empty" })
  return Either.right({ header: head.cells.map((h) => h.trim()), rows: body, delimiter })
}
