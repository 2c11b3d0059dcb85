/**
 * DuckDB values to plain JSON-friendly JS values, the one conversion every reader of the store uses: integers as
 * numbers (as strings beyond 2^53), timestamps as ISO-8601 UTC strings in the API's own style, dates as YYYY-MM-DD,
 * lists as arrays, structs as objects, maps as objects keyed by their keys.
 */
import {
  DuckDBArrayValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue
} from "@duckdb/node-api"

/** `2026-04-15T09:00:00Z`, with milliseconds only when there are some, as the API writes its timestamps. */
export const isoFromMillis = (ms: number): string => {
  const iso = new Date(ms).toISOString()
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso
}

export const toJsValue = (value: DuckDBValue): unknown => {
  if (value === null) return null
  switch (typeof value) {
    case "string":
    case "boolean":
    case "number":
      return value
    case "bigint":
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value.toString()
  }
  if (value instanceof DuckDBTimestampTZValue || value instanceof DuckDBTimestampValue) {
    return value.isFinite ? isoFromMillis(Number(value.micros / 1000n)) : value.toString()
  }
  if (value instanceof DuckDBDateValue) return value.toString()
  if (value instanceof DuckDBDecimalValue) return value.toDouble()
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) return value.items.map(toJsValue)
  if (value instanceof DuckDBStructValue) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value.entries)) out[key] = toJsValue(item)
    return out
  }
  if (value instanceof DuckDBMapValue) {
    const out: Record<string, unknown> = {}
    for (const entry of value.entries) out[String(toJsValue(entry.key))] = toJsValue(entry.value)
    return out
  }
  return value.toString()
}
