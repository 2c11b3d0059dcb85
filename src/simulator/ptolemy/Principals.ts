/**
 * The simulator's own principals in each workspace: the admin principal the audit reads with (read-only), the
 * write principal remediation writes with (an Admin, logged as its own actor), and two robots with never-expiring
 * tokens that the churn leaves alone. The reference does not say how an Admin calls the API (section 4): these
 * principal tokens belong to no robot and are listed nowhere.
 */
import { Random } from "../kit/Random.js"
import type { Principal } from "./server/Auth.js"
import type { World } from "./World.js"

export interface SimulatorTokens {
  /** The admin principal's token: reads everything, writes nothing (403). */
  admin: string
  /** The write principal's token: an Admin that may also use the write endpoints. */
  write: string
  /** An active robot token with role viewer. */
  robotViewer: string
  /** An active robot token with role member. */
  robotMember: string
}

export interface WorkspaceTokens {
  readonly id: string
  readonly slug: string
  readonly name: string
  readonly tokens: SimulatorTokens
  /** How the write principal appears as the actor of its changes. */
  readonly writer: { readonly id: string; readonly type: "human"; readonly display_name: string }
}

/** Each principal's tokens come from their own stream, so adding one changes neither the world nor the others. */
export const makePrincipals = (
  world: World,
  seed: number
): { principals: Map<string, Principal>; workspaces: Array<WorkspaceTokens> } => {
  const principals = new Map<string, Principal>()
  const readers = Random.of(seed, "principals")
  const writers = Random.of(seed, "write-principals")
  const workspaces = world.workspaces.map((ws): WorkspaceTokens => {
    const admin = `ptk_live_${readers.hex(64)}`
    principals.set(admin, { workspaceId: ws.id, writer: null })
    const write = `ptk_live_${writers.hex(64)}`
    const writer = { id: writers.uuid(), type: "human" as const, display_name: "Remediation (admin API principal)" }
    principals.set(write, { workspaceId: ws.id, writer })
    // Created long ago, so that they are not the newest members of the world.
    const at = ws.created_at + 3_600_000
    const robotToken = (role: "viewer" | "member") => {
      const robot = world.createRobot(
        { displayName: `audit-${role}-bot`, role, description: "ptolemy-audit's own test robot" },
        ws.id,
        undefined,
        at
      )
      const robotId = String(robot["id"])
      const created = world.createToken(robotId, { expiresAt: null, name: `audit-${role}` }, ws.id, undefined, at)
      world.pinned.add(robotId)
      world.pinned.add(String(created.record["id"]))
      return created.token
    }
    const robotViewer = robotToken("viewer")
    const robotMember = robotToken("member")
    return { id: ws.id, slug: ws.slug, name: ws.name, tokens: { admin, write, robotViewer, robotMember }, writer }
  })
  return { principals, workspaces }
}
