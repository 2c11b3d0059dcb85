/** Robot users and their tokens: created with their membership in one step (DOC), tokens issued, used and revoked. */
import { removeMembership } from "./Members.js"
import {
  type Actor,
  type Membership,
  type Robot,
  type Token,
  type Upkeep,
  type UsageProfile,
  type WorkspaceState,
  WorldError
} from "./Model.js"
import { Ordered } from "./Ordered.js"
import type { World } from "./World.js"

export interface RobotInput {
  readonly displayName: string
  readonly role: "viewer" | "member"
  readonly description?: string
  readonly upkeep?: Upkeep
}

export const createRobot = (
  world: World,
  ws: WorkspaceState,
  input: RobotInput,
  actor: Actor | undefined,
  createdAt: number
): Robot => {
  if (input.role !== "viewer" && input.role !== "member") {
    throw new WorldError(422, "validation_error", "Robot users may only be viewer or member")
  }
  const userId = world.newId()
  const membership: Membership = {
    id: world.newId(),
    user_id: userId,
    user_type: "robot",
    role: input.role,
    display_name: input.displayName,
    email: null,
    created_at: createdAt,
    updated_at: createdAt
  }
  const robot: Robot = {
    id: userId,
    created_at: createdAt,
    membership_id: membership.id,
    display_name: input.displayName,
    description: input.description ?? null,
    role: input.role,
    upkeep: input.upkeep ?? "normal"
  }
  ws.memberships.add(membership)
  ws.robots.add(robot)
  ws.tokens.set(userId, new Ordered<Token>())
  const data = { user_type: "robot", role: input.role, display_name: input.displayName }
  world.record(ws, "membership.created", "membership", membership.id, actor ?? world.owner(ws), data, createdAt)
  return robot
}

export const robotOf = (ws: WorkspaceState, userId: string): Robot => {
  const robot = ws.robots.get(userId)
  if (robot === undefined) throw new WorldError(404, "not_found", `No robot ${userId}`)
  return robot
}

export const deleteRobot = (world: World, ws: WorkspaceState, userId: string, actor?: Actor): void => {
  removeMembership(world, ws, robotOf(ws, userId).membership_id, actor)
}

export interface TokenInput {
  readonly expiresAt?: string | null
  readonly name?: string | undefined
  /** How the churn uses it afterwards (default daily). */
  readonly usage?: UsageProfile
}

export const createToken = (
  world: World,
  ws: WorkspaceState,
  userId: string,
  input: TokenInput,
  actor: Actor | undefined,
  createdAt: number
): Token => {
  const list = ws.tokens.get(userId)
  if (list === undefined) throw new WorldError(404, "not_found", `No robot ${userId}`)
  if (input.expiresAt !== undefined && input.expiresAt !== null && Number.isNaN(Date.parse(input.expiresAt))) {
    throw new WorldError(422, "validation_error", "expires_at must be an ISO-8601 time")
  }
  const plaintext = world.newToken()
  const token: Token = {
    id: world.newId(),
    created_at: createdAt,
    robot_id: userId,
    name: input.name ?? null,
    token: plaintext,
    usage: input.usage ?? "daily",
    expires_at: input.expiresAt === undefined || input.expiresAt === null ? null : new Date(input.expiresAt).getTime(),
    last_used_at: null,
    revoked_at: null
  }
  list.add(token)
  world.tokenIndex.set(plaintext, { workspaceId: ws.id, robotId: userId, tokenId: token.id })
  world.record(
    ws,
    "robot_token.created",
    "robot_token",
    token.id,
    actor ?? world.owner(ws),
    { robot_id: userId },
    createdAt
  )
  return token
}

export const tokenOf = (ws: WorkspaceState, userId: string, tokenId: string): Token => {
  const token = ws.tokens.get(userId)?.get(tokenId)
  if (token === undefined) throw new WorldError(404, "not_found", `No token ${tokenId} of robot ${userId}`)
  return token
}

/** Scenario code may revoke an expired token; a second revocation changes nothing. (The endpoint is stricter.) */
export const revokeToken = (world: World, ws: WorkspaceState, userId: string, tokenId: string, actor?: Actor): void => {
  const token = tokenOf(ws, userId, tokenId)
  if (token.revoked_at !== null) return
  token.revoked_at = world.nowMs()
  world.record(ws, "robot_token.revoked", "robot_token", token.id, actor ?? world.owner(ws), { robot_id: userId })
}

export const useToken = (ws: WorkspaceState, tokenId: string, at: number): void => {
  for (const list of ws.tokens.values()) {
    const token = list.get(tokenId)
    if (token) {
      token.last_used_at = at
      return
    }
  }
  throw new WorldError(404, "not_found", `No token ${tokenId}`)
}
