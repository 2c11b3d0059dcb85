/** The section 12 shapes of the organisation's resources, built from the state (the server and ground truth share them). */
import { iso } from "../kit/Time.js"
import type {
  TlEnrollmentJson,
  TlMembershipJson,
  TlRoleRefJson,
  TlUserJson,
  TlUserProfileJson,
  TlWorkspaceJson
} from "./Json.js"
import {
  ENROLLMENT_TTL_MS,
  type EnrollmentState,
  type Org,
  type UserState,
  type WorkspaceRoleState,
  type WorkspaceState
} from "./State.js"

export const workspaceJson = (ws: WorkspaceState): TlWorkspaceJson => ({
  id: ws.id,
  name: ws.name,
  workspaceType: "LIVE",
  createdDateTime: iso(ws.createdAt)
})

export const roleJson = (ws: WorkspaceState, role: WorkspaceRoleState): TlRoleRefJson => ({
  id: role.id,
  name: role.name,
  workspaceId: ws.id,
  createdDateTime: iso(role.createdAt),
  type: "WORKSPACE"
})

export const membershipJson = (ws: WorkspaceState, userId: string, roleId: string): TlMembershipJson => {
  const role = ws.roles.find((r) => r.id === roleId)
  if (role === undefined) throw new Error(`internal: role ${roleId} missing from workspace ${ws.id}`)
  return { workspaceId: ws.id, userId, role: roleJson(ws, role) }
}

/** An organisation owner or admin's inherited access to a workspace (role type `ORGANIZATION`). */
export const inheritedJson = (org: Org, ws: WorkspaceState, u: UserState): TlMembershipJson => ({
  workspaceId: ws.id,
  userId: u.id,
  role: {
    id: org.s.orgRoleIds[u.orgRole],
    name: u.orgRole,
    workspaceId: ws.id,
    createdDateTime: iso(org.s.organization.createdAt),
    type: "ORGANIZATION"
  }
})

export const userJson = (org: Org, u: UserState): TlUserJson => {
  const profile: TlUserProfileJson = {}
  if (u.firstName !== undefined) profile.firstName = u.firstName
  if (u.lastName !== undefined) profile.lastName = u.lastName
  if (u.title !== undefined) profile.title = u.title
  const json: TlUserJson = {
    id: u.id,
    email: u.email,
    idpId: u.idpId,
    roleId: org.s.orgRoleIds[u.orgRole],
    profile,
    createdDateTime: iso(u.createdAt),
    status: u.status
  }
  if (u.lastLoginAt !== undefined) json.lastLoginDateTime = iso(u.lastLoginAt)
  return json
}

export const enrollmentJson = (org: Org, e: EnrollmentState): TlEnrollmentJson => ({
  enrollmentId: e.id,
  email: e.email,
  status: e.status,
  lastInvitationSentAt: iso(e.lastSentAt),
  roleId: org.s.orgRoleIds[e.orgRole],
  createdDateTime: iso(e.createdAt),
  expiresAt: iso(e.lastSentAt + ENROLLMENT_TTL_MS)
})
