/**
 * A roster file read into the people a run stores: decoded, parsed as CSV, its format told from its header, every
 * row mapped into a person. A file that cannot be read completely (a row with an unknown status, a malformed
 * address, broken quoting) yields no people at all and the first problem with its line: a partial directory would
 * report the people it lost as unknown.
 */
import { Either } from "effect"
import { createHash } from "node:crypto"
import type { PersonRecord, RosterRecord } from "../snapshot/Records.js"
import { type CsvRow, parseCsv } from "./Csv.js"
import { type FormatSpec, makeRow } from "./Fields.js"
import { detectFormat } from "./Formats.js"
import { decodeText } from "./Text.js"

export interface RosterProblem {
  /** The line of the file the problem is on, when it is on one. */
  readonly line: number | null
  readonly reason: string
}

export interface RosterRead {
  /** The file as read: its name, hash, format and row count. */
  readonly file: RosterRecord
  /** Its people, or why it could not be read completely. */
  readonly people: Either.Either<ReadonlyArray<PersonRecord>, RosterProblem>
}

/** "people.csv line 7: status "gone" is not one of ...". */
export const problemText = (fileName: string, problem: RosterProblem): string =>
  `${fileName}${problem.line === null ? "" : ` line ${problem.line}`}: ${problem.reason}`

const peopleOf = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<CsvRow>,
  format: FormatSpec
): Either.Either<ReadonlyArray<PersonRecord>, RosterProblem> => {
  if (rows.length === 0) return Either.left({ line: null, reason: "the roster has a header row but no people" })
  const people: Array<PersonRecord> = []
  const problems: Array<RosterProblem> = []
  const seen = new Map<string, number>()
  for (const { cells, line } of rows) {
    const row = makeRow(header, line, cells)
    const read = format.read(row)
    if (Either.isLeft(read)) {
      problems.push({ line, reason: read.left })
      continue
    }
    const fields = read.right
    // One id per row: a second row with the same address is kept (and reported as ambiguous), never merged.
    const key = fields.email === null ? `line ${line}` : fields.email.toLowerCase()
    const count = (seen.get(key) ?? 0) + 1
    seen.set(key, count)
    people.push({
      ...fields,
      id: count === 1 ? key : `${key}#${count}`,
      aliases: [...new Set(fields.aliases)].filter((alias) => alias !== key),
      raw: row.raw
    })
  }
  const [first, ...others] = problems
  if (first === undefined) return Either.right(people)
  const more = others.length === 0
    ? ""
    : ` (and ${others.length} more row${others.length === 1 ? "" : "s"} with problems)`
  return Either.left({ line: first.line, reason: `${first.reason}${more}` })
}

export const readRoster = (fileName: string, bytes: Uint8Array): RosterRead => {
  const sha256 = createHash("sha256").update(bytes).digest("hex")
  const table = parseCsv(decodeText(bytes).text)
  const format = Either.flatMap(
    table,
    (t) => Either.mapLeft(detectFormat(t.header), (reason): RosterProblem => ({ line: 1, reason }))
  )
  const people = Either.isLeft(table)
    ? Either.left(table.left)
    : Either.flatMap(format, (spec) => peopleOf(table.right.header, table.right.rows, spec))
  return {
    file: {
      id: "roster",
      file_name: fileName,
      sha256,
      format: Either.isRight(format) ? format.right.format : null,
      rows: Either.isRight(people) ? people.right.length : null,
      raw: {}
    },
    people
  }
}
