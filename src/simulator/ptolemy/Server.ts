/**
 * The HTTP face of the simulated API (reference sections 3 to 10 and 13): bearer-token auth with roles, the
 * Workspaces & Members endpoints (reads, and the writes of the write principal), plan, events and webhooks, with
 * metering and `X-RateLimit-Remaining` on every response, quota exhaustion, burst throttling and injected faults.
 * This file is the order in which a request is checked; the routes, pages, filters and writes have their own.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { parseBody, readBody, sleep } from "../kit/Http.js"
import type { RequestLog } from "../kit/RequestLog.js"
import { decide, type EndpointName, type Faults } from "./Faults.js"
import { meter, quotaExhausted, remaining } from "./Metering.js"
import { authenticate, presented, type Principal } from "./server/Auth.js"
import { ApiError, codeFor, type Json, NO_CONTENT } from "./server/Context.js"
import { handlerFor, isWrite, resolve, served } from "./server/Routes.js"
import type { World } from "./World.js"

export interface ServerOptions {
  readonly world: World
  readonly faults: Faults
  /** Plaintext admin-principal tokens (robot tokens are looked up in the world). */
  readonly principals: Map<string, Principal>
  readonly cursorTtlMs: number
  readonly maxInFlight: number
  readonly log: RequestLog
}

/** Endpoints that need Admin (DOC): robot tokens, which are Viewer or Member, get 403 there. */
const adminOnly = new Set<EndpointName>(["memberships", "robots", "tokens", "invitations"])

export const ptolemyHandler = (options: ServerOptions) => {
  const { faults, principals, world, log } = options
  const inFlight = new Map<string, number>()

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const receivedAt = Date.now()
    const url = new URL(req.url ?? "/", "http://simulator")
    const method = (req.method ?? "GET").toUpperCase()
    // Parsed up front for the request log; a bad body is refused once the caller is known.
    const { body, bad: badBody } = parseBody(await readBody(req))
    const match = /^\/v1\/workspaces\/([^/]+)(\/.*)?$/.exec(url.pathname)
    let wsRef: string | undefined
    try {
      wsRef = match ? decodeURIComponent(match[1]!) : undefined
    } catch {
      wsRef = undefined
    }
    const ws = wsRef === undefined ? undefined : world.workspaces.find((w) => w.id === wsRef || w.slug === wsRef)
    const rel = match?.[2] ?? "/"
    const found = resolve(rel)
    // Every request to a workspace is one API call, whatever its answer (DOC). A request that arrives when the
    // quota is already spent (overage off) is refused below.
    const overQuota = ws !== undefined && quotaExhausted(ws)
    if (ws) meter(ws)
    const auth = authenticate(world, principals, req.headers.authorization)
    const left = () => {
      const metered = ws ?? world.workspaces.find((w) => w.id === auth?.workspaceId)
      return metered ? remaining(metered) : 0
    }
    let status = 0
    const finish = (code: number, payload: unknown, headers: Record<string, string> = {}, raw?: string) => {
      status = code
      if (code === 204) {
        res.writeHead(204, { "x-ratelimit-remaining": String(left()), ...headers }).end()
        return
      }
      res.writeHead(code, { "content-type": "application/json", "x-ratelimit-remaining": String(left()), ...headers })
      res.end(raw ?? JSON.stringify(payload))
    }
    const fail = (e: ApiError) => finish(e.status, { error: { code: e.code, message: e.message } }, e.headers)
    const hasCursor = Boolean(url.searchParams.get("after")) ||
      (typeof body === "object" && body !== null && typeof (body as Json)["after"] === "string" &&
        (body as Json)["after"] !== "")
    const decision = decide(faults, method, rel, url.searchParams.toString(), hasCursor)

    // Burst throttle: a request that arrives while its token already has `maxInFlight` requests in progress is
    // refused (and takes no slot); the others are served.
    const tokenKey = auth?.token ?? "anonymous"
    const before = inFlight.get(tokenKey) ?? 0
    const throttled = before >= options.maxInFlight
    if (!throttled) inFlight.set(tokenKey, before + 1)
    log.started()
    let settled = false
    res.on("close", () => {
      if (settled) return
      settled = true
      if (!throttled) inFlight.set(tokenKey, (inFlight.get(tokenKey) ?? 1) - 1)
      log.finished({
        method,
        path: url.pathname,
        query: url.search.replace(/^\?/, ""),
        status,
        authorization: req.headers.authorization,
        token: presented(req.headers.authorization),
        write: isWrite(found, method),
        ...(body === undefined ? {} : { body }),
        receivedAt
      })
    })
    try {
      if (decision.latency > 0) await sleep(decision.latency)
      if (decision.action === "hang") return // never answers; the socket closes with the client or the server
      if (decision.action === "drop") {
        req.socket.destroy()
        return
      }
      if (auth === null) {
        throw new ApiError(401, "unauthorized", "The token is missing, malformed, unknown, expired or revoked")
      }
      // An authenticated robot request counts as a use of its token.
      if (auth.robot !== null) world.markUsed(auth.robot.token)
      if (ws === undefined) throw new ApiError(404, "not_found", "No such workspace")
      if (auth.workspaceId !== ws.id) throw new ApiError(403, "forbidden", "This token belongs to another workspace")
      if (decision.action === "revoke-token") {
        if (auth.robot === null) {
          principals.set(auth.token, { workspaceId: auth.workspaceId, writer: auth.writer, revoked: true })
        } else world.revokeToken(auth.robot.id, auth.robot.token.id, ws.id)
        throw new ApiError(401, "unauthorized", "The token was revoked")
      }
      if (overQuota) {
        throw new ApiError(429, "quota_exceeded", "The monthly API-call quota is used up and overage is disabled")
      }
      if (throttled) {
        throw new ApiError(429, "rate_limited", `More than ${options.maxInFlight} concurrent requests`, {
          "retry-after": String(faults.current.retryAfterSeconds ?? 1)
        })
      }
      if (found === null) throw new ApiError(404, "not_found", `No route ${method} ${rel}`)
      const serve = handlerFor(found.route, method)
      if (serve === undefined || serve === "unserved") {
        const allow = served(found.route)
        const why = serve === "unserved" ? "is not simulated" : "is not served here"
        throw new ApiError(
          405,
          "method_not_allowed",
          `${method} ${why}${allow.length > 0 ? `; use ${allow.join(", ")}` : ""}`,
          { allow: allow.join(", ") }
        )
      }
      if (faults.forbids(found.route.endpoint)) {
        throw new ApiError(403, "forbidden", "Access to this resource is restricted")
      }
      if (auth.robot !== null && adminOnly.has(found.route.endpoint)) {
        throw new ApiError(403, "forbidden", "This endpoint requires the Admin role; robot users are Viewer or Member")
      }
      if (serve.write && auth.writer === null) {
        throw new ApiError(403, "forbidden", "This admin principal is read-only; writes need the write token")
      }
      if (decision.action === "expire-cursor") {
        throw new ApiError(400, "invalid_cursor", "The cursor has expired; start again from the first page")
      }
      if (decision.action !== null && typeof decision.action === "object") {
        const a = decision.action
        const code = a.code ?? codeFor(a.status)
        const retryAfter = a.retryAfter ?? (code === "rate_limited" ? faults.current.retryAfterSeconds ?? 1 : undefined)
        throw new ApiError(
          a.status,
          code,
          "Injected fault",
          retryAfter === undefined ? {} : { "retry-after": String(retryAfter) }
        )
      }
      if (badBody) throw new ApiError(400, "invalid_parameter", "The body is not valid JSON")
      const payload = serve.handler({
        ws,
        world,
        query: url.searchParams,
        body,
        params: found.params,
        cursorTtlMs: options.cursorTtlMs,
        actor: serve.write ? auth.writer : null
      })
      if (decision.action === "lose-answer") {
        req.socket.destroy()
        return
      }
      if (payload === NO_CONTENT) return finish(204, null)
      if (decision.action === "malformed") {
        const full = JSON.stringify(payload)
        return finish(200, null, {}, full.slice(0, Math.max(1, Math.floor(full.length / 2))))
      }
      finish(200, payload)
    } catch (error) {
      if (error instanceof ApiError) return fail(error)
      const e = error as { status?: number; code?: string; message?: string }
      if (typeof e.status === "number" && typeof e.code === "string") {
        return fail(new ApiError(e.status, e.code, e.message ?? ""))
      }
      fail(new ApiError(500, "internal_error", "The simulator failed"))
    }
  }
}
