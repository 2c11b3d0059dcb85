/**
 * The HTTP face of the simulated API (reference sections 3 to 10 and 13): bearer-token auth with roles, the
 * Workspaces & Members read endpoints, plan, events and webhooks, cursor pagination, the filter language, metering
 * with `X-RateLimit-Remaining` on every response, quota exhaustion, burst throttling, and injected faults.
 */
import { createHash } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { EndpointName, FaultEngine } from "./Faults.js"
import type { AccessEvent, Invitation, Membership, Ordered, Robot, Webhook, World, WorkspaceState } from "./World.js"

export interface Principal {
  readonly workspaceId: string
  readonly kind: "admin" | "robot"
  /** For robot tokens: the robot user and the token, whose status is checked on every request. */
  readonly robotId?: string
  readonly tokenId?: string
  /** Set when a fault revoked it. */
  revoked?: boolean
}

export interface RequestRecord {
  readonly method: string
  readonly path: string
  readonly query: string
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

interface Route {
  readonly endpoint: EndpointName
  readonly handle: (ctx: Context) => unknown
}

interface Context {
  readonly ws: WorkspaceState
  readonly world: World
  readonly query: URLSearchParams
  readonly body: unknown
  readonly cursorTtlMs: number
}

// -- pagination ---------------------------------------------------------------------------------------------

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64")
const decode = (cursor: string): unknown => JSON.parse(Buffer.from(cursor, "base64").toString("utf8"))

const limitOf = (raw: unknown): number => {
  if (raw === undefined || raw === null || raw === "") return DEFAULT_LIMIT
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw new ApiError(400, "invalid_parameter", `limit must be an integer from 1 to ${MAX_LIMIT}`)
  }
  return n
}

const envelope = (data: Array<unknown>, next: string | null) => ({
  data,
  meta: { next_cursor: next, has_more: next !== null }
})

/** A GET list: positioned by the last item's (created_at, id), so deletions between pages do not skip anyone. */
const keyPage = <A extends { id: string; created_at: number }>(
  ctx: Context,
  scope: string,
  items: Ordered<A> | ReadonlyArray<A>,
  render: (a: A) => unknown
) => {
  const limit = limitOf(ctx.query.get("limit"))
  const list = Array.isArray(items) ? (items as ReadonlyArray<A>) : (items as Ordered<A>).items
  let start = 0
  const after = ctx.query.get("after")
  if (after !== null && after !== "") {
    const key = readCursor(after, scope, ctx.cursorTtlMs) as { k: [number, string] }
    start = lowerBound(list, key.k[0], key.k[1])
  }
  const page = list.slice(start, start + limit)
  const last = page[page.length - 1]
  const more = start + limit < list.length
  return envelope(
    page.map(render),
    more && last ? encode({ s: scope, k: [last.created_at, last.id], t: Date.now() }) : null
  )
}

const lowerBound = <A extends { id: string; created_at: number }>(list: ReadonlyArray<A>, created: number, id: string) => {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const item = list[mid]!
    if (item.created_at < created || (item.created_at === created && item.id <= id)) lo = mid + 1
    else hi = mid
  }
  return lo
}

const readCursor = (cursor: string, scope: string, ttl: number): Record<string, unknown> => {
  let value: unknown
  try {
    value = decode(cursor)
  } catch {
    throw new ApiError(400, "invalid_cursor", "The cursor is not valid")
  }
  const c = value as { s?: unknown; t?: unknown }
  if (typeof c !== "object" || c === null || c.s !== scope || typeof c.t !== "number") {
    throw new ApiError(400, "invalid_cursor", "The cursor is not valid for this list")
  }
  if (Date.now() - c.t > ttl) throw new ApiError(400, "invalid_cursor", "The cursor has expired; start again from the first page")
  return value as Record<string, unknown>
}

// -- the filter language (section 8) ------------------------------------------------------------------------

type Json = Record<string, unknown>

const fieldOf = (item: Json, field: string): unknown =>
  field.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Json)[k] : undefined), item)

const comparable = (v: unknown): number | string | null => {
  if (typeof v === "number") return v
  if (typeof v === "string") {
    const t = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : Number.NaN
    return Number.isNaN(t) ? v : t
  }
  return null
}

const test = (item: Json, condition: unknown): boolean => {
  if (typeof condition !== "object" || condition === null) throw new ApiError(400, "invalid_parameter", "A filter condition must be an object")
  const c = condition as Json
  if (Array.isArray(c["and"])) return c["and"].every((x) => test(item, x))
  if (Array.isArray(c["or"])) return c["or"].some((x) => test(item, x))
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
      if (a === null || b === null || typeof a !== typeof b) return false
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

/** POST .../filter: the filter body over the rendered items, sorted, paged by offset (bound to the query). */
const filterPage = (ctx: Context, scope: string, items: ReadonlyArray<Json>) => {
  const body = (ctx.body ?? {}) as Json
  if (typeof body !== "object" || Array.isArray(body)) throw new ApiError(400, "invalid_parameter", "The body must be a JSON object")
  const conditions: Array<unknown> = []
  if (body["filter"] !== undefined) conditions.push(body["filter"])
  for (const [key, value] of Object.entries(body)) if (!RESERVED.has(key)) conditions.push({ field: key, op: "eq", value })
  const sort = (Array.isArray(body["sort"]) ? body["sort"] : []) as Array<{ field?: unknown; direction?: unknown }>
  let rows = items.filter((item) => conditions.every((c) => test(item, c)))
  if (sort.length > 0) {
    rows = [...rows].sort((a, b) => {
      for (const s of sort) {
        const x = comparable(fieldOf(a, String(s.field)))
        const y = comparable(fieldOf(b, String(s.field)))
        const dir = String(s.direction ?? "asc").toLowerCase() === "desc" ? -1 : 1
        if (x !== y && x !== null && y !== null) return (x < y ? -1 : 1) * dir
      }
      return 0
    })
  }
  const limit = limitOf(body["limit"])
  const query = createHash("sha1").update(JSON.stringify({ ...body, after: undefined, limit })).digest("hex")
  let offset = 0
  if (typeof body["after"] === "string" && body["after"] !== "") {
    const c = readCursor(body["after"], scope, ctx.cursorTtlMs) as { o?: unknown; q?: unknown }
    if (c.q !== query || typeof c.o !== "number") throw new ApiError(400, "invalid_cursor", "The cursor belongs to another query")
    offset = c.o
  }
  const page = rows.slice(offset, offset + limit)
  const more = offset + limit < rows.length
  return envelope(page, more ? encode({ s: scope, o: offset + limit, q: query, t: Date.now() }) : null)
}

// -- routes ---------------------------------------------------------------------------------------------------

const one = <A>(value: A | undefined, what: string): A => {
  if (value === undefined) throw new ApiError(404, "not_found", `No ${what} with that id`)
  return value
}

/** An id or, where the docs allow it, a user-supplied identifier: here, ids only (robots, tokens, invitations). */
const route = (method: string, rel: string): { route: Route; params: Array<string> } | null => {
  const parts = rel.split("/").filter((p) => p !== "").map(decodeURIComponent)
  const get = method === "GET"
  const post = method === "POST"
  const r = (endpoint: EndpointName, handle: (ctx: Context, params: Array<string>) => unknown, params: Array<string> = []) => ({
    route: { endpoint, handle: (ctx: Context) => handle(ctx, params) },
    params
  })
  const [a, b, c, d, e] = parts
  if (parts.length === 0 && get) return r("workspace", (ctx) => ctx.world.workspaceJsonOf(ctx.ws))
  if (a === "memberships") {
    if (parts.length === 1 && get) return r("memberships", (ctx) => keyPage(ctx, "memberships", ctx.ws.memberships, (m: Membership) => ctx.world.membershipJson(m)))
    if (parts.length === 2 && b === "filter" && post) {
      return r("memberships", (ctx) => filterPage(ctx, "memberships/filter", ctx.ws.memberships.items.map((m) => ctx.world.membershipJson(m))))
    }
    if (b === "robots") {
      if (parts.length === 2 && get) return r("robots", (ctx) => keyPage(ctx, "robots", ctx.ws.robots, (x: Robot) => ctx.world.robotJson(x)))
      if (parts.length === 3 && get) return r("robots", (ctx, [id]) => ctx.world.robotJson(one(ctx.ws.robots.get(id!), "robot")), [c!])
      if (parts.length === 4 && d === "tokens" && get) {
        return r("tokens", (ctx, [id]) => {
          const list = one(ctx.ws.tokens.get(id!), "robot")
          return keyPage(ctx, `tokens/${id}`, list, (t) => ctx.world.tokenJson(t))
        }, [c!])
      }
      if (parts.length === 5 && d === "tokens" && get) {
        return r("tokens", (ctx, [id, tokenId]) => ctx.world.tokenJson(one(ctx.ws.tokens.get(id!)?.get(tokenId!), "token")), [c!, e!])
      }
    }
    if (parts.length === 2 && get) return r("memberships", (ctx, [id]) => ctx.world.membershipJson(one(ctx.ws.memberships.get(id!), "membership")), [b!])
  }
  if (a === "invitations") {
    if (parts.length === 1 && get) return r("invitations", (ctx) => keyPage(ctx, "invitations", ctx.ws.invitations, (i: Invitation) => ctx.world.invitationJson(i)))
    if (parts.length === 2 && get) return r("invitations", (ctx, [id]) => ctx.world.invitationJson(one(ctx.ws.invitations.get(id!), "invitation")), [b!])
  }
  if (a === "plan" && parts.length === 1 && get) return r("plan", (ctx) => ctx.world.planJsonOf(ctx.ws))
  if (a === "events") {
    if (parts.length === 1 && get) return r("events", (ctx) => keyPage(ctx, "events", ctx.world.retainedEvents(ctx.ws), (x: AccessEvent) => ctx.world.eventJson(x)))
    if (parts.length === 2 && b === "filter" && post) {
      return r("events", (ctx) => filterPage(ctx, "events/filter", ctx.world.retainedEvents(ctx.ws).map((x) => ctx.world.eventJson(x))))
    }
    if (parts.length === 2 && get) {
      return r("events", (ctx, [id]) => ctx.world.eventJson(one(ctx.world.retainedEvents(ctx.ws).find((x) => x.id === id), "event")), [b!])
    }
  }
  if (a === "webhooks") {
    if (parts.length === 1 && get) return r("webhooks", (ctx) => keyPage(ctx, "webhooks", ctx.ws.webhooks, (w: Webhook) => ctx.world.webhookJson(w)))
    if (parts.length === 2 && b === "filter" && post) {
      return r("webhooks", (ctx) => filterPage(ctx, "webhooks/filter", ctx.ws.webhooks.items.map((w) => ctx.world.webhookJson(w))))
    }
    if (parts.length === 2 && get) return r("webhooks", (ctx, [id]) => ctx.world.webhookJson(one(ctx.ws.webhooks.get(id!), "webhook")), [b!])
    if (parts.length === 3 && c === "subscriptions" && get) {
      return r("subscriptions", (ctx, [id]) => {
        const hook = one(ctx.ws.webhooks.get(id!), "webhook")
        const subs = hook.subscriptions.map((s, i) => ({ ...s, created_at: hook.created_at + i }))
        return keyPage(ctx, `subscriptions/${id}`, subs, (s) => ctx.world.subscriptionJson(s))
      }, [b!])
    }
  }
  return null
}

// -- the server -----------------------------------------------------------------------------------------------

const BEARER = /^Bearer (ptk_live_[0-9a-f]{64})$/

export const createPtolemyServer = (options: ServerOptions): Server => {
  const { faults, principals, world } = options
  const inFlight = new Map<string, number>()
  let total = 0

  /** The principal a token stands for, if it is valid now (revoked and expired tokens are refused: DOC). */
  const authenticate = (header: string | undefined): { principal: Principal; token: string } | null => {
    const match = header === undefined ? null : BEARER.exec(header)
    if (match === null) return null
    const token = match[1]!
    const admin = principals.get(token)
    if (admin !== undefined) return admin.revoked ? null : { principal: admin, token }
    const found = world.findToken(token)
    return found !== undefined && world.tokenStatus(found.token) === "active"
      ? { principal: { workspaceId: found.ws.id, kind: "robot", robotId: found.robotId, tokenId: found.token.id }, token }
      : null
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://simulator")
    const method = (req.method ?? "GET").toUpperCase()
    const chunks: Array<Buffer> = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString("utf8")
    let body: unknown
    const match = /^\/v1\/workspaces\/([^/]+)(\/.*)?$/.exec(url.pathname)
    const ws = match ? world.workspaces.find((w) => w.id === decodeURIComponent(match[1]!) || w.slug === decodeURIComponent(match[1]!)) : undefined
    const rel = match?.[2] ?? ""
    // Every request to a workspace is one API call, whatever its answer (DOC); a request made when the quota is
    // already spent (overage off) is refused.
    const overQuota = ws !== undefined && world.quotaExhausted(ws)
    if (ws) world.meter(ws)
    const auth = authenticate(req.headers.authorization)
    const remaining = () => {
      const meteredWs = ws ?? world.workspaces.find((w) => w.id === auth?.principal.workspaceId)
      return meteredWs ? world.remaining(meteredWs) : 0
    }
    let status = 0
    const finish = (code: number, payload: unknown, headers: Record<string, string> = {}, raw?: string) => {
      status = code
      res.writeHead(code, { "content-type": "application/json", "x-ratelimit-remaining": String(remaining()), ...headers })
      res.end(raw ?? JSON.stringify(payload))
    }
    const fail = (e: ApiError) => finish(e.status, { error: { code: e.code, message: e.message } }, e.headers)
    const decision = faults.decide(method, rel, url.searchParams.toString(), (() => {
      if (url.searchParams.get("after")) return true
      try {
        const parsed = text === "" ? undefined : JSON.parse(text)
        return typeof parsed?.after === "string" && parsed.after !== ""
      } catch {
        return false
      }
    })())
    const tokenKey = auth?.token ?? "anonymous"
    inFlight.set(tokenKey, (inFlight.get(tokenKey) ?? 0) + 1)
    options.onInFlight(++total)
    let settled = false
    const settle = () => {
      if (settled) return
      settled = true
      inFlight.set(tokenKey, (inFlight.get(tokenKey) ?? 1) - 1)
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
      if (decision.action === "hang") return // never answers; the socket closes with the server
      if (decision.action === "drop") {
        req.socket.destroy()
        return
      }
      if (text !== "") {
        try {
          body = JSON.parse(text)
        } catch {
          throw new ApiError(400, "invalid_parameter", "The body is not valid JSON")
        }
      }
      if (auth === null) throw new ApiError(401, "unauthorized", "The token is missing, malformed, expired or revoked")
      if (ws === undefined) throw new ApiError(404, "not_found", "No such workspace")
      if (auth.principal.workspaceId !== ws.id) throw new ApiError(403, "forbidden", "This token belongs to another workspace")
      if (decision.action === "revoke-token") {
        if (auth.principal.kind === "admin") principals.set(auth.token, { ...auth.principal, revoked: true })
        else world.revokeToken(auth.principal.robotId!, auth.principal.tokenId!, ws.id)
        throw new ApiError(401, "unauthorized", "The token was revoked")
      }
      if (overQuota) {
        throw new ApiError(429, "quota_exceeded", "The monthly API-call quota is used up and overage is disabled")
      }
      if ((inFlight.get(tokenKey) ?? 0) > options.maxInFlight) {
        throw new ApiError(429, "rate_limited", "Too many concurrent requests", { "retry-after": "1" })
      }
      if (auth.principal.kind === "robot") world.useToken(auth.principal.tokenId!, undefined, ws.id)
      const found = route(method, rel)
      if (found === null) throw new ApiError(404, "not_found", `No route ${method} ${rel || "/"}`)
      if (faults.forbidden(found.route.endpoint)) throw new ApiError(403, "forbidden", "Access to this resource is restricted")
      if (auth.principal.kind === "robot" && adminOnly.has(found.route.endpoint)) {
        throw new ApiError(403, "forbidden", "This endpoint requires the Admin role; robot users are Viewer or Member")
      }
      if (decision.action === "expire-cursor") throw new ApiError(400, "invalid_cursor", "The cursor has expired; start again from the first page")
      if (decision.action !== null && typeof decision.action === "object") {
        const a = decision.action
        throw new ApiError(a.status, a.code ?? (a.status >= 500 ? "internal_error" : "error"), "Injected fault", a.retryAfter === undefined ? {} : { "retry-after": String(a.retryAfter) })
      }
      const payload = found.route.handle({ ws, world, query: url.searchParams, body, cursorTtlMs: options.cursorTtlMs })
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
