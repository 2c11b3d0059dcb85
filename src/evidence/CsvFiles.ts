/**
 * One CSV file per table of each section: UTF-8 with a byte-order mark (so that Excel opens it as UTF-8), CRLF line
 * ends, times as ISO-8601 in UTC, and every text cell guarded against formula injection by the shared writer
 * (files/Csv.ts): API strings are data, never something a spreadsheet runs.
 */
import { csvLine } from "../files/Csv.js"
import type { Section, Table } from "./Sections.js"

const BOM = "\uFEFF"

export const tableCsv = (table: Table): string => BOM + csvLine(table.headers) + table.rows.map(csvLine).join("")

/** Every section's tables as files: name → content. */
export const sectionCsvFiles = (sections: ReadonlyArray<Section>): ReadonlyArray<readonly [string, string]> =>
  sections.flatMap((s) => s.tables.map((t) => [t.file, tableCsv(t)] as const))
