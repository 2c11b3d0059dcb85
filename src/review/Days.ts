/**
 * A day as a spreadsheet hands it back: a date cell, a serial number (days since 1899-12-30, when the cell's format
 * was lost), or text in ISO form or a locale's (31.03.2026, 3/31/2026, 31/03/26). Text like 4/3/2026 reads two ways;
 * every reading is returned, and the caller decides (a frozen fact must match one; a decision's date needs the
 * file's own day order, learnt from its unambiguous dates, or ISO form).
 */
import type { CellValue } from "./ReadReviewFile.js"

const pad = (n: number) => String(n).padStart(2, "0")

const validDay = (year: number, month: number, day: number): string | null => {
  if (month < 1 || month > 12 || day < 1 || day > 31) return null
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? `${year}-${pad(month)}-${pad(day)}` : null
}

/** Excel's day serial (the 1900 system, as every tool here writes) as a UTC day. */
export const serialDay = (serial: number): string | null =>
  serial >= 1 && serial < 2958466
    ? new Date(Math.round((Math.floor(serial) - 25569) * 86400000)).toISOString().slice(0, 10)
    : null

const fullYear = (y: string) => (y.length === 2 ? 2000 + Number(y) : Number(y))

export type DayOrder = "DMY" | "MDY"

export interface DayReading {
  readonly day: string
  /** How a slashed or dashed day-month text was read; null when only one reading exists. */
  readonly order: DayOrder | null
}

/** Every day the value can mean (none: not a day). */
export const dayReadings = (value: CellValue): ReadonlyArray<DayReading> => {
  if (value === null || typeof value === "boolean") return []
  if (value instanceof Date) return [{ day: value.toISOString().slice(0, 10), order: null }]
  if (typeof value === "number") {
    const day = serialDay(value)
    return day === null ? [] : [{ day, order: null }]
  }
  const text = value.trim()
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/.exec(text) ?? /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(text)
  if (m) {
    const day = validDay(Number(m[1]), Number(m[2]), Number(m[3]))
    return day === null ? [] : [{ day, order: null }]
  }
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$/.exec(text)
  if (m) {
    const day = validDay(fullYear(m[3]!), Number(m[2]), Number(m[1]))
    return day === null ? [] : [{ day, order: "DMY" }]
  }
  m = /^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})$/.exec(text)
  if (m) {
    const [a, b, year] = [Number(m[1]), Number(m[2]), fullYear(m[3]!)]
    const dmy = validDay(year, b, a)
    const mdy = validDay(year, a, b)
    if (dmy !== null && mdy !== null && dmy === mdy) return [{ day: dmy, order: null }]
    return [
      ...(dmy === null ? [] : [{ day: dmy, order: "DMY" as const }]),
      ...(mdy === null ? [] : [{ day: mdy, order: "MDY" as const }])
    ]
  }
  // A serial number as text (a CSV of a date cell whose format was lost).
  if (/^\d{5}(?:\.\d+)?$/.test(text)) {
    const day = serialDay(Number(text))
    return day === null ? [] : [{ day, order: null }]
  }
  return []
}
