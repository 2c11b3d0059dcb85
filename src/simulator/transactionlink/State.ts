/**
 * The organisation's state: workspaces with their roles, users, direct memberships and enrollments, with lookups
 * by id. The scenario methods (World.ts and the files it fronts) change it the way the real product would.
 */
import type { Random } from "../kit/Random.js"
import { DAY } from "../kit/Time.js"
import { TL_ORG_ROLE_NAMES, type TlEnrollmentStatus, type TlOrgRoleName, type TlUserStatus } from "./Json.js"

export const DAY_MS = DAY
/** INFERRED (pinned in section 12): an enrollment expires 7 days after its last send. */
export const ENROLLMENT_TTL_MS = 7 * DAY

/** Thrown by scenario methods; the server maps `kind` to 404 / 400 / 409. */
export class TlWorldError extends Error {
  constructor(
    readonly kind: "NOT_FOUND" | "BAD_REQUEST" | "CONFLICT",
    message: string
  ) {
    super(message)
    this.name = "TlWorldError"
  }
}

export interface WorkspaceRoleState {
  id: string
  name: string
  createdAt: number
}

export interface WorkspaceState {
  id: string
  name: string
  createdAt: number
  roles: Array<WorkspaceRoleState>
}

export interface UserState {
  id: string
  email: string
  idpId: string | null
  orgRole: TlOrgRoleName
  firstName?: string | undefined
  lastName?: string | undefined
  title?: string | undefined
  createdAt: number
  status: TlUserStatus
  lastLoginAt?: number | undefined
  /** When the user was terminated (not on the wire; the people directory says it). */
  terminatedAt?: number | undefined
}

export interface EnrollmentState {
  id: string
  email: string
  status: TlEnrollmentStatus
  orgRole: TlOrgRoleName
  firstName?: string | undefined
  lastName?: string | undefined
  title?: string | undefined
  /** Workspace assignments applied on acceptance (stored, not emitted: the wire shape does not carry them). */
  workspaces: Array<{ workspaceId: string; roleId: string }>
  createdAt: number
  lastSentAt: number
  userId?: string | undefined
}

export interface WorldState {
  organization: { id: string; createdAt: number; domain: string }
  orgRoleIds: Record<TlOrgRoleName, string>
  workspaces: Array<WorkspaceState>
  users: Array<UserState>
  /** workspaceId -> userId -> workspace role id; Map order is the order of the direct membership list. */
  memberships: Map<string, Map<string, string>>
  enrollments: Array<EnrollmentState>
  nowMs: number
}

export const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

export const toMs = (at: Date | string | number): number => {
  const ms = at instanceof Date ? at.getTime() : typeof at === "number" ? at : Date.parse(at)
  if (!Number.isFinite(ms)) throw new TlWorldError("BAD_REQUEST", `not a valid time: ${String(at)}`)
  return ms
}

/** The state with its indexes. */
export class Org {
  readonly workspaces = new Map<string, WorkspaceState>()
  readonly users = new Map<string, UserState>()
  readonly enrollments = new Map<string, EnrollmentState>()
  readonly emails = new Map<string, UserState>()
  /** The earliest expiry among PENDING enrollments (0: unknown, recompute). */
  nextExpiry = 0

  constructor(readonly s: WorldState, readonly ids: Random) {
    for (const ws of s.workspaces) this.workspaces.set(ws.id, ws)
    for (const u of s.users) {
      this.users.set(u.id, u)
      this.emails.set(u.email.toLowerCase(), u)
    }
    for (const e of s.enrollments) this.enrollments.set(e.id, e)
  }

  get now(): number {
    return this.s.nowMs
  }

  workspace(id: string): WorkspaceState {
    const ws = this.workspaces.get(id.toLowerCase())
    if (ws === undefined) throw new TlWorldError("NOT_FOUND", `workspace ${id} does not exist`)
    return ws
  }

  role(ws: WorkspaceState, nameOrId: string): WorkspaceRoleState {
    const role = ws.roles.find((r) => r.name === nameOrId) ?? ws.roles.find((r) => r.id === nameOrId.toLowerCase())
    if (role === undefined) throw new TlWorldError("BAD_REQUEST", `workspace ${ws.id} has no role ${nameOrId}`)
    return role
  }

  user(id: string): UserState {
    const user = this.users.get(id.toLowerCase())
    if (user === undefined) throw new TlWorldError("NOT_FOUND", `user ${id} does not exist`)
    return user
  }

  userByEmail(email: string): UserState | undefined {
    return this.emails.get(email.trim().toLowerCase())
  }

  enrollment(id: string): EnrollmentState {
    const e = this.enrollments.get(id.toLowerCase())
    if (e === undefined) throw new TlWorldError("NOT_FOUND", `enrollment ${id} does not exist`)
    return e
  }

  /** A workspace's direct members (userId -> role id), created when first needed. */
  members(workspaceId: string): Map<string, string> {
    let members = this.s.memberships.get(workspaceId)
    if (members === undefined) {
      members = new Map()
      this.s.memberships.set(workspaceId, members)
    }
    return members
  }

  orgRoleName(name: string): TlOrgRoleName {
    const found = TL_ORG_ROLE_NAMES.find((n) => n === name)
    if (found === undefined) throw new TlWorldError("BAD_REQUEST", `unknown organisation role: ${name}`)
    return found
  }
}
