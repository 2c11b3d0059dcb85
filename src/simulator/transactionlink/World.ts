/**
 * The organisation's state and its ground truth. Everything the HTTP endpoints return is built here, so tests can
 * compare a response with `world.*Json()` and scenario code can change the state the way the real product would.
 */
import {
  isoTime,
  TL_ORG_ROLE_NAMES,
  type TlEnrollmentJson,
  type TlEnrollmentStatus,
  type TlMembershipJson,
  type TlOrgRoleJson,
  type TlOrgRoleName,
  type TlRoleRefJson,
  type TlUserJson,
  type TlUserProfileJson,
  type TlUserStatus,
  type TlWorkspaceJson
} from "./Json.js"
import type { Rng } from "./Random.js"

export const DAY_MS = 86_400_000
/** INFERRED (pinned in section 12): an enrollment expires 7 days after its last send. */
export const ENROLLMENT_TTL_MS = 7 * DAY_MS

/** Thrown by scenario methods; the server maps `kind` to 404 / 400. */
export class TlWorldError extends Error {
  constructor(
    readonly kind: "NOT_FOUND" | "BAD_REQUEST",
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

export interface TlAddUserInput {
  email: string
  orgRole: TlOrgRoleName
  firstName?: string
  lastName?: string
  title?: string
}

/** A workspace assignment of an enrollment; `role` is a workspace role name or id. */
export interface TlEnrollmentWorkspaceInput {
  workspaceId: string
  role: string
}

export interface TlCreateEnrollmentInput {
  email: string
  orgRole: TlOrgRoleName
  firstName?: string
  lastName?: string
  title?: string
  workspaces?: ReadonlyArray<TlEnrollmentWorkspaceInput>
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

const toMs = (at: Date | string | number): number => {
  const ms = at instanceof Date ? at.getTime() : typeof at === "number" ? at : Date.parse(at)
  if (!Number.isFinite(ms)) throw new TlWorldError("BAD_REQUEST", `not a valid time: ${String(at)}`)
  return ms
}

const internals = new WeakMap<TlWorld, { state: WorldState; users: ReadonlyMap<string, UserState> }>()

const internalsOf = (world: TlWorld) => {
  const found = internals.get(world)
  if (found === undefined) throw new Error("internal: unknown world")
  return found
}

/** @internal the live state behind a world (for the churn engine; not exported by index.ts). */
export const worldState = (world: TlWorld): WorldState => internalsOf(world).state

/** @internal a user's live state by id. */
export const worldUser = (world: TlWorld, userId: string): UserState | undefined => internalsOf(world).users.get(userId)

export class TlWorld {
  readonly #s: WorldState
  readonly #ids: Rng
  readonly #workspaces = new Map<string, WorkspaceState>()
  readonly #users = new Map<string, UserState>()
  readonly #enrollments = new Map<string, EnrollmentState>()
  readonly #emails = new Map<string, UserState>()
  /** The earliest expiry among PENDING enrollments (0: unknown, recompute). */
  #nextExpiry = 0

  /** @internal built by `generateWorld`; use `createTransactionLinkWorld` or the simulator. */
  constructor(state: WorldState, ids: Rng) {
    this.#s = state
    this.#ids = ids
    internals.set(this, { state, users: this.#users })
    for (const ws of state.workspaces) this.#workspaces.set(ws.id, ws)
    for (const u of state.users) {
      this.#users.set(u.id, u)
      this.#emails.set(u.email.toLowerCase(), u)
    }
    for (const e of state.enrollments) this.#enrollments.set(e.id, e)
    this.#expireDue()
  }

  // ---- clock -------------------------------------------------------------------------------------------------

  get organizationId(): string {
    return this.#s.organization.id
  }

  /** The organisation's main e-mail domain (most, not all, users are on it). */
  get domain(): string {
    return this.#s.organization.domain
  }

  now(): Date {
    return new Date(this.#s.nowMs)
  }

  /** Moves the simulated clock (no churn). PENDING enrollments whose 7 days have run out become EXPIRED. */
  setNow(at: Date | string | number): void {
    this.#s.nowMs = toMs(at)
    this.#expireDue()
  }

  // ---- workspaces --------------------------------------------------------------------------------------------

  addWorkspace(input: { name: string; roles?: ReadonlyArray<string> }): TlWorkspaceJson {
    const roles = input.roles ?? ["Workspace Admin", "Editor", "Viewer"]
    if (roles.length === 0) throw new TlWorldError("BAD_REQUEST", "a workspace needs at least one role")
    if (new Set(roles).size !== roles.length) throw new TlWorldError("BAD_REQUEST", "duplicate workspace role name")
    const ws: WorkspaceState = {
      id: this.#ids.uuid(),
      name: input.name,
      createdAt: this.#s.nowMs,
      roles: roles.map((name) => ({ id: this.#ids.uuid(), name, createdAt: this.#s.nowMs }))
    }
    this.#s.workspaces.push(ws)
    this.#workspaces.set(ws.id, ws)
    return this.#workspaceJson(ws)
  }

  addWorkspaceRole(workspaceId: string, name: string): TlRoleRefJson {
    const ws = this.#workspace(workspaceId)
    if (ws.roles.some((r) => r.name === name)) throw new TlWorldError("BAD_REQUEST", `role ${name} already exists`)
    const role = { id: this.#ids.uuid(), name, createdAt: this.#s.nowMs }
    ws.roles.push(role)
    return this.#roleJson(ws, role)
  }

  hasWorkspace(workspaceId: string): boolean {
    return this.#workspaces.has(workspaceId.toLowerCase())
  }

  /** A workspace role by name or by id. */
  workspaceRole(workspaceId: string, nameOrId: string): TlRoleRefJson {
    const ws = this.#workspace(workspaceId)
    return this.#roleJson(ws, this.#role(ws, nameOrId))
  }

  // ---- users -------------------------------------------------------------------------------------------------

  addUser(input: TlAddUserInput): TlUserJson {
    const user = this.#createUser(input)
    return this.#userJson(user)
  }

  /** Deactivates a user. Their direct memberships stay unless `removeMemberships` (a kept one is an audit finding). */
  terminateUser(userId: string, options: { removeMemberships?: boolean } = {}): TlUserJson {
    const user = this.#user(userId)
    if (user.status === "TERMINATED") throw new TlWorldError("BAD_REQUEST", `user ${user.id} is already terminated`)
    user.status = "TERMINATED"
    if (options.removeMemberships === true) {
      for (const members of this.#s.memberships.values()) members.delete(user.id)
    }
    return this.#userJson(user)
  }

  reinstateUser(userId: string): TlUserJson {
    const user = this.#user(userId)
    if (user.status === "ACTIVE") throw new TlWorldError("BAD_REQUEST", `user ${user.id} is not terminated`)
    user.status = "ACTIVE"
    return this.#userJson(user)
  }

  setOrgRole(userId: string, orgRole: TlOrgRoleName): TlUserJson {
    const user = this.#user(userId)
    user.orgRole = this.#orgRoleName(orgRole)
    return this.#userJson(user)
  }

  setProfile(userId: string, profile: { firstName?: string; lastName?: string; title?: string }): TlUserJson {
    const user = this.#user(userId)
    user.firstName = profile.firstName
    user.lastName = profile.lastName
    user.title = profile.title
    return this.#userJson(user)
  }

  /** A sign-in at `at` (default now). The first sign-in gives the user an identity-provider id (`idpId`). */
  recordLogin(userId: string, at?: Date | string | number): TlUserJson {
    const user = this.#user(userId)
    if (user.status === "TERMINATED") throw new TlWorldError("BAD_REQUEST", `user ${user.id} is terminated`)
    user.lastLoginAt = at === undefined ? this.#s.nowMs : toMs(at)
    if (user.idpId === null) user.idpId = this.#ids.uuid()
    return this.#userJson(user)
  }

  userByEmail(email: string): TlUserJson | undefined {
    const user = this.#emails.get(email.trim().toLowerCase())
    return user === undefined ? undefined : this.#userJson(user)
  }

  orgRoleId(orgRole: TlOrgRoleName): string {
    return this.#s.orgRoleIds[this.#orgRoleName(orgRole)]
  }

  // ---- memberships -------------------------------------------------------------------------------------------

  /** Upsert: adds the direct membership, or changes its role. `role` is a workspace role name or id. */
  addMembership(workspaceId: string, userId: string, role: string): TlMembershipJson {
    const ws = this.#workspace(workspaceId)
    const user = this.#user(userId)
    if (user.status === "TERMINATED") throw new TlWorldError("BAD_REQUEST", `user ${user.id} is terminated`)
    const found = this.#role(ws, role)
    this.#members(ws.id).set(user.id, found.id)
    return this.#membershipJson(ws, user.id, found.id)
  }

  removeMembership(workspaceId: string, userId: string): void {
    const ws = this.#workspace(workspaceId)
    const user = this.#user(userId)
    if (!this.#members(ws.id).delete(user.id)) {
      throw new TlWorldError("NOT_FOUND", `user ${user.id} has no direct membership in workspace ${ws.id}`)
    }
  }

  // ---- enrollments -------------------------------------------------------------------------------------------

  createEnrollment(input: TlCreateEnrollmentInput): TlEnrollmentJson {
    const email = input.email.trim()
    if (!EMAIL.test(email)) throw new TlWorldError("BAD_REQUEST", `not an e-mail address: ${input.email}`)
    const orgRole = this.#orgRoleName(input.orgRole)
    if (this.userByEmail(email) !== undefined) {
      throw new TlWorldError("BAD_REQUEST", `${email} is already a user of the organisation`)
    }
    if (this.#s.enrollments.some((e) => e.status === "PENDING" && e.email.toLowerCase() === email.toLowerCase())) {
      throw new TlWorldError("BAD_REQUEST", `${email} already has a pending enrollment`)
    }
    const workspaces = (input.workspaces ?? []).map((w) => {
      const ws = this.#workspace(w.workspaceId)
      return { workspaceId: ws.id, roleId: this.#role(ws, w.role).id }
    })
    const enrollment: EnrollmentState = {
      id: this.#ids.uuid(),
      email,
      status: "PENDING",
      orgRole,
      firstName: input.firstName,
      lastName: input.lastName,
      title: input.title,
      workspaces,
      createdAt: this.#s.nowMs,
      lastSentAt: this.#s.nowMs
    }
    this.#s.enrollments.push(enrollment)
    this.#enrollments.set(enrollment.id, enrollment)
    this.#nextExpiry = Math.min(this.#nextExpiry, enrollment.lastSentAt + ENROLLMENT_TTL_MS)
    return this.#enrollmentJson(enrollment)
  }

  /** PENDING -> ACCEPTED: creates the user (signed in now) and the enrollment's workspace memberships. */
  acceptEnrollment(enrollmentId: string): TlUserJson {
    const e = this.#enrollment(enrollmentId)
    if (e.status !== "PENDING") throw new TlWorldError("BAD_REQUEST", `enrollment ${e.id} is ${e.status}`)
    const user = this.#createUser({
      email: e.email,
      orgRole: e.orgRole,
      ...(e.firstName === undefined ? {} : { firstName: e.firstName }),
      ...(e.lastName === undefined ? {} : { lastName: e.lastName }),
      ...(e.title === undefined ? {} : { title: e.title })
    })
    user.idpId = this.#ids.uuid()
    user.lastLoginAt = this.#s.nowMs
    e.status = "ACCEPTED"
    e.userId = user.id
    for (const w of e.workspaces) {
      const ws = this.#workspaces.get(w.workspaceId)
      if (ws !== undefined && ws.roles.some((r) => r.id === w.roleId)) this.#members(ws.id).set(user.id, w.roleId)
    }
    return this.#userJson(user)
  }

  /** PENDING or EXPIRED -> CANCELLED. */
  cancelEnrollment(enrollmentId: string): TlEnrollmentJson {
    const e = this.#enrollment(enrollmentId)
    if (e.status !== "PENDING" && e.status !== "EXPIRED") {
      throw new TlWorldError("BAD_REQUEST", `enrollment ${e.id} is ${e.status}`)
    }
    e.status = "CANCELLED"
    return this.#enrollmentJson(e)
  }

  /** PENDING or EXPIRED -> PENDING, sent now (so it expires 7 days from now). */
  resendEnrollment(enrollmentId: string): TlEnrollmentJson {
    const e = this.#enrollment(enrollmentId)
    if (e.status !== "PENDING" && e.status !== "EXPIRED") {
      throw new TlWorldError("BAD_REQUEST", `enrollment ${e.id} is ${e.status}`)
    }
    e.status = "PENDING"
    e.lastSentAt = this.#s.nowMs
    this.#nextExpiry = Math.min(this.#nextExpiry, e.lastSentAt + ENROLLMENT_TTL_MS)
    return this.#enrollmentJson(e)
  }

  // ---- ground truth: exactly what the endpoints return (without fault decorations) ------------------------

  /** `GET /organizations/workspaces` for a token that can view every workspace. */
  workspacesJson(): Array<TlWorkspaceJson> {
    return this.#s.workspaces.map((ws) => this.#workspaceJson(ws))
  }

  /** `GET /workspaces/{id}/memberships`: direct memberships, in the order they were created. */
  directMembershipsJson(workspaceId: string): Array<TlMembershipJson> {
    const ws = this.#workspace(workspaceId)
    return [...this.#members(ws.id)].map(([userId, roleId]) => this.#membershipJson(ws, userId, roleId))
  }

  /**
   * `GET /organizations/workspaces/{id}/memberships`: the direct list, then one inherited entry (role type
   * `ORGANIZATION`) per ACTIVE organisation owner/admin without a direct membership, in user order.
   */
  allMembershipsJson(workspaceId: string): Array<TlMembershipJson> {
    const ws = this.#workspace(workspaceId)
    const direct = this.directMembershipsJson(ws.id)
    const members = this.#members(ws.id)
    const inherited = this.#s.users
      .filter((u) => u.status === "ACTIVE" && u.orgRole !== "member" && !members.has(u.id))
      .map(
        (u): TlMembershipJson => ({
          workspaceId: ws.id,
          userId: u.id,
          role: {
            id: this.#s.orgRoleIds[u.orgRole],
            name: u.orgRole,
            workspaceId: ws.id,
            createdDateTime: isoTime(this.#s.organization.createdAt),
            type: "ORGANIZATION"
          }
        })
      )
    return [...direct, ...inherited]
  }

  /** `GET /organizations/workspaces/{id}/roles`: the workspace's own roles (type `WORKSPACE`). */
  rolesJson(workspaceId: string): Array<TlRoleRefJson> {
    const ws = this.#workspace(workspaceId)
    return ws.roles.map((r) => this.#roleJson(ws, r))
  }

  /** `GET /organizations/roles`. */
  orgRolesJson(): Array<TlOrgRoleJson> {
    return TL_ORG_ROLE_NAMES.map((name) => ({
      id: this.#s.orgRoleIds[name],
      name,
      organizationId: this.#s.organization.id
    }))
  }

  /** Every user, in the order of `GET /organizations/users` (creation order). */
  usersJson(): Array<TlUserJson> {
    return this.#s.users.map((u) => this.#userJson(u))
  }

  /** `GET /organizations/users/{id}`. */
  userJson(userId: string): TlUserJson {
    return this.#userJson(this.#user(userId))
  }

  /** Every enrollment (or those of one status), in the order of `GET /organizations/enrollments` (creation order). */
  enrollmentsJson(status?: TlEnrollmentStatus): Array<TlEnrollmentJson> {
    return this.#s.enrollments
      .filter((e) => status === undefined || e.status === status)
      .map((e) => this.#enrollmentJson(e))
  }

  // ---- internals -----------------------------------------------------------------------------------------

  #expireDue(): void {
    const now = this.#s.nowMs
    if (now < this.#nextExpiry) return
    let next = Number.POSITIVE_INFINITY
    for (const e of this.#s.enrollments) {
      if (e.status !== "PENDING") continue
      const expiresAt = e.lastSentAt + ENROLLMENT_TTL_MS
      if (now >= expiresAt) e.status = "EXPIRED"
      else next = Math.min(next, expiresAt)
    }
    this.#nextExpiry = next
  }

  #createUser(input: TlAddUserInput): UserState {
    const email = input.email.trim()
    if (!EMAIL.test(email)) throw new TlWorldError("BAD_REQUEST", `not an e-mail address: ${input.email}`)
    if (this.userByEmail(email) !== undefined) throw new TlWorldError("BAD_REQUEST", `${email} is already a user`)
    const user: UserState = {
      id: this.#ids.uuid(),
      email,
      idpId: null,
      orgRole: this.#orgRoleName(input.orgRole),
      firstName: input.firstName,
      lastName: input.lastName,
      title: input.title,
      createdAt: this.#s.nowMs,
      status: "ACTIVE"
    }
    this.#s.users.push(user)
    this.#users.set(user.id, user)
    this.#emails.set(email.toLowerCase(), user)
    return user
  }

  #orgRoleName(name: string): TlOrgRoleName {
    const found = TL_ORG_ROLE_NAMES.find((n) => n === name)
    if (found === undefined) throw new TlWorldError("BAD_REQUEST", `unknown organisation role: ${name}`)
    return found
  }

  #workspace(id: string): WorkspaceState {
    const ws = this.#workspaces.get(id.toLowerCase())
    if (ws === undefined) throw new TlWorldError("NOT_FOUND", `workspace ${id} does not exist`)
    return ws
  }

  #role(ws: WorkspaceState, nameOrId: string): WorkspaceRoleState {
    const role = ws.roles.find((r) => r.name === nameOrId) ?? ws.roles.find((r) => r.id === nameOrId.toLowerCase())
    if (role === undefined) throw new TlWorldError("BAD_REQUEST", `workspace ${ws.id} has no role ${nameOrId}`)
    return role
  }

  #user(id: string): UserState {
    const user = this.#users.get(id.toLowerCase())
    if (user === undefined) throw new TlWorldError("NOT_FOUND", `user ${id} does not exist`)
    return user
  }

  #enrollment(id: string): EnrollmentState {
    const e = this.#enrollments.get(id.toLowerCase())
    if (e === undefined) throw new TlWorldError("NOT_FOUND", `enrollment ${id} does not exist`)
    return e
  }

  #members(workspaceId: string): Map<string, string> {
    let members = this.#s.memberships.get(workspaceId)
    if (members === undefined) {
      members = new Map()
      this.#s.memberships.set(workspaceId, members)
    }
    return members
  }

  #workspaceJson(ws: WorkspaceState): TlWorkspaceJson {
    return { id: ws.id, name: ws.name, workspaceType: "LIVE", createdDateTime: isoTime(ws.createdAt) }
  }

  #roleJson(ws: WorkspaceState, role: WorkspaceRoleState): TlRoleRefJson {
    return {
      id: role.id,
      name: role.name,
      workspaceId: ws.id,
      createdDateTime: isoTime(role.createdAt),
      type: "WORKSPACE"
    }
  }

  #membershipJson(ws: WorkspaceState, userId: string, roleId: string): TlMembershipJson {
    const role = ws.roles.find((r) => r.id === roleId)
    if (role === undefined) throw new Error(`internal: role ${roleId} missing from workspace ${ws.id}`)
    return { workspaceId: ws.id, userId, role: this.#roleJson(ws, role) }
  }

  #userJson(u: UserState): TlUserJson {
    const profile: TlUserProfileJson = {}
    if (u.firstName !== undefined) profile.firstName = u.firstName
    if (u.lastName !== undefined) profile.lastName = u.lastName
    if (u.title !== undefined) profile.title = u.title
    const json: TlUserJson = {
      id: u.id,
      email: u.email,
      idpId: u.idpId,
      roleId: this.#s.orgRoleIds[u.orgRole],
      profile,
      createdDateTime: isoTime(u.createdAt),
      status: u.status
    }
    if (u.lastLoginAt !== undefined) json.lastLoginDateTime = isoTime(u.lastLoginAt)
    return json
  }

  #enrollmentJson(e: EnrollmentState): TlEnrollmentJson {
    return {
      enrollmentId: e.id,
      email: e.email,
      status: e.status,
      lastInvitationSentAt: isoTime(e.lastSentAt),
      roleId: this.#s.orgRoleIds[e.orgRole],
      createdDateTime: isoTime(e.createdAt),
      expiresAt: isoTime(e.lastSentAt + ENROLLMENT_TTL_MS)
    }
  }
}
