/**
 * Who a request is (reference section 2): `Authorization: Bearer ptk_live_<64 hex>`, a robot token of the world or
 * one of the simulator's admin principals. An admin principal reads everything; only a write principal may also
 * change things (the read principal of the scheduled audit stays read-only).
 */
import type { Actor, Token } from "../Model.js"
import type { World } from "../World.js"

export interface Principal {
  readonly workspaceId: string
  /** The write principal's identity in the access log; null for the read-only principal. */
  readonly writer: Actor | null
  /** Set when a fault revoked it. */
  readonly revoked?: boolean
}

export interface Caller {
  readonly token: string
  readonly workspaceId: string
  readonly robot: { readonly id: string; readonly token: Token } | null
  readonly writer: Actor | null
}

const BEARER = /^Bearer (ptk_live_[0-9a-f]{64})$/

/** The credential presented, for the request log (null without a Bearer header). */
export const presented = (header: string | undefined): string | null => header?.match(/^Bearer (.*)$/)?.[1] ?? null

/** Who a token stands for, if it is valid now (missing, malformed, unknown, revoked and expired: null, DOC). */
export const authenticate = (
  world: World,
  principals: ReadonlyMap<string, Principal>,
  header: string | undefined
): Caller | null => {
  const match = header === undefined ? null : BEARER.exec(header)
  if (match === null) return null
  const token = match[1]!
  const principal = principals.get(token)
  if (principal !== undefined) {
    return principal.revoked
      ? null
      : { token, workspaceId: principal.workspaceId, robot: null, writer: principal.writer }
  }
  const found = world.findToken(token)
  return found !== undefined && world.tokenStatus(found.token) === "active"
    ? { token, workspaceId: found.ws.id, robot: { id: found.robotId, token: found.token }, writer: null }
    : null
}
