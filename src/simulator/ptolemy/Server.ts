/**
 * The HTTP face of the simulated API (reference sections 3 to 10 and 13): bearer-token auth with roles, the
 * Workspaces & Members read endpoints, plan, events and webhooks, cursor pagination, the filter language, metering
 * with `X-RateLimit-Remaining` on every response, quota exhaustion, burst throttling, and injected faults.
 */
import { createHash } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { EndpointName, FaultEngine } from "./Faults.js"
import { type AccessEvent, type Keyed, type Membership, position, type Token, type Webhook, type World, type WorkspaceState } from "./World.js"

export interface Principal {
  readonly workspaceId: string
  readonly kind: "admin" | "robot"
  /** Set when a fault revoked it. */
  readonly revoked?: boolean
}

export interface RequestRecord {
  readonly method: string
  readonly path: string
  readonly query: string
  /** 0 when no answer was sent (dropped or hanging). */
  readonly status: number
  readonly authorization: string | undefined
  readonly body?: unknown
}

export interface ServerOptions {
  readonly world: World
  readonly faults: FaultEngine
  /** Plaintext admin-principal tokens (robot tokens are looked up in the world). */
  readonly principals: Map<string, Principal>
  readonly cursorTtlMs: number
  readonly maxInFlight: number
  readonly record: (record: RequestRecord) => void
  readonly onInFlight: (count: number) => void
}

class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message)
  }
}

const DEFAULT_LIMIT = 50
const MAX_LIMIT = 200

/** Endpoints that need Admin (DOC): robot tokens, which are Viewer or Member, get 403 there. */
const adminOnly = new Set<EndpointName>(["memberships", "robots", "tokens", "invitations"])

type Json = Record<string, unknown>

interface Context {
  readonly ws: WorkspaceState
  readonly world: World
  readonly query: URLSearchParams
  readonly body: unknown
  readonly params: ReadonlyArray<string>
  readonly cursorTtlMs: number
}

// -- pagination (section 7) ---------------------------------------------------------------------------------

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64")

const limitOf = (raw: unknown): number => {
  if (raw === undefined || raw === null || raw === "") return DEFAULT_LIMIT
  const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw new ApiError(400, "invalid_parameter", `limit must be an integer from 1 to ${MAX_LIMIT}`)
  }
  return n
}

const envelope = (data: Array<unknown>, next: string | null) => ({ data, meta: { next_cursor: next, has_more: next !== null } })

/** Cursors carry their list (scope), their position and when they were made; anything else is invalid_cursor. */
const readCursor = (cursor: string, scope: string, ttl: number): Json => {
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
  if (Date.now() - c.t > ttl) throw new ApiError(400, "invalid_cursor", "The cursor has expired; start again from the first page")
  return value as Json
}

/**
 * A GET list, already in (created_at, id) order: the cursor holds the last item's key, so a page costs a binary
 * search and a slice, and deletions between pages skip no one. `from` hides a prefix (event retention).
 */
const keyPage = <A extends Keyed>(ctx: Context, scope: string, list: ReadonlyArray<A>, render: (a: A) => unknown, from = 0) => {
  const limit = limitOf(ctx.query.get("limit"))
  let start = from
  const after = ctx.query.get("after")
  if (after !== null && after !== "") {
    const [created, id] = readCursor(after, scope, ctx.cursorTtlMs)["k"] as [unknown, unknown]
    if (typeof created !== "number" || typeof id !== "string") throw new ApiError(400, "invalid_cursor", "The cursor is not valid")
    start = Math.max(from, position(list, created, id, false))
  }
  const page = list.slice(start, start + limit)
  const last = page[page.length - 1]
  const more = start + limit < list.length
  return envelope(page.map(render), more && last ? encode({ s: scope, k: [last.created_at, last.id], t: Date.now() }) : null)
}

// -- the filter language (section 8) ------------------------------------------------------------------------

const fieldOf = (item: Json, field: string): unknown =>
  field.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Json)[k] : undefined), item)

/** Numbers, booleans as 0/1, ISO times as epoch ms, other strings as they are; anything else is null. */
const comparable = (v: unknown): number | string | null => {
  if (typeof v === "number") return v
  if (typeof v === "boolean") return v ? 1 : 0
  if (typeof v === "string") {
    const t = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : Number.NaN
    return Number.isNaN(t) ? v : t
  }
  return null
}

/** Sort order of comparable values: numbers before strings, nulls last. */
const compare = (a: number | string | null, b: number | string | null): number => {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1
  return a < b ? -1 : 1
}

const test = (item: Json, condition: unknown): boolean => {
  if (typeof condition !== "object" || condition === null || Array.isArray(condition)) {
    throw new ApiError(400, "invalid_parameter", "A filter condition must be an object")
  }
  const c = condition as Json
  if (c["and"] !== undefined || c["or"] !== undefined) {
    // A group: every `and` condition and, when there is an `or` list, at least one of it.
    for (const key of ["and", "or"]) {
      if (c[key] !== undefined && !Array.isArray(c[key])) throw new ApiError(400, "invalid_parameter", `${key} must be a list`)
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
      return typeof actual === "string" && typeof value === "string" && actual.toLowerCase().includes(value.toLowerCase())
    case "is_null":
      return (actual === null || actual === undefined) === (value === true)
    default:
      throw new ApiError(400, "invalid_parameter", `Unknown operator ${String(c["op"])}`)
  }
}

const RESERVED = new Set(["filter", "sort", "limit", "after"])

interface Sort {
  readonly field: string
  readonly desc: boolean
}

interface FilterRequest {
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

const parseFilter = (body: unknown): FilterRequest => {
  const b = (body ?? {}) as Json
  if (typeof b !== "object" || Array.isArray(b)) throw new ApiError(400, "invalid_parameter", "The body must be a JSON object")
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
    hash: createHash("sha1").update(JSON.stringify({ filter: b["filter"] ?? null, sort, rest: conditions.slice(b["filter"] === undefined ? 0 : 1) })).digest("hex")
  }
}

const keyOf = (order: ReadonlyArray<Sort>, item: Json): Array<number | string | null> => order.map((s) => comparable(fieldOf(item, s.field)))

const compareKeys = (order: ReadonlyArray<Sort>, a: ReadonlyArray<number | string | null>, b: ReadonlyArray<number | string | null>): number => {
  for (let i = 0; i < order.length; i++) {
    const c = compare(a[i] ?? null, b[i] ?? null)
    if (c !== 0) return order[i]!.desc ? -c : c
  }
  return 0
}

/** What a filter endpoint filters: a list in (created_at, id) order and its renderers. */
interface FilterSource<A extends Keyed> {
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
      for (let i = created === null ? from : Math.max(from, position(items, created, id!, false)); i < items.length && rows.length < n; i++) {
        const json = matches(items[i]!)
        if (json) rows.push(json)
      }
    } else {
      for (let i = (created === null ? items.length : position(items, created, id!, true)) - 1; i >= from && rows.length < n; i--) {
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
  if (cursorKey !== null) while (start < all.length && compareKeys(request.order, all[start]!.key, cursorKey) <= 0) start++
  return all.slice(start, start + n).map((r) => r.json)
}

/** POST .../filter: the filter body, keyed cursors bound to the query (robust to deletions, like the GET lists). */
const filterPage = <A extends Keyed>(ctx: Context, scope: string, source: FilterSource<A>) => {
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
const countOf = <A extends Keyed>(ctx: Context, source: FilterSource<A>) => {
  const request = parseFilter({ ...(ctx.body as Json | undefined), limit: undefined, after: undefined, sort: undefined })
  let count = 0
  for (let i = source.from ?? 0; i < source.items.length; i++) {
    const json = source.bare(source.items[i]!)
    if (request.conditions.every((c) => test(json, c))) count++
  }
  return { count }
}

// -- routes ---------------------------------------------------------------------------------------------------

const one = <A>(value: A | undefined, what: string): A => {
  if (value === undefined) throw new ApiError(404, "not_found", `No ${what} with that id`)
  return value
}

type Handler = (ctx: Context) => unknown

interface RouteDef {
  /** Segments relative to the workspace; ":x" is a parameter. */
  readonly path: ReadonlyArray<string>
  readonly endpoint: EndpointName
  readonly GET?: Handler
  readonly POST?: Handler
  /** Documented write methods, which the simulator does not serve (405: the audit only reads). */
  readonly writes?: ReadonlyArray<string>
}

const sources = {
  memberships: (ctx: Context): FilterSource<Membership> => ({
    items: ctx.ws.memberships.items,
    bare: (m) => ctx.world.membershipJson(m, false),
    dress: (json) => ctx.world.present("membership", json)
  }),
  events: (ctx: Context): FilterSource<AccessEvent> => ({
    items: ctx.ws.events.items,
    from: ctx.world.retainedFrom(ctx.ws),
    bare: (e) => ctx.world.eventJson(e, false),
    dress: (json) => ctx.world.present("event", json)
  }),
  webhooks: (ctx: Context): FilterSource<Webhook> => ({
    items: ctx.ws.webhooks.items,
    bare: (w) => ctx.world.webhookJson(w, false),
    dress: (json) => ctx.world.present("webhook", json)
  })
}

/** Cursor scopes name the workspace and the list, so a cursor is only good where it was made. */
const scope = (ctx: Context, name: string) => `${ctx.ws.id}/${name}`

const routes: ReadonlyArray<RouteDef> = [
  { path: [], endpoint: "workspace", GET: (ctx) => ctx.world.workspaceJsonOf(ctx.ws) },
  {
    path: ["memberships"],
    endpoint: "memberships",
    GET: (ctx) => keyPage(ctx, scope(ctx, "memberships"), ctx.ws.memberships.items, (m) => ctx.world.membershipJson(m))
  },
  { path: ["memberships", "filter"], endpoint: "memberships", POST: (ctx) => filterPage(ctx, scope(ctx, "memberships/filter"), sources.memberships(ctx)) },
  {
    path: ["memberships", "robots"],
    endpoint: "robots",
    GET: (ctx) => keyPage(ctx, scope(ctx, "robots"), ctx.ws.robots.items, (r) => ctx.world.robotJson(r)),
    writes: ["POST"]
  },
  {
    path: ["memberships", "robots", ":userId"],
    endpoint: "robots",
    GET: (ctx) => ctx.world.robotJson(one(ctx.ws.robots.get(ctx.params[0]!), "robot"))
  },
  {
    path: ["memberships", "robots", ":userId", "tokens"],
    endpoint: "tokens",
    GET: (ctx) => {
      const id = ctx.params[0]!
      const list = one(ctx.ws.tokens.get(id), "robot")
      return keyPage(ctx, scope(ctx, `tokens/${id}`), list.items, (t: Token) => ctx.world.tokenJson(t))
    },
    writes: ["POST"]
  },
  { path: ["memberships", "robots", ":userId", "tokens", ":tokenId"], endpoint: "tokens", writes: ["DELETE"] },
  {
    path: ["memberships", ":membershipId"],
    endpoint: "memberships",
    GET: (ctx) => ctx.world.membershipJson(one(ctx.ws.memberships.get(ctx.params[0]!), "membership")),
    writes: ["PATCH", "DELETE"]
  },
  {
    path: ["invitations"],
    endpoint: "invitations",
    GET: (ctx) => keyPage(ctx, scope(ctx, "invitations"), ctx.ws.invitations.items, (i) => ctx.world.invitationJson(i)),
    writes: ["POST"]
  },
  {
    path: ["invitations", ":invitationId"],
    endpoint: "invitations",
    GET: (ctx) => ctx.world.invitationJson(one(ctx.ws.invitations.get(ctx.params[0]!), "invitation")),
    writes: ["DELETE"]
  },
  { path: ["plan"], endpoint: "plan", GET: (ctx) => ctx.world.planJsonOf(ctx.ws) },
  {
    path: ["events"],
    endpoint: "events",
    GET: (ctx) => keyPage(ctx, scope(ctx, "events"), ctx.ws.events.items, (e) => ctx.world.eventJson(e), ctx.world.retainedFrom(ctx.ws))
  },
  { path: ["events", "filter"], endpoint: "events", POST: (ctx) => filterPage(ctx, scope(ctx, "events/filter"), sources.events(ctx)) },
  { path: ["events", "count"], endpoint: "events", POST: (ctx) => countOf(ctx, sources.events(ctx)) },
  {
    path: ["events", ":eventId"],
    endpoint: "events",
    GET: (ctx) => ctx.world.eventJson(one(ctx.world.retainedEvent(ctx.ws, ctx.params[0]!), "event"))
  },
  {
    path: ["webhooks"],
    endpoint: "webhooks",
    GET: (ctx) => keyPage(ctx, scope(ctx, "webhooks"), ctx.ws.webhooks.items, (w) => ctx.world.webhookJson(w)),
    writes: ["POST"]
  },
  { path: ["webhooks", "filter"], endpoint: "webhooks", POST: (ctx) => filterPage(ctx, scope(ctx, "webhooks/filter"), sources.webhooks(ctx)) },
  {
    path: ["webhooks", ":webhookId"],
    endpoint: "webhooks",
    GET: (ctx) => ctx.world.webhookJson(one(ctx.ws.webhooks.get(ctx.params[0]!), "webhook")),
    writes: ["PATCH", "DELETE"]
  },
  { path: ["webhooks", ":webhookId", "rotate-secret"], endpoint: "webhooks", writes: ["POST"] },
  {
    path: ["webhooks", ":webhookId", "subscriptions"],
    endpoint: "subscriptions",
    GET: (ctx) => {
      const id = ctx.params[0]!
      const hook = one(ctx.ws.webhooks.get(id), "webhook")
      // Subscriptions have no timestamp of their own: they are listed in the order they were added (a key a second
      // apart each, since list keys compare whole seconds).
      const subs = hook.subscriptions.map((s, i) => ({ ...s, created_at: hook.created_at + i * 1000 }))
      return keyPage(ctx, scope(ctx, `subscriptions/${id}`), subs, (s) => ctx.world.subscriptionJson(s))
    },
    writes: ["POST", "PUT"]
  },
  { path: ["webhooks", ":webhookId", "subscriptions", ":subscriptionId"], endpoint: "subscriptions", writes: ["DELETE"] }
]

/** The first route whose literal segments match (literals are listed before parameters where both could match). */
const resolve = (rel: string): { route: RouteDef; params: Array<string> } | null => {
  let parts: Array<string>
  try {
    parts = rel.split("/").filter((p) => p !== "").map(decodeURIComponent)
  } catch {
    return null
  }
  for (const route of routes) {
    if (route.path.length !== parts.length) continue
    const params: Array<string> = []
    if (route.path.every((seg, i) => (seg.startsWith(":") ? (params.push(parts[i]!), true) : seg === parts[i]))) return { route, params }
  }
  return null
}

const served = (route: RouteDef): Array<string> => [...(route.GET ? ["GET"] : []), ...(route.POST ? ["POST"] : [])]

// -- the server -----------------------------------------------------------------------------------------------

const BEARER = /^Bearer (ptk_live_[0-9a-f]{64})$/

/** Default error codes for scripted `{status}` faults (section 13 codes where one fits). */
const codeFor = (status: number): string =>
  ({ 400: "invalid_parameter", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict", 422: "validation_error", 429: "rate_limited" } as Record<number, string>)[status] ??
    (status >= 500 ? "internal_error" : "error")

export const createPtolemyServer = (options: ServerOptions): Server => {
  const { faults, principals, world } = options
  const inFlight = new Map<string, number>()
  let total = 0

  /** Who a token stands for, if it is valid now (missing, malformed, unknown, revoked and expired: null, DOC). */
  const authenticate = (header: string | undefined) => {
    const match = header === undefined ? null : BEARER.exec(header)
    if (match === null) return null
    const token = match[1]!
    const admin = principals.get(token)
    if (admin !== undefined) return admin.revoked ? null : { token, workspaceId: admin.workspaceId, robot: null }
    const found = world.findToken(token)
    return found !== undefined && world.tokenStatus(found.token) === "active"
      ? { token, workspaceId: found.ws.id, robot: { id: found.robotId, token: found.token } }
      : null
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://simulator")
    const method = (req.method ?? "GET").toUpperCase()
    const chunks: Array<Buffer> = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString("utf8")
    // Parsed up front for the request log; a bad body is refused once the caller is known.
    let body: unknown
    let badBody = false
    if (text !== "") {
      try {
        body = JSON.parse(text)
      } catch {
        badBody = true
      }
    }
    const match = /^\/v1\/workspaces\/([^/]+)(\/.*)?$/.exec(url.pathname)
    let wsRef: string | undefined
    try {
      wsRef = match ? decodeURIComponent(match[1]!) : undefined
    } catch {
      wsRef = undefined
    }
    const ws = wsRef === undefined ? undefined : world.workspaces.find((w) => w.id === wsRef || w.slug === wsRef)
    const rel = match?.[2] ?? "/"
    // Every request to a workspace is one API call, whatever its answer (DOC). A request that arrives when the
    // quota is already spent (overage off) is refused below.
    const overQuota = ws !== undefined && world.quotaExhausted(ws)
    if (ws) world.meter(ws)
    const auth = authenticate(req.headers.authorization)
    const remaining = () => {
      const metered = ws ?? world.workspaces.find((w) => w.id === auth?.workspaceId)
      return metered ? world.remaining(metered) : 0
    }
    let status = 0
    const finish = (code: number, payload: unknown, headers: Record<string, string> = {}, raw?: string) => {
      status = code
      res.writeHead(code, { "content-type": "application/json", "x-ratelimit-remaining": String(remaining()), ...headers })
      res.end(raw ?? JSON.stringify(payload))
    }
    const fail = (e: ApiError) => finish(e.status, { error: { code: e.code, message: e.message } }, e.headers)
    const hasCursor = Boolean(url.searchParams.get("after")) ||
      (typeof body === "object" && body !== null && typeof (body as Json)["after"] === "string" && (body as Json)["after"] !== "")
    const decision = faults.decide(method, rel, url.searchParams.toString(), hasCursor)

    // Burst throttle: a request that arrives while its token already has `maxInFlight` requests in progress is
    // refused (and takes no slot); the others are served.
    const tokenKey = auth?.token ?? "anonymous"
    const before = inFlight.get(tokenKey) ?? 0
    const throttled = before >= options.maxInFlight
    if (!throttled) inFlight.set(tokenKey, before + 1)
    options.onInFlight(++total)
    let settled = false
    const settle = () => {
      if (settled) return
      settled = true
      if (!throttled) inFlight.set(tokenKey, (inFlight.get(tokenKey) ?? 1) - 1)
      total--
      options.record({
        method,
        path: url.pathname,
        query: url.search.replace(/^\?/, ""),
        status,
        authorization: req.headers.authorization,
        ...(body === undefined ? {} : { body })
      })
    }
    res.on("close", settle)
    try {
      if (decision.latency > 0) await new Promise((r) => setTimeout(r, decision.latency))
      if (decision.action === "hang") return // never answers; the socket closes with the client or the server
      if (decision.action === "drop") {
        req.socket.destroy()
        return
      }
      if (auth === null) throw new ApiError(401, "unauthorized", "The token is missing, malformed, unknown, expired or revoked")
      // An authenticated robot request counts as a use of its token.
      if (auth.robot !== null) world.markUsed(auth.robot.token)
      if (ws === undefined) throw new ApiError(404, "not_found", "No such workspace")
      if (auth.workspaceId !== ws.id) throw new ApiError(403, "forbidden", "This token belongs to another workspace")
      if (decision.action === "revoke-token") {
        if (auth.robot === null) principals.set(auth.token, { workspaceId: auth.workspaceId, kind: "admin", revoked: true })
        else world.revokeToken(auth.robot.id, auth.robot.token.id, ws.id)
        throw new ApiError(401, "unauthorized", "The token was revoked")
      }
      if (overQuota) throw new ApiError(429, "quota_exceeded", "The monthly API-call quota is used up and overage is disabled")
      if (throttled) {
        throw new ApiError(429, "rate_limited", `More than ${options.maxInFlight} concurrent requests`, {
          "retry-after": String(faults.current.retryAfterSeconds ?? 1)
        })
      }
      const found = resolve(rel)
      if (found === null) throw new ApiError(404, "not_found", `No route ${method} ${rel}`)
      const handler = method === "GET" ? found.route.GET : method === "POST" ? found.route.POST : undefined
      if (handler === undefined) {
        const allow = served(found.route)
        throw new ApiError(405, "method_not_allowed", `${method} is not served here${allow.length > 0 ? `; use ${allow.join(", ")}` : ""}`, {
          allow: allow.join(", ")
        })
      }
      if (faults.forbidden(found.route.endpoint)) throw new ApiError(403, "forbidden", "Access to this resource is restricted")
      if (auth.robot !== null && adminOnly.has(found.route.endpoint)) {
        throw new ApiError(403, "forbidden", "This endpoint requires the Admin role; robot users are Viewer or Member")
      }
      if (decision.action === "expire-cursor") throw new ApiError(400, "invalid_cursor", "The cursor has expired; start again from the first page")
      if (decision.action !== null && typeof decision.action === "object") {
        const a = decision.action
        const code = a.code ?? codeFor(a.status)
        const retryAfter = a.retryAfter ?? (code === "rate_limited" ? faults.current.retryAfterSeconds ?? 1 : undefined)
        throw new ApiError(a.status, code, "Injected fault", retryAfter === undefined ? {} : { "retry-after": String(retryAfter) })
      }
      if (badBody) throw new ApiError(400, "invalid_parameter", "The body is not valid JSON")
      const payload = handler({ ws, world, query: url.searchParams, body, params: found.params, cursorTtlMs: options.cursorTtlMs })
      if (decision.action === "malformed") {
        const full = JSON.stringify(payload)
        return finish(200, null, {}, full.slice(0, Math.max(1, Math.floor(full.length / 2))))
      }
      finish(200, payload)
    } catch (error) {
      if (error instanceof ApiError) return fail(error)
      const e = error as { status?: number; code?: string; message?: string }
      if (typeof e.status === "number" && typeof e.code === "string") return fail(new ApiError(e.status, e.code, e.message ?? ""))
      fail(new ApiError(500, "internal_error", "The simulator failed"))
    }
  }

  return createServer((req, res) => {
    void handle(req, res)
  })
}
