/**
 * The paths the simulator knows: the read endpoints (GET), the write endpoints it serves, and the documented or
 * inferred writes it does not simulate (405).
 */
import type { TokenGrant } from "./Auth.js"
import type { TlEndpointName } from "./Faults.js"
import * as Reads from "./Reads.js"
import type { Reply } from "./Replies.js"
import type { TlWorld } from "./World.js"
import * as Writes from "./Writes.js"

export interface Request {
  readonly world: TlWorld
  readonly grant: TokenGrant
  /** The path's parameters, in order. */
  readonly params: ReadonlyArray<string>
  readonly query: URLSearchParams
  readonly body: unknown
  readonly badBody: boolean
}

export type Handler = (request: Request) => Reply

export interface Route {
  readonly pattern: RegExp
  /** Served endpoints have a name (for `forbid`); unsimulated writes have none. */
  readonly endpoint?: TlEndpointName
  readonly read?: Handler
  /** Write methods: a handler, or null for a documented write the simulator does not serve. */
  readonly writes?: Readonly<Record<string, Handler | null>>
}

const ANY_WRITE = { POST: null, PUT: null, PATCH: null, DELETE: null }

export const ROUTES: ReadonlyArray<Route> = [
  { endpoint: "workspaces", pattern: /^\/organizations\/workspaces$/, read: Reads.listWorkspaces },
  { endpoint: "directMemberships", pattern: /^\/workspaces\/([^/]+)\/memberships$/, read: Reads.directMemberships },
  {
    endpoint: "allMemberships",
    pattern: /^\/organizations\/workspaces\/([^/]+)\/memberships$/,
    read: Reads.allMemberships
  },
  { endpoint: "workspaceRoles", pattern: /^\/organizations\/workspaces\/([^/]+)\/roles$/, read: Reads.workspaceRoles },
  { endpoint: "orgRoles", pattern: /^\/organizations\/roles$/, read: Reads.orgRoles },
  { endpoint: "users", pattern: /^\/organizations\/users$/, read: Reads.users },
  { endpoint: "user", pattern: /^\/organizations\/users\/([^/]+)$/, read: Reads.user },
  {
    endpoint: "enrollments",
    pattern: /^\/organizations\/enrollments$/,
    read: Reads.enrollments,
    writes: { POST: null }
  },
  {
    endpoint: "membership",
    pattern: /^\/organizations\/workspaces\/([^/]+)\/memberships\/([^/]+)$/,
    writes: { PUT: Writes.setMembership, DELETE: Writes.removeMembership }
  },
  {
    endpoint: "cancelEnrollment",
    pattern: /^\/organizations\/enrollments\/([^/]+)\/cancel$/,
    writes: { POST: Writes.cancelEnrollment }
  },
  // The other candidate path of the membership writes (section 4.3), and the user and enrollment writes.
  { pattern: /^\/workspaces\/[^/]+\/memberships\/[^/]+$/, writes: ANY_WRITE },
  { pattern: /^\/organizations\/users\/[^/]+\/(?:profile|role|terminate|reinstate|reset-mfa)$/, writes: ANY_WRITE },
  { pattern: /^\/organizations\/enrollments\/[^/]+\/resend$/, writes: ANY_WRITE }
]

export const route = (path: string): { route: Route; params: Array<string> } | undefined => {
  for (const r of ROUTES) {
    const m = r.pattern.exec(path)
    if (m !== null) return { route: r, params: m.slice(1) }
  }
  return undefined
}

/** The methods a route serves, for `Allow`. */
export const allowed = (r: Route): Array<string> => [
  ...(r.read ? ["GET"] : []),
  ...Object.entries(r.writes ?? {}).filter(([, h]) => h !== null).map(([m]) => m)
]

export const isWrite = (r: Route | undefined, method: string): boolean => r?.writes !== undefined && method in r.writes
