/**
 * The filter language (reference section 8): `{filter, sort, limit, after}` bodies, conditions `{field, op, value}`
 * nested in `and` / `or` groups on any field of the section 13 shape (dotted paths reach nested ones), top-level
 * `eq` shortcuts, and sorts made a total order.
 */
import { createHash } from "node:crypto"
import { ApiError, type Json } from "./Context.js"
import { limitOf } from "./Pagination.js"

export const fieldOf = (item: Json, field: string): unknown =>
  field.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Json)[k] : undefined), item)

/** Numbers, booleans as 0/1, ISO times as epoch ms, other strings as they are; anything else is null. */
export const comparable = (v: unknown): number | string | null => {
  if (typeof v === "number") return v
  if (typeof v === "boolean") return v ? 1 : 0
  if (typeof v === "string") {
    const t = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : Number.NaN
    return Number.isNaN(t) ? v : t
  }
  return null
}

/** Sort order of comparable values: numbers before strings, nulls last. */
export const compare = (a: number | string | null, b: number | string | null): number => {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1
  return a < b ? -1 : 1
}

export const test = (item: Json, condition: unknown): boolean => {
  if (typeof condition !== "object" || condition === null || Array.isArray(condition)) {
    throw new ApiError(400, "invalid_parameter", "A filter condition must be an object")
  }
  const c = condition as Json
  if (c["and"] !== undefined || c["or"] !== undefined) {
    // A group: every `and` condition and, when there is an `or` list, at least one of it.
    for (const key of ["and", "or"]) {
      if (c[key] !== undefined && !Array.isArray(c[key])) {
        throw new ApiError(400, "invalid_parameter", `${key} must be a list`)
      }
    }
    const and = (c["and"] ?? []) as Array<unknown>
    const or = c["or"] as Array<unknown> | undefined
    return and.every((x) => test(item, x)) && (or === undefined || or.some((x) => test(item, x)))
  }
  if (typeof c["field"] !== "string" || typeof c["op"] !== "string") {
    throw new ApiError(400, "invalid_parameter", "A filter condition needs field and op")
  }
  const actual = fieldOf(item, c["field"])
  const value = c["value"]
  switch (c["op"]) {
    case "eq":
      return actual === value
    case "ne":
      return actual !== value
    case "in":
    case "not_in": {
      if (!Array.isArray(value)) throw new ApiError(400, "invalid_parameter", `${c["op"]} needs an array`)
      return value.includes(actual) === (c["op"] === "in")
    }
    case "lt":
    case "lte":
    case "gt":
    case "gte": {
      const a = comparable(actual)
      const b = comparable(value)
      if (b === null) throw new ApiError(400, "invalid_parameter", `${c["op"]} needs a number or an ISO-8601 time`)
      if (a === null || typeof a !== typeof b) return false
      return c["op"] === "lt" ? a < b : c["op"] === "lte" ? a <= b : c["op"] === "gt" ? a > b : a >= b
    }
    case "like":
      return typeof actual === "string" && typeof value === "string" &&
        actual.toLowerCase().includes(value.toLowerCase())
    case "is_null":
      return (actual === null || actual === undefined) === (value === true)
    default:
      throw new ApiError(400, "invalid_parameter", `Unknown operator ${String(c["op"])}`)
  }
}

const RESERVED = new Set(["filter", "sort", "limit", "after"])

export interface Sort {
  readonly field: string
  readonly desc: boolean
}

export interface FilterRequest {
  readonly conditions: ReadonlyArray<unknown>
  /** The sort asked for, then (created_at, id) in the direction of the first key: a total order. */
  readonly order: ReadonlyArray<Sort>
  /** True when the order is the list's own order or its reverse: pages are found by scanning, not sorting. */
  readonly natural: boolean
  readonly limit: number
  readonly after: string | null
  /** Binds cursors to the query they were made for. */
  readonly hash: string
}

export const parseFilter = (body: unknown): FilterRequest => {
  const b = (body ?? {}) as Json
  if (typeof b !== "object" || Array.isArray(b)) {
    throw new ApiError(400, "invalid_parameter", "The body must be a JSON object")
  }
  const conditions: Array<unknown> = []
  if (b["filter"] !== undefined) conditions.push(b["filter"])
  // Top-level shortcuts (DOC): {"role": "admin"} is {"field": "role", "op": "eq", "value": "admin"}.
  for (const [key, value] of Object.entries(b)) if (!RESERVED.has(key)) conditions.push({ field: key, op: "eq", value })
  const rawSort = b["sort"] === undefined ? [] : Array.isArray(b["sort"]) ? b["sort"] : [b["sort"]]
  const sort: Array<Sort> = rawSort.map((s: unknown) => {
    const x = (s ?? {}) as Json
    const direction = x["direction"] === undefined ? "asc" : String(x["direction"]).toLowerCase()
    if (typeof x["field"] !== "string" || (direction !== "asc" && direction !== "desc")) {
      throw new ApiError(400, "invalid_parameter", "sort items are {field, direction: asc|desc}")
    }
    return { field: x["field"], desc: direction === "desc" }
  })
  const desc = sort[0]?.desc ?? false
  const natural = sort.length === 0 || (sort.length === 1 && sort[0]!.field === "created_at")
  const after = typeof b["after"] === "string" && b["after"] !== "" ? b["after"] : null
  if (b["after"] !== undefined && b["after"] !== null && typeof b["after"] !== "string") {
    throw new ApiError(400, "invalid_cursor", "after must be a cursor string")
  }
  return {
    conditions,
    order: [...sort, { field: "created_at", desc }, { field: "id", desc }],
    natural,
    limit: limitOf(b["limit"]),
    after,
    hash: createHash("sha1").update(
      JSON.stringify({ filter: b["filter"] ?? null, sort, rest: conditions.slice(b["filter"] === undefined ? 0 : 1) })
    ).digest("hex")
  }
}

export const keyOf = (order: ReadonlyArray<Sort>, item: Json): Array<number | string | null> =>
  order.map((s) => comparable(fieldOf(item, s.field)))

export const compareKeys = (
  order: ReadonlyArray<Sort>,
  a: ReadonlyArray<number | string | null>,
  b: ReadonlyArray<number | string | null>
): number => {
  for (let i = 0; i < order.length; i++) {
    const c = compare(a[i] ?? null, b[i] ?? null)
    if (c !== 0) return order[i]!.desc ? -c : c
  }
  return 0
}
