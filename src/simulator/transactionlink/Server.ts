/**
 * The HTTP side: routing, token checks, paging, errors and fault application, on plain `node:http`.
 * Order of checks for a request: latency, fault decision (drop / scripted or random error), authentication (401),
 * route (404, or 405 for a non-GET method), `forbid` fault (403), then the endpoint's own checks.
 */
import { randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { setTimeout as sleep } from "node:timers/promises"
import { canViewWorkspace, TOKEN_PATTERN, type TokenGrant } from "./Auth.js"
import { malform, withExtraFields, type FaultEngine, type TlEndpointName } from "./Faults.js"
import { TL_ENROLLMENT_STATUSES, type TlErrorCode, type TlErrorJson, type TlPageJson } from "./Json.js"
import { TlWorldError, type TlWorld } from "./World.js"

export interface TlRequestRecord {
  method: string
  /** Path without the query string, as sent. */
  path: string
  /** Query string without the leading `?` ("" when none). */
  query: string
  /** Status answered; 0 when the connection was dropped. */
  status: number
  authorization: string | undefined
}

export interface ServerContext {
  world: TlWorld
  grants: ReadonlyMap<string, TokenGrant>
  faults: FaultEngine
  record: (request: TlRequestRecord) => void
}

interface Reply {
  status: number
  body: unknown
  headers?: Readonly<Record<string, string>>
}

export const CONTENT_TYPE = "application/json;charset=UTF-8"
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DEFAULT_PAGE_SIZE = 20
const MAX_PAGE_SIZE = 100
const MAX_PAGE = 2_147_483_647

const READ_ROUTES: ReadonlyArray<readonly [TlEndpointName, RegExp]> = [
  ["workspaces", /^\/organizations\/workspaces$/],
  ["directMemberships", /^\/workspaces\/([^/]+)\/memberships$/],
  ["allMemberships", /^\/organizations\/workspaces\/([^/]+)\/memberships$/],
  ["workspaceRoles", /^\/organizations\/workspaces\/([^/]+)\/roles$/],
  ["orgRoles", /^\/organizations\/roles$/],
  ["users", /^\/organizations\/users$/],
  ["user", /^\/organizations\/users\/([^/]+)$/],
  ["enrollments", /^\/organizations\/enrollments$/]
]

/** Documented (or inferred) write operations: the simulator is read-only and answers them 405. */
const WRITE_ROUTES: ReadonlyArray<RegExp> = [
  /^\/organizations\/workspaces\/[^/]+\/memberships\/[^/]+$/,
  /^\/workspaces\/[^/]+\/memberships\/[^/]+$/,
  /^\/organizations\/users\/[^/]+\/(profile|role|terminate|reinstate|reset-mfa)$/,
  /^\/organizations\/enrollments\/[^/]+\/(resend|cancel)$/
]

const error = (
  status: number,
  code: TlErrorCode | string,
  message: string,
  headers?: Readonly<Record<string, string>>
): Reply => {
  const body: TlErrorJson = { fingerprint: randomUUID(), errors: [{ code, message }] }
  return headers === undefined ? { status, body } : { status, body, headers }
}

const ok = (body: unknown): Reply => ({ status: 200, body })

const forbidden = (what: string): Reply => error(403, "FORBIDDEN", `Insufficient permissions: ${what} is required`)

const paged = <T>(items: ReadonlyArray<T>, page: number, size: number): TlPageJson<T> => ({
  content: items.slice(page * size, page * size + size),
  totalElements: items.length,
  totalPages: Math.ceil(items.length / size),
  size,
  number: page
})

const intParam = (params: URLSearchParams, name: string, fallback: number, min: number, max: number): number | Reply => {
  const raw = params.get(name)
  if (raw === null) return fallback
  const n = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(n >= min && n <= max)) {
    return error(400, "BAD_REQUEST", `Query parameter '${name}' must be an integer from ${min} to ${max}, got '${raw}'`)
  }
  return n
}

const paging = (params: URLSearchParams): { page: number; size: number } | Reply => {
  const page = intParam(params, "page", 0, 0, MAX_PAGE)
  if (typeof page !== "number") return page
  const size = intParam(params, "size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
  if (typeof size !== "number") return size
  return { page, size }
}

const respond = (ctx: ServerContext, method: string, path: string, query: string, authorization: string | undefined): Reply => {
  // Authentication: the tot_ token as-is; "Bearer tot_..." is refused like any unknown value.
  if (authorization === undefined || authorization === "") {
    return error(401, "UNAUTHORIZED", "Token missing: send the organisation token in the Authorization header")
  }
  const grant = TOKEN_PATTERN.test(authorization) ? ctx.grants.get(authorization) : undefined
  if (grant === undefined) {
    const hint = /^bearer /i.test(authorization) ? " (send the tot_ token as-is, without a Bearer prefix)" : ""
    return error(401, "UNAUTHORIZED", `Token invalid${hint}`)
  }

  // Routing.
  let endpoint: TlEndpointName | undefined
  let param = ""
  for (const [name, pattern] of READ_ROUTES) {
    const m = pattern.exec(path)
    if (m !== null) {
      endpoint = name
      param = m[1] ?? ""
      break
    }
  }
  if (endpoint === undefined) {
    if (WRITE_ROUTES.some((p) => p.test(path))) {
      return error(405, "BAD_REQUEST", `${method} ${path}: write operations are not simulated`, { Allow: "" })
    }
    return error(404, "NOT_FOUND", `No resource at ${path}`)
  }
  if (method !== "GET") {
    return error(405, "BAD_REQUEST", `${method} ${path}: method not allowed (the simulator is read-only)`, { Allow: "GET" })
  }
  if (ctx.faults.forbids(endpoint)) return forbidden(`a permission this token lacks for '${endpoint}'`)

  const world = ctx.world
  const params = new URLSearchParams(query)
  switch (endpoint) {
    case "workspaces":
      return ok(world.workspacesJson().filter((ws) => canViewWorkspace(grant, ws.id)))
    case "directMemberships":
    case "allMemberships":
    case "workspaceRoles": {
      if (!UUID.test(param)) return error(400, "BAD_REQUEST", `workspaceId must be a UUID, got '${param}'`)
      const id = param.toLowerCase()
      if (!world.hasWorkspace(id)) return error(404, "NOT_FOUND", `Workspace ${id} not found`)
      if (!canViewWorkspace(grant, id)) return forbidden(`can_view_workspace on workspace ${id}`)
      return ok(
        endpoint === "directMemberships" ? world.directMembershipsJson(id)
        : endpoint === "allMemberships" ? world.allMembershipsJson(id)
        : world.rolesJson(id)
      )
    }
    case "orgRoles":
      return grant.manageUsers ? ok(world.orgRolesJson()) : forbidden("can_manage_users")
    case "user": {
      if (!grant.manageUsers) return forbidden("can_manage_users")
      if (!UUID.test(param)) return error(400, "BAD_REQUEST", `userId must be a UUID, got '${param}'`)
      try {
        return ok(world.userJson(param))
      } catch (e) {
        if (e instanceof TlWorldError) return error(404, "NOT_FOUND", `User ${param} not found`)
        throw e
      }
    }
    case "users": {
      if (!grant.manageUsers) return forbidden("can_manage_users")
      const p = paging(params)
      if ("status" in p) return p
      return ok(paged(world.usersJson(), p.page, p.size))
    }
    case "enrollments": {
      if (!grant.manageUsers) return forbidden("can_manage_users")
      const p = paging(params)
      if ("status" in p) return p
      const raw = params.get("status")
      const status = TL_ENROLLMENT_STATUSES.find((s) => s === raw)
      if (raw !== null && status === undefined) {
        return error(400, "BAD_REQUEST", `Query parameter 'status' must be one of ${TL_ENROLLMENT_STATUSES.join(", ")}, got '${raw}'`)
      }
      return ok(paged(world.enrollmentsJson(status), p.page, p.size))
    }
  }
}

const send = (res: ServerResponse, reply: Reply, extraFields: boolean, malformed: boolean): void => {
  let body = JSON.stringify(extraFields ? withExtraFields(reply.body) : reply.body)
  if (malformed) body = malform(body)
  res.writeHead(reply.status, {
    "Content-Type": CONTENT_TYPE,
    "Content-Length": String(Buffer.byteLength(body)),
    ...reply.headers
  })
  res.end(body)
}

const handle = async (ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const method = (req.method ?? "GET").toUpperCase()
  const target = req.url ?? "/"
  const q = target.indexOf("?")
  const path = q < 0 ? target : target.slice(0, q)
  const query = q < 0 ? "" : target.slice(q + 1)
  const authorization = req.headers.authorization
  const record = (status: number) => ctx.record({ method, path, query, status, authorization })
  req.resume()
  try {
    if (ctx.faults.latencyMs > 0) await sleep(ctx.faults.latencyMs)
    if (res.destroyed) return record(0)
    const decision = ctx.faults.decide(method, target)
    if (decision.kind === "drop") {
      record(0)
      req.socket.destroy()
      return
    }
    let reply: Reply
    let malformed = false
    if (decision.kind === "status") {
      reply = error(decision.status, decision.code, decision.message, decision.headers)
    } else {
      reply = respond(ctx, method, path, query, authorization)
      malformed = decision.kind === "malformed" || (decision.malformed && reply.status === 200)
    }
    record(reply.status)
    send(res, reply, ctx.faults.extraFields, malformed)
  } catch (e) {
    record(500)
    if (!res.headersSent && !res.destroyed) {
      send(res, error(500, "INTERNAL_ERROR", `Unexpected server error: ${e instanceof Error ? e.message : String(e)}`), false, false)
    }
  }
}

export const createTlServer = (ctx: ServerContext): Server =>
  createServer((req, res) => {
    void handle(ctx, req, res)
  })
