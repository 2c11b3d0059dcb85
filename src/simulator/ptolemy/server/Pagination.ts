/**
 * Cursor pagination (reference section 7): `limit` 1..200 (default 50), `after` the previous page's cursor, the
 * `{data, meta: {next_cursor, has_more}}` envelope. A cursor holds its list, the last item's key and when it was
 * made; an unknown, foreign or expired one is `400 invalid_cursor`.
 */
import type { Keyed } from "../Ordered.js"
import { position } from "../Ordered.js"
import { ApiError, type Context, type Json } from "./Context.js"

const DEFAULT_LIMIT = 50
const MAX_LIMIT = 200

export const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64")

export const limitOf = (raw: unknown): number => {
  if (raw === undefined || raw === null || raw === "") return DEFAULT_LIMIT
  const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw new ApiError(400, "invalid_parameter", `limit must be an integer from 1 to ${MAX_LIMIT}`)
  }
  return n
}

export const envelope = (data: Array<unknown>, next: string | null) => ({
  data,
  meta: { next_cursor: next, has_more: next !== null }
})

/** Cursors carry their list (scope), their position and when they were made; anything else is invalid_cursor. */
export const readCursor = (cursor: string, scope: string, ttl: number): Json => {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(cursor, "base64").toString("utf8"))
  } catch {
    throw new ApiError(400, "invalid_cursor", "The cursor is not valid")
  }
  const c = value as { s?: unknown; t?: unknown; k?: unknown }
  if (typeof c !== "object" || c === null || c.s !== scope || typeof c.t !== "number" || !Array.isArray(c.k)) {
    throw new ApiError(400, "invalid_cursor", "The cursor is not valid for this list")
  }
  if (Date.now() - c.t > ttl) {
    throw new ApiError(400, "invalid_cursor", "The cursor has expired; start again from the first page")
  }
  return value as Json
}

/**
 * A GET list, already in (created_at, id) order: the cursor holds the last item's key, so a page costs a binary
 * search and a slice, and deletions between pages skip no one. `from` hides a prefix (event retention).
 */
export const keyPage = <A extends Keyed>(
  ctx: Context,
  scope: string,
  list: ReadonlyArray<A>,
  render: (a: A) => unknown,
  from = 0
) => {
  const limit = limitOf(ctx.query.get("limit"))
  let start = from
  const after = ctx.query.get("after")
  if (after !== null && after !== "") {
    const [created, id] = readCursor(after, scope, ctx.cursorTtlMs)["k"] as [unknown, unknown]
    if (typeof created !== "number" || typeof id !== "string") {
      throw new ApiError(400, "invalid_cursor", "The cursor is not valid")
    }
    start = Math.max(from, position(list, created, id, false))
  }
  const page = list.slice(start, start + limit)
  const last = page[page.length - 1]
  const more = start + limit < list.length
  return envelope(
    page.map(render),
    more && last ? encode({ s: scope, k: [last.created_at, last.id], t: Date.now() }) : null
  )
}
