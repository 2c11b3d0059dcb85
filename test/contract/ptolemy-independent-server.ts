/**
 * An independent implementation of the Ptolemy REST API contract, written from reference/ptolemy-api.md alone
 * (sections 3, 5, 6.1, 6.2, 7, 8, 9, 10 and the pinned shapes of section 13), with plain `node:http`.
 *
 * It deliberately differs from a naive implementation wherever the contract allows:
 * * a server-chosen page size smaller than the requested `limit` (the client must follow `has_more` / `next_cursor`);
 * * opaque cursors that are standard base64 of random bytes, always containing `+`, `/` and `=` (they must be
 *   URL-encoded in `?after=`), remembered server side and scoped to one collection;
 * * role and status strings in mixed case (the reference says the client matches them case-insensitively);
 * * unknown extra fields on every object and in the list envelope, some of them different on every response;
 * * optional (`?`) fields sometimes absent rather than null;
 * * `X-RateLimit-Remaining` on every response (errors included), decremented per request (DOC metering);
 * * scripted transient faults (429 `rate_limited` with `Retry-After`, 503, 400 `invalid_cursor`) and 403s.
 */
import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }
export type Obj = Record<string, Json>

/** The content of one workspace as the API would report it at some moment. */
export interface WorkspaceState {
  readonly workspace: Obj
  readonly memberships: ReadonlyArray<Obj>
  readonly robots: ReadonlyArray<Obj>
  /** robot user id -> its tokens */
  readonly tokens: Readonly<Record<string, ReadonlyArray<Obj>>>
  readonly invitations: ReadonlyArray<Obj>
  /** `usage.api_calls.used` is filled in per request (metering) */
  readonly plan: Obj
  readonly webhooks: ReadonlyArray<Obj>
  /** webhook id -> its subscriptions */
  readonly subscriptions: Readonly<Record<string, ReadonlyArray<Obj>>>
  readonly events: ReadonlyArray<Obj>
}

export interface RecordedRequest {
  readonly phase: string
  readonly method: string
  /** the path and query as sent */
  readonly url: string
  /** the path below `/v1/workspaces/{workspace}` ("" for the workspace itself), or the full path when outside it */
  readonly route: string
  readonly body: string
  readonly status: number
  readonly at: number
  readonly rateLimitRemaining: number
  readonly authorized: boolean
  /** the scripted or raw fault that answered this request, if one did */
  readonly fault?: string
}

/** A scripted fault: answers the next `times` requests that match, instead of serving them. */
export interface Fault {
  readonly name: string
  readonly match: (request: { method: string; route: string; query: URLSearchParams; body: Obj | undefined }) => boolean
  times: number
  readonly status: number
  readonly code: string
  readonly headers?: Record<string, string>
}

/**
 * A transport-level fault (used by unseen-faults.test.ts): sees each request together with the answer the server
 * would give, and may answer it any way it likes through the raw `res` (stall, trickle, truncate, close the socket,
 * redirect, rewrite the payload or headers). Returns the status to record (default: the normal status).
 */
export interface RawFault {
  readonly name: string
  times: number
  readonly match: (context: RawFaultContext) => boolean
  readonly respond: (context: RawFaultContext) => number | void
}

export interface RawFaultContext {
  readonly method: string
  readonly route: string
  readonly query: URLSearchParams
  readonly req: IncomingMessage
  readonly res: ServerResponse
  /** the answer the server would give */
  readonly status: number
  readonly headers: Record<string, string>
  readonly payload: Obj | undefined
}

const PAGE_CAP = 3
const DEFAULT_LIMIT = 50
const MAX_LIMIT = 200

export interface IndependentPtolemy {
  readonly baseUrl: string
  readonly requests: Array<RecordedRequest>
  setState(state: WorkspaceState): void
  setPhase(phase: string): void
  addFault(fault: Fault): void
  /** routes (relative to the workspace) that answer 403 for GETs and filters, e.g. "/memberships/robots" */
  forbid(routes: ReadonlyArray<string>): void
  /** the next cursor presented for this route is treated as expired (400 invalid_cursor), once */
  expireNextCursor(route: string): void
  /** a transport-level fault (see RawFault); existing faults and behaviour are unaffected when none is added */
  addRawFault(fault: RawFault): void
  /** the names of every scripted and raw fault added, to check that each one fired */
  faultNames(): ReadonlyArray<string>
  close(): Promise<void>
}

const cursorBytes = (): string =>
  // 0xfb 0xef 0xbe -> "++++", 0xff 0xff 0xff -> "////"; 22 bytes -> "==" padding.
  Buffer.concat([Buffer.from([0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff]), randomBytes(16)]).toString("base64")

const asObj = (value: unknown): Obj | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Obj) : undefined

const compare = (a: Json | undefined, b: Json | undefined): number => {
  if (a === b) return 0
  if (a === undefined || a === null) return -1
  if (b === undefined || b === null) return 1
  if (typeof a === "number" && typeof b === "number") return a - b
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0
}

/** The filter language of reference §8: and/or blocks nested to any depth, conditions {field, op, value}. */
const matches = (item: Obj, node: Json | undefined): boolean => {
  const block = asObj(node)
  if (block === undefined) return true
  if ("field" in block && "op" in block) {
    const field = String(block["field"])
    const actual = item[field]
    const value = block["value"]
    switch (block["op"]) {
      case "eq":
        return compare(actual, value) === 0
      case "ne":
        return compare(actual, value) !== 0
      case "lt":
        return compare(actual, value) < 0
      case "lte":
        return compare(actual, value) <= 0
      case "gt":
        return compare(actual, value) > 0
      case "gte":
        return compare(actual, value) >= 0
      case "in":
        return Array.isArray(value) && value.some((v) => compare(actual, v as Json) === 0)
      case "not_in":
        return Array.isArray(value) && !value.some((v) => compare(actual, v as Json) === 0)
      case "like":
        return String(actual ?? "").toLowerCase().includes(String(value).toLowerCase())
      case "is_null":
        return (actual === null || actual === undefined) === (value === true)
      default:
        throw new Error(`unsupported operator ${String(block["op"])}`)
    }
  }
  const and = block["and"]
  const or = block["or"]
  if (Array.isArray(and) && !and.every((c) => matches(item, c as Json))) return false
  if (Array.isArray(or) && or.length > 0 && !or.some((c) => matches(item, c as Json))) return false
  return true
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

export const startIndependentPtolemy = async (options: {
  readonly token: string
  readonly workspaceId: string
  readonly workspaceSlug: string
  readonly initial: WorkspaceState
  readonly rateLimitStart?: number
}): Promise<IndependentPtolemy> => {
  let state = options.initial
  let phase = "setup"
  let served = 0
  const requests: Array<RecordedRequest> = []
  const faults: Array<Fault> = []
  const rawFaults: Array<RawFault> = []
  const forbidden = new Set<string>()
  const expireOnce = new Set<string>()
  const cursors = new Map<string, { scope: string; offset: number }>()
  const rateLimitStart = options.rateLimitStart ?? 250_000

  /** Unknown fields added to every object; `_fetched` differs on every response. */
  const decorate = (item: Obj, kind: string): Obj => ({
    ...item,
    object: kind,
    _links: { self: `/${kind}s/${String(item["id"] ?? "")}` },
    _fetched: randomBytes(4).toString("hex")
  })

  const page = (
    items: ReadonlyArray<Obj>,
    kind: string,
    scope: string,
    limitRaw: unknown,
    after: unknown,
    route: string,
    sort?: Json
  ): Obj => {
    let limit = DEFAULT_LIMIT
    if (limitRaw !== undefined && limitRaw !== null) {
      const n = typeof limitRaw === "number" ? limitRaw : Number(limitRaw)
      if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
        throw new HttpError(400, "invalid_parameter", `limit must be an integer from 1 to ${MAX_LIMIT}`)
      }
      limit = n
    }
    let offset = 0
    if (after !== undefined && after !== null && after !== "") {
      const cursor = cursors.get(String(after))
      if (expireOnce.has(route)) {
        expireOnce.delete(route)
        cursors.delete(String(after))
        throw new HttpError(400, "invalid_cursor", "the cursor has expired; start again from the first page")
      }
      if (cursor === undefined || cursor.scope !== scope) {
        throw new HttpError(400, "invalid_cursor", "unknown or expired cursor")
      }
      offset = cursor.offset
    }
    // Order: created_at ascending, then id (§13), unless a filter body asks otherwise.
    const sorted = [...items].sort((a, b) => compare(a["created_at"], b["created_at"]) || compare(a["id"], b["id"]))
    const sortSpec = Array.isArray(sort) ? (sort as ReadonlyArray<Json>) : []
    if (sortSpec.length > 0) {
      sorted.sort((a, b) => {
        for (const spec of sortSpec) {
          const s = asObj(spec)
          if (s === undefined) continue
          const field = String(s["field"])
          const sign = String(s["direction"] ?? "asc").toLowerCase() === "desc" ? -1 : 1
          const c = compare(a[field], b[field])
          if (c !== 0) return sign * c
        }
        return compare(a["id"], b["id"])
      })
    }
    const size = Math.min(limit, PAGE_CAP)
    const data = sorted.slice(offset, offset + size).map((item) => decorate(item, kind))
    const hasMore = offset + size < sorted.length
    let next: string | null = null
    if (hasMore) {
      next = cursorBytes()
      cursors.set(next, { scope, offset: offset + size })
    }
    return {
      object: "list",
      data,
      meta: { next_cursor: next, has_more: hasMore, request_id: randomBytes(6).toString("hex") }
    }
  }

  const find = (items: ReadonlyArray<Obj>, id: string, kind: string): Obj => {
    const item = items.find((i) => i["id"] === id)
    if (item === undefined) throw new HttpError(404, "not_found", `no ${kind} ${id}`)
    return decorate(item, kind)
  }

  const planNow = (): Obj => {
    const usage = asObj(state.plan["usage"]) ?? {}
    const apiCalls = asObj(usage["api_calls"]) ?? { used: 0, limit: null }
    return {
      ...state.plan,
      usage: { ...usage, api_calls: { ...apiCalls, used: Number(apiCalls["used"] ?? 0) + served } },
      _fetched: randomBytes(4).toString("hex")
    }
  }

  /** GET lists: route -> [items, kind] */
  const lists = (route: string): [ReadonlyArray<Obj>, string] | undefined => {
    if (route === "/memberships") return [state.memberships, "membership"]
    if (route === "/memberships/robots") return [state.robots, "robot"]
    if (route === "/invitations") return [state.invitations, "invitation"]
    if (route === "/webhooks") return [state.webhooks, "webhook"]
    if (route === "/events") return [state.events, "event"]
    let m = /^\/memberships\/robots\/([^/]+)\/tokens$/.exec(route)
    if (m !== null) {
      const robot = state.robots.find((r) => r["id"] === m![1])
      if (robot === undefined) throw new HttpError(404, "not_found", `no robot user ${m[1]}`)
      return [state.tokens[m[1]!] ?? [], "robot_token"]
    }
    m = /^\/webhooks\/([^/]+)\/subscriptions$/.exec(route)
    if (m !== null) {
      if (!state.webhooks.some((w) => w["id"] === m![1])) throw new HttpError(404, "not_found", `no webhook ${m[1]}`)
      return [state.subscriptions[m[1]!] ?? [], "subscription"]
    }
    return undefined
  }

  const handle = (method: string, route: string, query: URLSearchParams, body: Obj | undefined): Obj => {
    for (const f of forbidden) {
      if (route === f || route.startsWith(`${f}/`)) {
        throw new HttpError(
          403,
          "forbidden",
          "this endpoint requires the Admin role; the token's role does not allow it"
        )
      }
    }
    if (method === "GET") {
      if (route === "") return decorate(state.workspace, "workspace")
      if (route === "/plan") return planNow()
      const list = lists(route)
      if (list !== undefined) {
        return page(
          list[0],
          list[1],
          `GET ${route}`,
          query.get("limit") ?? undefined,
          query.get("after") ?? undefined,
          route
        )
      }
      let m = /^\/memberships\/robots\/([^/]+)$/.exec(route)
      if (m !== null) return find(state.robots, m[1]!, "robot")
      m = /^\/memberships\/([^/]+)$/.exec(route)
      if (m !== null) return find(state.memberships, m[1]!, "membership")
      m = /^\/invitations\/([^/]+)$/.exec(route)
      if (m !== null) return find(state.invitations, m[1]!, "invitation")
      m = /^\/webhooks\/([^/]+)$/.exec(route)
      if (m !== null) return find(state.webhooks, m[1]!, "webhook")
      m = /^\/events\/([^/]+)$/.exec(route)
      if (m !== null) return find(state.events, m[1]!, "event")
      throw new HttpError(404, "not_found", `no such endpoint: GET ${route}`)
    }
    if (method === "POST") {
      const filterable: Record<string, [ReadonlyArray<Obj>, string]> = {
        "/memberships/filter": [state.memberships, "membership"],
        "/webhooks/filter": [state.webhooks, "webhook"],
        "/events/filter": [state.events, "event"]
      }
      const target = filterable[route]
      if (target !== undefined) {
        const b = body ?? {}
        const { filter, sort, limit, after, ...shortcuts } = b
        let selected: ReadonlyArray<Obj>
        try {
          selected = target[0].filter(
            (item) =>
              matches(item, filter) &&
              Object.entries(shortcuts).every(([key, value]) => compare(item[key], value) === 0)
          )
        } catch (e) {
          throw new HttpError(400, "invalid_parameter", (e as Error).message)
        }
        const scope = `POST ${route} ${JSON.stringify({ filter, sort, shortcuts })}`
        return page(selected, target[1], scope, limit, after, route, sort)
      }
      if (route === "/events/count") {
        return { count: state.events.filter((e) => matches(e, (body ?? {})["filter"])).length }
      }
    }
    throw new HttpError(405, "method_not_allowed", `${method} ${route} is not served here`)
  }

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
      req.on("error", reject)
    })

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const text = await readBody(req)
      served += 1
      const remaining = rateLimitStart - served
      const method = (req.method ?? "GET").toUpperCase()
      const url = new URL(req.url ?? "/", "http://127.0.0.1")
      const prefix = /^\/v1\/workspaces\/([^/]+)(\/.*)?$/.exec(url.pathname)
      const route = prefix === null ? url.pathname : (prefix[2] ?? "").replace(/\/$/, "")
      const auth = req.headers.authorization ?? ""
      const authorized = /^bearer /i.test(auth) && auth.slice(7) === options.token
      let status = 200
      let payload: Obj | undefined
      let firedFault: string | undefined
      const headers: Record<string, string> = {
        "content-type": "application/json; charset=utf-8",
        "x-ratelimit-remaining": String(remaining)
      }
      try {
        if (!authorized) throw new HttpError(401, "unauthorized", "missing, expired or revoked token")
        if (prefix === null) throw new HttpError(404, "not_found", `no such endpoint: ${url.pathname}`)
        const ws = decodeURIComponent(prefix[1]!)
        if (ws !== options.workspaceId && ws !== options.workspaceSlug) {
          throw new HttpError(404, "not_found", `workspace ${ws} not found`)
        }
        let body: Obj | undefined
        if (method === "POST") {
          try {
            body = text === "" ? {} : asObj(JSON.parse(text))
          } catch {
            throw new HttpError(400, "invalid_parameter", "the body is not JSON")
          }
          if (body === undefined) throw new HttpError(400, "invalid_parameter", "the body must be a JSON object")
        }
        const fault = faults.find((f) => f.times > 0 && f.match({ method, route, query: url.searchParams, body }))
        if (fault !== undefined) {
          fault.times -= 1
          firedFault = fault.name
          throw new HttpError(fault.status, fault.code, `scripted fault: ${fault.name}`, fault.headers)
        }
        payload = handle(method, route, url.searchParams, body)
      } catch (e) {
        if (e instanceof HttpError) {
          status = e.status
          Object.assign(headers, e.headers)
          payload = { error: { code: e.code, message: e.message } }
        } else {
          status = 500
          payload = { error: { code: "internal", message: String(e) } }
        }
      }
      const context: RawFaultContext = { method, route, query: url.searchParams, req, res, status, headers, payload }
      const raw = rawFaults.find((f) => f.times > 0 && f.match(context))
      if (raw !== undefined) raw.times -= 1
      const rawStatus = raw?.respond(context)
      requests.push({
        phase,
        method,
        url: req.url ?? "",
        route,
        body: text,
        status: raw === undefined ? status : typeof rawStatus === "number" ? rawStatus : status,
        at: Date.now(),
        rateLimitRemaining: remaining,
        authorized,
        ...(raw !== undefined ? { fault: raw.name } : firedFault !== undefined ? { fault: firedFault } : {})
      })
      if (raw !== undefined) return
      res.writeHead(status, headers)
      res.end(JSON.stringify(payload))
    })()
  })

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    setState: (next) => {
      state = next
    },
    setPhase: (next) => {
      phase = next
    },
    addFault: (fault) => {
      faults.push(fault)
    },
    forbid: (routes) => {
      forbidden.clear()
      for (const r of routes) forbidden.add(r)
    },
    expireNextCursor: (route) => {
      expireOnce.add(route)
    },
    addRawFault: (fault) => {
      rawFaults.push(fault)
    },
    faultNames: () => [...faults, ...rawFaults].map((f) => f.name),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
