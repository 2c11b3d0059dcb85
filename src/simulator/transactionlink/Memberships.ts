/**
 * Workspace memberships: direct ones (a workspace role each, kept in creation order) and the access organisation
 * owners and admins inherit. Adding is an upsert (the reference infers one operation for add and change).
 */
import type { TlMembershipJson } from "./Json.js"
import { inheritedJson, membershipJson } from "./Render.js"
import { type Org, TlWorldError } from "./State.js"

/** Upsert: adds the direct membership, or changes its role. `role` is a workspace role name or id. */
export const upsertMembership = (org: Org, workspaceId: string, userId: string, role: string): TlMembershipJson => {
  const ws = org.workspace(workspaceId)
  const user = org.user(userId)
  if (user.status === "TERMINATED") throw new TlWorldError("BAD_REQUEST", `user ${user.id} is terminated`)
  const found = org.role(ws, role)
  org.members(ws.id).set(user.id, found.id)
  return membershipJson(ws, user.id, found.id)
}

/** Removes a direct membership; inherited access cannot be removed here (404, as for no membership at all). */
export const removeMembership = (org: Org, workspaceId: string, userId: string): void => {
  const ws = org.workspace(workspaceId)
  const user = org.user(userId)
  if (!org.members(ws.id).delete(user.id)) {
    throw new TlWorldError("NOT_FOUND", `user ${user.id} has no direct membership in workspace ${ws.id}`)
  }
}

/** The direct list, in the order memberships were created. */
export const directMemberships = (org: Org, workspaceId: string): Array<TlMembershipJson> => {
  const ws = org.workspace(workspaceId)
  return [...org.members(ws.id)].map(([userId, roleId]) => membershipJson(ws, userId, roleId))
}

/** The direct list, then one inherited entry per ACTIVE owner or admin without a direct membership, in user order. */
export const allMemberships = (org: Org, workspaceId: string): Array<TlMembershipJson> => {
  const ws = org.workspace(workspaceId)
  const members = org.members(ws.id)
  const inherited = org.s.users.filter((u) => u.status === "ACTIVE" && u.orgRole !== "member" && !members.has(u.id))
  return [...directMemberships(org, ws.id), ...inherited.map((u) => inheritedJson(org, ws, u))]
}
