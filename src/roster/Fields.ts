/**
 * What every export format shares once its header is known: cells looked up by column (under any of the names an
 * export gives the column), dates in the forms exports write them, addresses checked strictly, and the person's
 * fields every format maps into.
 */
import { Either } from "effect"
import type { PersonStatus, RosterFormat } from "../snapshot/Records.js"
import { emailProblem, parseEmail } from "./Email.js"

/**
 * A header cell as a lookup key: lower case, letters and digits only, Google's `[Required]` / `[READ ONLY]` tags
 * dropped, so that `Email Address [Required]`, `emailAddress` and `email_address` are one column.
 */
export const columnKey = (header: string): string =>
  header.replace(/\[[^\]]*\]/g, "").toLowerCase().replace(/[^a-z0-9]/g, "")

export interface RosterRow {
  /** The line of the file the row starts on. */
  readonly line: number
  /** The first non-empty cell among these columns (keys as `columnKey` makes them), trimmed; null if none. */
  readonly get: (...keys: ReadonlyArray<string>) => string | null
  /** The row as read: header to cell (empty cells left out). */
  readonly raw: Readonly<Record<string, string>>
}

export const makeRow = (header: ReadonlyArray<string>, line: number, cells: ReadonlyArray<string>): RosterRow => {
  const byKey = new Map<string, string>()
  const raw: Record<string, string> = {}
  header.forEach((name, i) => {
    const cell = cells[i] ?? ""
    const key = columnKey(name)
    if (!byKey.has(key) || byKey.get(key)!.trim() === "") byKey.set(key, cell)
    if (name !== "" && cell !== "") raw[name] = cell
  })
  return {
    line,
    raw,
    get: (...keys) => {
      for (const key of keys) {
        const value = byKey.get(key)?.trim()
        if (value !== undefined && value !== "") return value
      }
      return null
    }
  }
}

/** What a format reads out of one row. */
export interface PersonFields {
  readonly email: string | null
  readonly aliases: ReadonlyArray<string>
  readonly name: string | null
  readonly status: PersonStatus
  readonly status_raw: string | null
  readonly terminated_on: string | null
  readonly manager: string | null
  readonly department: string | null
}

export interface FormatSpec {
  readonly format: RosterFormat
  /** For messages and docs: "Okta user export". */
  readonly label: string
  /** The columns that identify it, as the error for an unknown header lists them. */
  readonly requires: string
  /** Whether a header (by its column keys) is this format's. */
  readonly detect: (has: (key: string) => boolean) => boolean
  /** One data row as a person, or why it cannot be one. */
  readonly read: (row: RosterRow) => Either.Either<PersonFields, string>
}

const pad = (n: number) => String(n).padStart(2, "0")

const isoDate = (year: number, month: number, day: number): string | null => {
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
    ? `${year}-${pad(month)}-${pad(day)}`
    : null
}

/**
 * A date as exports write it: YYYY-MM-DD (an ISO time keeps its date as written), MM/DD/YYYY (US order, as
 * BambooHR and US Excel write it), or DD.MM.YYYY. Empty, and BambooHR's `0000-00-00`, are no date.
 */
export const parseDate = (text: string | null, column: string): Either.Either<string | null, string> => {
  if (text === null || text === "" || /^0000-00-00/.test(text)) return Either.right(null)
  let parts = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(text)
  let date = parts ? isoDate(Number(parts[1]), Number(parts[2]), Number(parts[3])) : null
  if (parts === null && (parts = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text))) {
    date = isoDate(Number(parts[3]), Number(parts[1]), Number(parts[2]))
  } else if (parts === null && (parts = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text))) {
    date = isoDate(Number(parts[3]), Number(parts[2]), Number(parts[1]))
  }
  return date === null
    ? Either.left(`${column} "${text}" is not a date (YYYY-MM-DD, MM/DD/YYYY or DD.MM.YYYY)`)
    : Either.right(date)
}

/** An address cell, checked: empty is none; a malformed one is the row's problem. */
export const parseAddress = (text: string | null, column: string): Either.Either<string | null, string> => {
  if (text === null) return Either.right(null)
  return parseEmail(text) === null
    ? Either.left(`${column} "${text}" is not an email address: ${emailProblem(text)}`)
    : Either.right(text)
}

/** Several addresses in one cell (separated by commas, semicolons or spaces), each checked, lower-cased. */
export const parseAddresses = (
  texts: ReadonlyArray<string | null>,
  column: string
): Either.Either<ReadonlyArray<string>, string> =>
  Either.map(
    Either.all(
      texts.flatMap((text) => (text === null ? [] : text.split(/[\s,;|]+/).filter((a) => a !== "")))
        .map((address) => parseAddress(address, column))
    ),
    (addresses) => addresses.filter((a): a is string => a !== null).map((a) => a.trim().toLowerCase())
  )

/** "First" and "Last" as one name; null when both are empty. */
export const fullName = (first: string | null, last: string | null): string | null =>
  [first, last].filter((part) => part !== null).join(" ") || null

/** A status word not in a format's vocabulary is the row's problem: guessing would hide a leaver. */
export const unknownStatus = (column: string, value: string | null, known: string) =>
  value === null ? `${column} is empty (expected ${known})` : `${column} "${value}" is not one of ${known}`
