/**
 * Pages of a filter endpoint (and its count): keyed cursors bound to the query, robust to deletions like the GET
 * lists. When the order is the list's own, a page is found by walking the list from the cursor, so reading 50,000
 * members through the filter endpoint is as cheap as through GET.
 */
import type { Keyed } from "../Ordered.js"
import { position } from "../Ordered.js"
import { ApiError, type Context, type Json } from "./Context.js"
import { compareKeys, type FilterRequest, keyOf, parseFilter, test } from "./FilterLanguage.js"
import { encode, envelope, readCursor } from "./Pagination.js"

/** What a filter endpoint filters: a list in (created_at, id) order and its renderers. */
export interface FilterSource<A extends Keyed> {
  readonly items: ReadonlyArray<A>
  /** The first visible index (event retention). */
  readonly from?: number
  /** The resource's real fields (conditions are tested on them, not on what a fault leaves of them). */
  readonly bare: (a: A) => Json
  /** The same object as the API shows it. */
  readonly dress: (json: Json) => Json
}

/** The rows of a filter request from its cursor on, at most `limit + 1` (to know `has_more` exactly). */
const filterRows = <A extends Keyed>(ctx: Context, scope: string, request: FilterRequest, source: FilterSource<A>) => {
  const { items } = source
  const from = source.from ?? 0
  const n = request.limit + 1
  let cursorKey: Array<number | string | null> | null = null
  if (request.after !== null) {
    const c = readCursor(request.after, scope, ctx.cursorTtlMs)
    if (c["q"] !== request.hash) throw new ApiError(400, "invalid_cursor", "The cursor belongs to another query")
    cursorKey = c["k"] as Array<number | string | null>
    if (cursorKey.length !== request.order.length) throw new ApiError(400, "invalid_cursor", "The cursor is not valid")
  }
  const rows: Array<Json> = []
  const matches = (item: A): Json | undefined => {
    const json = source.bare(item)
    return request.conditions.every((c) => test(json, c)) ? json : undefined
  }
  if (request.natural) {
    // The list is kept in this order already: walk it from the cursor, and stop once the page is full.
    const desc = request.order[0]!.desc
    const created = cursorKey === null ? null : (cursorKey[cursorKey.length - 2] as number)
    const id = cursorKey === null ? null : String(cursorKey[cursorKey.length - 1])
    if (!desc) {
      for (
        let i = created === null ? from : Math.max(from, position(items, created, id!, false));
        i < items.length && rows.length < n;
        i++
      ) {
        const json = matches(items[i]!)
        if (json) rows.push(json)
      }
    } else {
      for (
        let i = (created === null ? items.length : position(items, created, id!, true)) - 1;
        i >= from && rows.length < n;
        i--
      ) {
        const json = matches(items[i]!)
        if (json) rows.push(json)
      }
    }
    return rows
  }
  // Any other order: filter everything, sort, and start after the cursor's key.
  const all: Array<{ json: Json; key: Array<number | string | null> }> = []
  for (let i = from; i < items.length; i++) {
    const json = matches(items[i]!)
    if (json) all.push({ json, key: keyOf(request.order, json) })
  }
  all.sort((a, b) => compareKeys(request.order, a.key, b.key))
  let start = 0
  if (cursorKey !== null) {
    while (start < all.length && compareKeys(request.order, all[start]!.key, cursorKey) <= 0) start++
  }
  return all.slice(start, start + n).map((r) => r.json)
}

/** POST .../filter: the filter body, keyed cursors bound to the query (robust to deletions, like the GET lists). */
export const filterPage = <A extends Keyed>(ctx: Context, scope: string, source: FilterSource<A>) => {
  const request = parseFilter(ctx.body)
  const rows = filterRows(ctx, scope, request, source)
  const page = rows.slice(0, request.limit)
  const last = page[page.length - 1]
  const next = rows.length > request.limit && last
    ? encode({ s: scope, q: request.hash, k: keyOf(request.order, last), t: Date.now() })
    : null
  return envelope(page.map(source.dress), next)
}

/** POST /events/count (DOC endpoint; the `{"count": n}` shape is INFERRED in the reference). */
export const countOf = <A extends Keyed>(ctx: Context, source: FilterSource<A>) => {
  const request = parseFilter({
    ...(ctx.body as Json | undefined),
    limit: undefined,
    after: undefined,
    sort: undefined
  })
  let count = 0
  for (let i = source.from ?? 0; i < source.items.length; i++) {
    const json = source.bare(source.items[i]!)
    if (request.conditions.every((c) => test(json, c))) count++
  }
  return { count }
}
