/**
 * The HTTP side: routing, token checks, errors and fault application, on the kit's harness.
 * Order of checks for a request: latency, fault decision (drop / scripted or random error), authentication (401),
 * route (404, or 405 for a method the path does not serve), `forbid` fault (403), then the endpoint's own checks.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { parseBody, readBody, sleep, splitTarget } from "../kit/Http.js"
import type { RequestLog } from "../kit/RequestLog.js"
import { TOKEN_PATTERN, type TokenGrant } from "./Auth.js"
import { decide, malform, type TlFaults, withExtraFields } from "./Faults.js"
import { error, type Reply } from "./Replies.js"
import { allowed, isWrite, route } from "./Routes.js"
import type { TlWorld } from "./World.js"

export const CONTENT_TYPE = "application/json;charset=UTF-8"

export interface ServerContext {
  readonly world: TlWorld
  readonly grants: ReadonlyMap<string, TokenGrant>
  readonly faults: TlFaults
  readonly log: RequestLog
}

const respond = (
  ctx: ServerContext,
  method: string,
  path: string,
  query: string,
  authorization: string | undefined,
  parsed: { body: unknown; bad: boolean }
): Reply => {
  // Authentication: the tot_ token as-is; "Bearer tot_..." is refused like any unknown value.
  if (authorization === undefined || authorization === "") {
    return error(401, "UNAUTHORIZED", "Token missing: send the organisation token in the Authorization header")
  }
  const grant = TOKEN_PATTERN.test(authorization) ? ctx.grants.get(authorization) : undefined
  if (grant === undefined) {
    const hint = /^bearer /i.test(authorization) ? " (send the tot_ token as-is, without a Bearer prefix)" : ""
    return error(401, "UNAUTHORIZED", `Token invalid${hint}`)
  }
  const found = route(path)
  if (found === undefined) return error(404, "NOT_FOUND", `No resource at ${path}`)
  const handler = method === "GET" ? found.route.read : found.route.writes?.[method]
  if (handler === undefined || handler === null) {
    const allow = allowed(found.route)
    const why = handler === null ? "write operation not simulated" : "method not allowed"
    return error(405, "BAD_REQUEST", `${method} ${path}: ${why}`, { Allow: allow.join(", ") })
  }
  if (found.route.endpoint !== undefined && ctx.faults.forbids(found.route.endpoint)) {
    return error(
      403,
      "FORBIDDEN",
      `Insufficient permissions: a permission this token lacks for '${found.route.endpoint}' is required`
    )
  }
  return handler({
    world: ctx.world,
    grant,
    params: found.params,
    query: new URLSearchParams(query),
    body: parsed.body,
    badBody: parsed.bad
  })
}

const send = (res: ServerResponse, reply: Reply, extraFields: boolean, malformed: boolean): void => {
  if (reply.body === undefined) {
    res.writeHead(reply.status, { "Content-Length": "0", ...reply.headers }).end()
    return
  }
  let body = JSON.stringify(extraFields ? withExtraFields(reply.body) : reply.body)
  if (malformed) body = malform(body)
  res.writeHead(reply.status, {
    "Content-Type": CONTENT_TYPE,
    "Content-Length": String(Buffer.byteLength(body)),
    ...reply.headers
  })
  res.end(body)
}

export const transactionLinkHandler =
  (ctx: ServerContext) => async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const receivedAt = Date.now()
    const method = (req.method ?? "GET").toUpperCase()
    const target = req.url ?? "/"
    const { path, query } = splitTarget(target)
    const authorization = req.headers.authorization
    ctx.log.started()
    let parsed: { body: unknown; bad: boolean } = { body: undefined, bad: false }
    const record = (status: number) =>
      ctx.log.finished({
        method,
        path,
        query,
        status,
        authorization,
        token: authorization === undefined || authorization === "" ? null : authorization,
        write: isWrite(route(path)?.route, method),
        ...(parsed.body === undefined ? {} : { body: parsed.body }),
        receivedAt
      })
    try {
      parsed = parseBody(await readBody(req))
      const latency = ctx.faults.latency()
      if (latency > 0) await sleep(latency)
      if (res.destroyed) return record(0)
      const decision = decide(ctx.faults, method, target)
      if (decision.kind === "drop") {
        record(0)
        req.socket.destroy()
        return
      }
      if (decision.kind === "status") {
        const reply = error(decision.status, decision.code, decision.message, decision.headers)
        record(reply.status)
        return send(res, reply, ctx.faults.current.extraFields === true, false)
      }
      const reply = respond(ctx, method, path, query, authorization, parsed)
      if (decision.kind === "lose-answer") {
        record(0)
        req.socket.destroy()
        return
      }
      record(reply.status)
      const malformed = decision.kind === "malformed" || (decision.malformed && reply.status === 200)
      send(res, reply, ctx.faults.current.extraFields === true, malformed)
    } catch (e) {
      record(500)
      if (!res.headersSent && !res.destroyed) {
        send(
          res,
          error(500, "INTERNAL_ERROR", `Unexpected server error: ${e instanceof Error ? e.message : String(e)}`),
          false,
          false
        )
      }
    }
  }
