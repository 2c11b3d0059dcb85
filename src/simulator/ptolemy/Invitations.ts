/**
 * Invitations (humans only, DOC): single use, 7 days to accept, revocable while pending. Acceptance happens through
 * the dashboard's emailed link (no API endpoint), which makes the invitee a human member.
 */
import { insertHuman } from "./Members.js"
import {
  type Actor,
  type Invitation,
  INVITATION_TTL,
  type Membership,
  type Role,
  ROLES,
  type WorkspaceState,
  WorldError
} from "./Model.js"
import type { World } from "./World.js"

export interface InvitationInput {
  readonly email: string
  readonly role: Role
  /** The inviter's membership id (default: the actor's, when the actor is a member). */
  readonly invitedBy?: string
  readonly unanswered?: boolean
}

export const invitationOf = (ws: WorkspaceState, id: string): Invitation => {
  const invitation = ws.invitations.get(id)
  if (invitation === undefined) throw new WorldError(404, "not_found", `No invitation ${id}`)
  return invitation
}

export const sendInvitation = (world: World, ws: WorkspaceState, input: InvitationInput, actor?: Actor): Invitation => {
  if (!ROLES.includes(input.role)) throw new WorldError(422, "validation_error", "Unknown role")
  const by = actor ?? world.owner(ws)
  const now = world.nowMs()
  const invitation: Invitation = {
    id: world.newId(),
    created_at: now,
    email: input.email,
    role: input.role,
    status: "pending",
    invited_by: input.invitedBy ?? ws.humans.items.find((m) => m.user_id === by.id)?.id ?? null,
    expires_at: now + INVITATION_TTL,
    accepted_at: null,
    revoked_at: null,
    unanswered: input.unanswered ?? false
  }
  ws.invitations.add(invitation)
  world.record(ws, "invitation.created", "invitation", invitation.id, by, { email: input.email, role: input.role })
  return invitation
}

export const acceptInvitation = (world: World, ws: WorkspaceState, id: string): Membership => {
  const invitation = invitationOf(ws, id)
  if (invitation.status !== "pending") throw new WorldError(409, "conflict", `The invitation is ${invitation.status}`)
  const m = insertHuman(world, ws, invitation.email, invitation.role)
  invitation.status = "accepted"
  invitation.accepted_at = world.nowMs()
  const actor = world.actorOf(m)
  world.record(ws, "invitation.accepted", "invitation", invitation.id, actor, { email: invitation.email })
  world.record(ws, "membership.created", "membership", m.id, actor, {
    user_type: "human",
    role: m.role,
    email: m.email
  })
  return m
}

/** Only a pending invitation can be revoked: a revoked one is gone (404), an accepted or expired one is settled (409). */
export const revokeInvitation = (world: World, ws: WorkspaceState, id: string, actor?: Actor): Invitation => {
  const invitation = invitationOf(ws, id)
  if (invitation.status === "revoked") throw new WorldError(404, "not_found", `The invitation ${id} is already revoked`)
  if (invitation.status !== "pending") throw new WorldError(409, "conflict", `The invitation is ${invitation.status}`)
  invitation.status = "revoked"
  invitation.revoked_at = world.nowMs()
  world.record(ws, "invitation.revoked", "invitation", invitation.id, actor ?? world.owner(ws), {
    email: invitation.email
  })
  return invitation
}

/** Pending invitations past their 7 days expire, each logged at its expiry by the service itself. */
export const expireInvitations = (world: World, ws: WorkspaceState): void => {
  const now = world.nowMs()
  for (const invitation of ws.invitations.items) {
    if (invitation.status === "pending" && invitation.expires_at <= now) {
      invitation.status = "expired"
      world.record(
        ws,
        "invitation.expired",
        "invitation",
        invitation.id,
        world.system(ws),
        { email: invitation.email },
        invitation.expires_at
      )
    }
  }
}
