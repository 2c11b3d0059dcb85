/**
 * The write endpoints of the Workspaces & Members API (reference sections 5.2 to 5.4), for the write principal:
 * a membership's role changed or the membership removed, a robot token revoked, an invitation revoked. Each is
 * logged with the writer as actor; the World keeps the invariants (last admin, robot roles).
 */
import { invitationOf, revokeInvitation } from "../Invitations.js"
import { changeRole, removeMembership } from "../Members.js"
import type { Role } from "../Model.js"
import { invitationStatus, tokenStatus } from "../Present.js"
import { revokeToken, tokenOf } from "../Robots.js"
import { ApiError, type Context, NO_CONTENT } from "./Context.js"

const writer = (ctx: Context) => {
  if (ctx.actor === null) throw new ApiError(403, "forbidden", "This token may not write")
  return ctx.actor
}

/** PATCH /memberships/{id} `{"role": ...}`: 200 with the membership. */
export const patchMembership = (ctx: Context) => {
  const body = ctx.body as { role?: unknown } | undefined
  if (typeof body !== "object" || body === null || Array.isArray(body) || typeof body.role !== "string") {
    throw new ApiError(
      400,
      "invalid_parameter",
      "The body must be {\"role\": \"viewer\" | \"member\" | \"editor\" | \"admin\"}"
    )
  }
  return ctx.world.render.membership(changeRole(ctx.world, ctx.ws, ctx.params[0]!, body.role as Role, writer(ctx)))
}

/** DELETE /memberships/{id}: 204; a robot's membership takes the robot and its tokens with it (DOC). */
export const deleteMembership = (ctx: Context) => {
  removeMembership(ctx.world, ctx.ws, ctx.params[0]!, writer(ctx))
  return NO_CONTENT
}

/** DELETE /memberships/robots/{userId}/tokens/{tokenId}: 204; a token already revoked or expired is gone (404). */
export const deleteToken = (ctx: Context) => {
  const [userId, tokenId] = [ctx.params[0]!, ctx.params[1]!]
  const status = tokenStatus(tokenOf(ctx.ws, userId, tokenId), ctx.world.nowMs())
  if (status !== "active") throw new ApiError(404, "not_found", `The token ${tokenId} is already ${status}`)
  revokeToken(ctx.world, ctx.ws, userId, tokenId, writer(ctx))
  return NO_CONTENT
}

/** DELETE /invitations/{id}: 204; an accepted or expired one cannot be revoked (409), a revoked one is gone (404). */
export const deleteInvitation = (ctx: Context) => {
  const invitation = invitationOf(ctx.ws, ctx.params[0]!)
  const status = invitationStatus(invitation, ctx.world.nowMs())
  if (status === "expired") throw new ApiError(409, "conflict", "The invitation has expired")
  revokeInvitation(ctx.world, ctx.ws, invitation.id, writer(ctx))
  return NO_CONTENT
}
