/**
 * Human and robot memberships: joining (seats are a hard limit), role changes (robots only viewer or member, never
 * demoting the last admin) and removal (a robot's removal deletes the robot user and revokes its tokens, DOC).
 * Each change appends its access event.
 */
import {
  type Actor,
  type Membership,
  nameFromEmail,
  type Robot,
  type Role,
  ROLES,
  type WorkspaceState,
  WorldError
} from "./Model.js"
import { tokenStatus } from "./Present.js"
import type { World } from "./World.js"

export const membershipOf = (ws: WorkspaceState, membershipId: string): Membership => {
  const m = ws.memberships.get(membershipId)
  if (m === undefined) throw new WorldError(404, "not_found", `No membership ${membershipId}`)
  return m
}

export const countAdmins = (ws: WorkspaceState): number => {
  let n = 0
  for (const m of ws.humans.items) if (m.role === "admin") n++
  return n
}

/** A new human member, without its event (acceptance logs its own). */
export const insertHuman = (
  world: World,
  ws: WorkspaceState,
  email: string,
  role: Role,
  displayName?: string
): Membership => {
  if (ws.emails.has(email)) throw new WorldError(409, "conflict", `${email} is already a member`)
  const seats = ws.plan.limits.seats
  // Human seats are a hard limit (DOC); the status of the refusal is not documented (403, like other hard limits).
  if (seats !== null && ws.humans.size >= seats) throw new WorldError(403, "forbidden", "All human seats are in use")
  const now = world.nowMs()
  const m: Membership = {
    id: world.newId(),
    user_id: world.newId(),
    user_type: "human",
    role,
    display_name: displayName ?? nameFromEmail(email),
    email,
    created_at: now,
    updated_at: now
  }
  ws.memberships.add(m)
  ws.humans.add(m)
  ws.emails.set(email, m.id)
  world.roster.joined(ws, m)
  return m
}

export const addHuman = (
  world: World,
  ws: WorkspaceState,
  input: { email: string; role: Role; displayName?: string },
  actor?: Actor
): Membership => {
  const m = insertHuman(world, ws, input.email, input.role, input.displayName)
  world.record(ws, "membership.created", "membership", m.id, actor ?? world.owner(ws), {
    user_type: "human",
    role: m.role,
    email: m.email
  })
  return m
}

/** Unchanged roles change nothing (no event). */
export const changeRole = (
  world: World,
  ws: WorkspaceState,
  membershipId: string,
  role: Role,
  actor?: Actor
): Membership => {
  const m = membershipOf(ws, membershipId)
  if (!ROLES.includes(role)) {
    throw new WorldError(422, "validation_error", `Unknown role ${String(role)}; roles are ${ROLES.join(", ")}`)
  }
  if (m.user_type === "robot" && (role === "editor" || role === "admin")) {
    throw new WorldError(422, "validation_error", "Robot users may only be viewer or member")
  }
  if (m.role === role) return m
  if (m.role === "admin" && countAdmins(ws) === 1) {
    throw new WorldError(409, "conflict", "The last admin cannot be demoted")
  }
  const before = m.role
  m.role = role
  m.updated_at = world.nowMs()
  if (m.user_type === "robot") {
    const robot = ws.robots.get(m.user_id)
    if (robot) robot.role = role as Robot["role"]
  }
  world.record(ws, "membership.updated", "membership", m.id, actor ?? world.owner(ws), {
    role: { from: before, to: role }
  })
  return m
}

/**
 * Removing a robot's membership deletes the robot user and revokes all of its tokens (DOC). `leaver` says the
 * person left the company (the churn's departures), which the roster records.
 */
export const removeMembership = (
  world: World,
  ws: WorkspaceState,
  membershipId: string,
  actor?: Actor,
  leaver = false
): Membership => {
  const m = membershipOf(ws, membershipId)
  if (m.role === "admin" && countAdmins(ws) === 1) {
    throw new WorldError(409, "conflict", "The last admin cannot be removed")
  }
  const by = actor ?? world.owner(ws)
  const now = world.nowMs()
  if (m.user_type === "robot") {
    for (const token of ws.tokens.get(m.user_id)?.items ?? []) {
      if (tokenStatus(token, now) === "active") {
        token.revoked_at = now
        world.record(ws, "robot_token.revoked", "robot_token", token.id, by, { robot_id: m.user_id })
      }
    }
    ws.robots.remove(m.user_id)
    ws.tokens.delete(m.user_id)
  }
  ws.memberships.remove(m.id)
  if (m.user_type === "human") {
    ws.humans.remove(m.id)
    if (m.email !== null) ws.emails.delete(m.email)
    world.roster.left(ws, m, leaver)
  }
  world.record(ws, "membership.deleted", "membership", m.id, by, {
    user_type: m.user_type,
    role: m.role,
    email: m.email
  })
  return m
}

/**
 * A test hook: the member removed last with this email joins again (a new membership, the role they had unless
 * `role` says otherwise), as when someone re-adds a removed member out of band.
 */
export const readdMember = (
  world: World,
  ws: WorkspaceState,
  email: string,
  role?: Role,
  actor?: Actor
): Membership => {
  const events = ws.events.items
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!
    if (e.event_type === "membership.deleted" && e.data["user_type"] === "human" && e.data["email"] === email) {
      return addHuman(world, ws, { email, role: role ?? (e.data["role"] as Role) }, actor)
    }
  }
  throw new WorldError(404, "not_found", `No removed member with the email ${email}`)
}
