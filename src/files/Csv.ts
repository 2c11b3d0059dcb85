/**
 * Reading CSV files that people and spreadsheets wrote, and writing CSV they can open: shared by the review import
 * and any other feature that reads a CSV export (a roster). Parsing is csv-parse's (quotes, embedded line breaks,
 * doubled quotes); what is added here is what spreadsheets do differently: a byte-order mark, UTF-16 ("Unicode
 * text"), Windows-1252 from Excel's plain "CSV", and `;` or tab as the separator (Excel in many locales).
 */
import { parse } from "csv-parse/sync"
import { Data } from "effect"

export class CsvError extends Data.TaggedError("CsvError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** The text of a file, whichever encoding a spreadsheet saved it in. */
export const decodeText = (bytes: Uint8Array): string => {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return new TextDecoder("utf-8").decode(bytes.subarray(3))
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2))
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes.subarray(2))
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes)
  } catch {
    // Not UTF-8: Excel's plain "CSV" (and LibreOffice's default) is written in the Windows code page.
    return decodeWindows1252(bytes)
  }
}

/** Windows-1252's characters at 0x80-0x9F (WHATWG); elsewhere it is Latin-1. */
const CP1252_HIGH = [
  0x20ac,
  0x81,
  0x201a,
  0x192,
  0x201e,
  0x2026,
  0x2020,
  0x2021,
  0x2c6,
  0x2030,
  0x160,
  0x2039,
  0x152,
  0x8d,
  0x17d,
  0x8f,
  0x90,
  0x2018,
  0x2019,
  0x201c,
  0x201d,
  0x2022,
  0x2013,
  0x2014,
  0x2dc,
  0x2122,
  0x161,
  0x203a,
  0x153,
  0x9d,
  0x17e,
  0x178
]

/** Node 20's TextDecoder("windows-1252") decodes as Latin-1 (0x85 would not be "…"), so the table is here. */
export const decodeWindows1252 = (bytes: Uint8Array): string => {
  let out = ""
  for (let i = 0; i < bytes.length; i += 8192) {
    const chunk = bytes.subarray(i, i + 8192)
    out += String.fromCharCode(...Array.from(chunk, (b) => (b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : b)))
  }
  return out
}

const separators = [",", ";", "\t"] as const

const parseWith = (text: string, delimiter: string): Array<Array<string>> =>
  parse(text, { delimiter, relax_column_count: true, skip_empty_lines: false, bom: true }) as Array<Array<string>>

/**
 * Every record of a CSV text as its fields (records may differ in length). The separator is the one of `,`, `;` and
 * tab that gives the widest record (a header names every column), so a value's own commas never decide it.
 */
export const readCsv = (text: string): Array<Array<string>> => {
  let best: { records: Array<Array<string>>; width: number } | null = null
  let firstError: unknown = null
  for (const delimiter of separators) {
    try {
      const records = parseWith(text, delimiter)
      const width = records.reduce((max, r) => Math.max(max, r.length), 0)
      if (best === null || width > best.width) best = { records, width }
    } catch (error) {
      firstError ??= error
    }
  }
  if (best === null) {
    const message = firstError instanceof Error ? firstError.message : String(firstError)
    throw new CsvError({ message: `Not a readable CSV file: ${message}`, cause: firstError })
  }
  return best.records
}

/** Starts a spreadsheet would run as a formula when it opens a CSV (OWASP: CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/

/** A leading apostrophe written before such a value is not part of it. */
export const unguardFormula = (value: string): string =>
  value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value

const cell = (value: string | number | null | undefined): string => {
  if (value === null || value === undefined) return ""
  let text = String(value)
  // Text from an API is data: never let a spreadsheet run it.
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`
  return /[",;\r\n\t]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, "\"\"")}"` : text
}

/** One CSV record with its line end (CRLF, as RFC 4180 and spreadsheets write it). */
export const csvLine = (values: ReadonlyArray<string | number | null | undefined>): string =>
  `${values.map(cell).join(",")}\r\n`
