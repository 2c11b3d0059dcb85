/**
 * The organisation's front: scenario methods that change it the way the real product would, and the ground truth
 * (exactly what the endpoints return, without fault decorations), so tests can compare a response with
 * `world.*Json()`. The capabilities live in their own files (users, memberships, enrollments, rendering, roster).
 */
import type { Random } from "../kit/Random.js"
import {
  acceptEnrollment,
  cancelEnrollment,
  createEnrollment,
  expireDue,
  resendEnrollment,
  type TlCreateEnrollmentInput
} from "./Enrollments.js"
import {
  TL_ORG_ROLE_NAMES,
  type TlEnrollmentJson,
  type TlEnrollmentStatus,
  type TlMembershipJson,
  type TlOrgRoleJson,
  type TlOrgRoleName,
  type TlRoleRefJson,
  type TlUserJson,
  type TlWorkspaceJson
} from "./Json.js"
import { allMemberships, directMemberships, removeMembership, upsertMembership } from "./Memberships.js"
import { enrollmentJson, roleJson, userJson, workspaceJson } from "./Render.js"
import { TlRoster } from "./Roster.js"
import { Org, TlWorldError, toMs, type UserState, type WorkspaceState, type WorldState } from "./State.js"
import { createUser, recordLogin, reinstateUser, terminateUser, type TlAddUserInput } from "./Users.js"

export type { TlCreateEnrollmentInput, TlEnrollmentWorkspaceInput } from "./Enrollments.js"
export type { TlAddUserInput } from "./Users.js"

const internals = new WeakMap<TlWorld, Org>()

const orgOf = (world: TlWorld): Org => {
  const found = internals.get(world)
  if (found === undefined) throw new Error("internal: unknown world")
  return found
}

/** @internal the live state behind a world (for the churn engine; not exported by index.ts). */
export const worldState = (world: TlWorld): WorldState => orgOf(world).s

/** @internal a user's live state by id. */
export const worldUser = (world: TlWorld, userId: string): UserState | undefined => orgOf(world).users.get(userId)

export class TlWorld {
  readonly #org: Org
  readonly #roster: TlRoster

  /** @internal built by `generateWorld`; use `createTransactionLinkWorld` or the simulator. */
  constructor(state: WorldState, ids: Random, roster: TlRoster) {
    this.#org = new Org(state, ids)
    this.#roster = roster
    internals.set(this, this.#org)
    expireDue(this.#org)
  }

  get organizationId(): string {
    return this.#org.s.organization.id
  }

  /** The organisation's main e-mail domain (most, not all, users are on it). */
  get domain(): string {
    return this.#org.s.organization.domain
  }

  now(): Date {
    return new Date(this.#org.now)
  }

  /** Moves the simulated clock (no churn). PENDING enrollments whose 7 days have run out become EXPIRED. */
  setNow(at: Date | string | number): void {
    this.#org.s.nowMs = toMs(at)
    expireDue(this.#org)
  }

  // ---- workspaces ------------------------------------------------------------------------------------------------

  addWorkspace(input: { name: string; roles?: ReadonlyArray<string> }): TlWorkspaceJson {
    const roles = input.roles ?? ["Workspace Admin", "Editor", "Viewer"]
    if (roles.length === 0) throw new TlWorldError("BAD_REQUEST", "a workspace needs at least one role")
    if (new Set(roles).size !== roles.length) throw new TlWorldError("BAD_REQUEST", "duplicate workspace role name")
    const org = this.#org
    const ws: WorkspaceState = {
      id: org.ids.uuid(),
      name: input.name,
      createdAt: org.now,
      roles: roles.map((name) => ({ id: org.ids.uuid(), name, createdAt: org.now }))
    }
    org.s.workspaces.push(ws)
    org.workspaces.set(ws.id, ws)
    return workspaceJson(ws)
  }

  addWorkspaceRole(workspaceId: string, name: string): TlRoleRefJson {
    const ws = this.#org.workspace(workspaceId)
    if (ws.roles.some((r) => r.name === name)) throw new TlWorldError("BAD_REQUEST", `role ${name} already exists`)
    const role = { id: this.#org.ids.uuid(), name, createdAt: this.#org.now }
    ws.roles.push(role)
    return roleJson(ws, role)
  }

  hasWorkspace(workspaceId: string): boolean {
    return this.#org.workspaces.has(workspaceId.toLowerCase())
  }

  /** A workspace role by name or by id. */
  workspaceRole(workspaceId: string, nameOrId: string): TlRoleRefJson {
    const ws = this.#org.workspace(workspaceId)
    return roleJson(ws, this.#org.role(ws, nameOrId))
  }

  // ---- users -----------------------------------------------------------------------------------------------------

  addUser(input: TlAddUserInput): TlUserJson {
    return userJson(this.#org, createUser(this.#org, input))
  }
  /** Deactivates a user. Their direct memberships stay unless `removeMemberships` (a kept one is an audit finding). */
  terminateUser(userId: string, options: { removeMemberships?: boolean } = {}): TlUserJson {
    return userJson(this.#org, terminateUser(this.#org, userId, options.removeMemberships === true))
  }
  reinstateUser(userId: string): TlUserJson {
    return userJson(this.#org, reinstateUser(this.#org, userId))
  }
  setOrgRole(userId: string, orgRole: TlOrgRoleName): TlUserJson {
    const user = this.#org.user(userId)
    user.orgRole = this.#org.orgRoleName(orgRole)
    return userJson(this.#org, user)
  }
  setProfile(userId: string, profile: { firstName?: string; lastName?: string; title?: string }): TlUserJson {
    const user = this.#org.user(userId)
    user.firstName = profile.firstName
    user.lastName = profile.lastName
    user.title = profile.title
    return userJson(this.#org, user)
  }
  /** A sign-in at `at` (default now). The first sign-in gives the user an identity-provider id (`idpId`). */
  recordLogin(userId: string, at?: Date | string | number): TlUserJson {
    return userJson(this.#org, recordLogin(this.#org, userId, at === undefined ? this.#org.now : toMs(at)))
  }
  userByEmail(email: string): TlUserJson | undefined {
    const user = this.#org.userByEmail(email)
    return user === undefined ? undefined : userJson(this.#org, user)
  }
  orgRoleId(orgRole: TlOrgRoleName): string {
    return this.#org.s.orgRoleIds[this.#org.orgRoleName(orgRole)]
  }

  // ---- memberships -----------------------------------------------------------------------------------------------

  /** Upsert: adds the direct membership, or changes its role. `role` is a workspace role name or id. A test hook too: re-add a removed member, or change a role out of band. */
  addMembership(workspaceId: string, userId: string, role: string): TlMembershipJson {
    return upsertMembership(this.#org, workspaceId, userId, role)
  }
  removeMembership(workspaceId: string, userId: string): void {
    removeMembership(this.#org, workspaceId, userId)
  }
  /** A test hook: one user's direct membership of a workspace, or undefined. */
  membership(workspaceId: string, userId: string): TlMembershipJson | undefined {
    return this.directMembershipsJson(workspaceId).find((m) => m.userId === userId.toLowerCase())
  }

  // ---- enrollments -----------------------------------------------------------------------------------------------

  createEnrollment(input: TlCreateEnrollmentInput): TlEnrollmentJson {
    return enrollmentJson(this.#org, createEnrollment(this.#org, input))
  }
  /** PENDING -> ACCEPTED: creates the user (signed in now) and the enrollment's workspace memberships. */
  acceptEnrollment(enrollmentId: string): TlUserJson {
    return userJson(this.#org, acceptEnrollment(this.#org, enrollmentId))
  }
  /** PENDING or EXPIRED -> CANCELLED (the endpoint cancels only PENDING ones). */
  cancelEnrollment(enrollmentId: string): TlEnrollmentJson {
    return enrollmentJson(this.#org, cancelEnrollment(this.#org, enrollmentId))
  }
  /** PENDING or EXPIRED -> PENDING, sent now (so it expires 7 days from now). */
  resendEnrollment(enrollmentId: string): TlEnrollmentJson {
    return enrollmentJson(this.#org, resendEnrollment(this.#org, enrollmentId))
  }

  // ---- ground truth ----------------------------------------------------------------------------------------------

  /** `GET /organizations/workspaces` for a token that can view every workspace. */
  workspacesJson(): Array<TlWorkspaceJson> {
    return this.#org.s.workspaces.map(workspaceJson)
  }
  /** `GET /workspaces/{id}/memberships`: direct memberships, in the order they were created. */
  directMembershipsJson(workspaceId: string): Array<TlMembershipJson> {
    return directMemberships(this.#org, workspaceId)
  }
  /** `GET /organizations/workspaces/{id}/memberships`: the direct list, then the inherited owners and admins. */
  allMembershipsJson(workspaceId: string): Array<TlMembershipJson> {
    return allMemberships(this.#org, workspaceId)
  }
  /** `GET /organizations/workspaces/{id}/roles`: the workspace's own roles (type `WORKSPACE`). */
  rolesJson(workspaceId: string): Array<TlRoleRefJson> {
    const ws = this.#org.workspace(workspaceId)
    return ws.roles.map((r) => roleJson(ws, r))
  }
  /** `GET /organizations/roles`. */
  orgRolesJson(): Array<TlOrgRoleJson> {
    return TL_ORG_ROLE_NAMES.map((name) => ({
      id: this.#org.s.orgRoleIds[name],
      name,
      organizationId: this.#org.s.organization.id
    }))
  }
  /** Every user, in the order of `GET /organizations/users` (creation order). */
  usersJson(): Array<TlUserJson> {
    return this.#org.s.users.map((u) => userJson(this.#org, u))
  }
  /** `GET /organizations/users/{id}`. */
  userJson(userId: string): TlUserJson {
    return userJson(this.#org, this.#org.user(userId))
  }
  /** Every enrollment (or those of one status), in the order of `GET /organizations/enrollments` (creation order). */
  enrollmentsJson(status?: TlEnrollmentStatus): Array<TlEnrollmentJson> {
    return this.#org.s.enrollments.filter((e) => status === undefined || e.status === status).map((e) =>
      enrollmentJson(this.#org, e)
    )
  }
  /** The company's people directory as CSV (`email,status,terminated_on,name,manager,department`), as of now. */
  rosterCsv(): string {
    return this.#roster.csv(this.#org)
  }
}
