/**
 * The Ptolemy API simulator: a local implementation of the contract in the API reference (`reference/ptolemy-api.md`, kept beside the project)
 * (section 13 pins the shapes), with a seeded world, a simulated clock, daily churn and fault injection. It powers
 * `ptolemy-audit demo`, `simulate`, the tests and the benchmarks. See docs/simulator.md.
 */
import type { AddressInfo } from "node:net"
import type { Socket } from "node:net"
import { Churn } from "./Churn.js"
import { FaultEngine, type FaultOptions } from "./Faults.js"
import { generateWorld, type WorldSize, WorldSizes } from "./Generate.js"
import { Random } from "./Random.js"
import { createPtolemyServer, type Principal, type RequestRecord } from "./Server.js"
import { iso, type PlanName, type World } from "./World.js"

export type { EndpointName, FaultAction, FaultOptions, FaultRule } from "./Faults.js"
export { MAIN_DOMAIN, OUTSIDE_DOMAINS, WorldSizes } from "./Generate.js"
export type { WorldSize } from "./Generate.js"
export type { RequestRecord } from "./Server.js"
export { World, WorldError } from "./World.js"
export type { Dimension, Role } from "./World.js"

export interface SimulatorOptions {
  /** Same seed and options => the same world and churn (default 1). */
  seed?: number
  size?: keyof typeof WorldSizes | Partial<WorldSize>
  /** The simulated clock's start, ISO-8601 (default 2026-01-05T09:00:00Z). */
  start?: string
  workspace?: { name?: string; slug?: string }
  extraWorkspaces?: number
  plan?: PlanName
  /** A multiplier of the daily churn (default 1; 0 = a frozen world). */
  churn?: number
  faults?: FaultOptions
  /** Real-time lifetime of a cursor (default 10 minutes). */
  cursorTtlMs?: number
  /** Burst throttle: more concurrent requests per token than this get 429 rate_limited (default 20). */
  burst?: { maxInFlight?: number }
  /** Default 0 (a free port); the host is always 127.0.0.1. */
  port?: number
}

export interface SimulatorTokens {
  /** An admin principal's token: reads everything. */
  admin: string
  /** An active robot token with role viewer. */
  robotViewer: string
  /** An active robot token with role member. */
  robotMember: string
}

export interface RunningSimulator {
  readonly url: string
  readonly workspace: { id: string; slug: string; name: string }
  readonly workspaces: ReadonlyArray<{ id: string; slug: string; name: string; tokens: SimulatorTokens }>
  readonly tokens: SimulatorTokens
  readonly world: World
  now(): Date
  advanceDays(days: number): void
  setFaults(faults: FaultOptions): void
  readonly stats: {
    readonly requests: ReadonlyArray<RequestRecord>
    readonly maxInFlight: number
    reset(): void
  }
  close(): Promise<void>
}

export const DEFAULT_START = "2026-01-05T09:00:00Z"

const resolveSize = (size: SimulatorOptions["size"]): WorldSize => {
  if (typeof size !== "string") return { ...WorldSizes.small, ...size }
  const preset = WorldSizes[size]
  if (preset === undefined) throw new Error(`size must be one of ${Object.keys(WorldSizes).join(", ")} or a WorldSize: ${size}`)
  return preset
}

export const startPtolemySimulator = async (options: SimulatorOptions = {}): Promise<RunningSimulator> => {
  const seed = options.seed ?? 1
  const start = Date.parse(options.start ?? DEFAULT_START)
  if (Number.isNaN(start)) throw new Error(`start is not an ISO-8601 time: ${options.start}`)
  const world = generateWorld({
    seed,
    size: resolveSize(options.size),
    start,
    workspace: { name: options.workspace?.name ?? "Acme Capital", slug: options.workspace?.slug ?? "acme-capital" },
    extraWorkspaces: options.extraWorkspaces ?? 0,
    plan: options.plan ?? "growth"
  })
  const faults = new FaultEngine(seed, options.faults)
  const applyPresentation = (f: FaultOptions) => {
    world.presentation = { extraFields: f.extraFields ?? false, omitFields: f.omitFields ?? [] }
  }
  applyPresentation(options.faults ?? {})

  // The simulator's own principals: an admin principal per workspace, and two robots with never-expiring tokens
  // that the churn leaves alone.
  const principals = new Map<string, Principal>()
  const principalRng = Random.of(seed, "principals")
  const workspaces = world.workspaces.map((ws) => {
    const admin = `ptk_live_${principalRng.hex(64)}`
    principals.set(admin, { workspaceId: ws.id, kind: "admin" })
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
    const tokens: SimulatorTokens = { admin, robotViewer: robotToken("viewer"), robotMember: robotToken("member") }
    return { id: ws.id, slug: ws.slug, name: ws.name, tokens }
  })
  const churn = new Churn(world, seed, options.churn ?? 1)
  const requests: Array<RequestRecord> = []
  let maxInFlight = 0
  const server = createPtolemyServer({
    world,
    faults,
    principals,
    cursorTtlMs: options.cursorTtlMs ?? 10 * 60_000,
    maxInFlight: options.burst?.maxInFlight ?? 20,
    record: (r) => requests.push(r),
    onInFlight: (n) => {
      if (n > maxInFlight) maxInFlight = n
    }
  })
  const sockets = new Set<Socket>()
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  let closing: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${port}/v1`,
    workspace: { id: workspaces[0]!.id, slug: workspaces[0]!.slug, name: workspaces[0]!.name },
    workspaces,
    tokens: workspaces[0]!.tokens,
    world,
    now: () => world.now(),
    advanceDays: (days) => churn.advanceDays(days),
    setFaults: (next) => {
      faults.set(next)
      applyPresentation(next)
    },
    stats: {
      get requests() {
        return requests
      },
      get maxInFlight() {
        return maxInFlight
      },
      reset: () => {
        requests.length = 0
        maxInFlight = 0
      }
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        for (const socket of sockets) socket.destroy()
      })
      return closing
    }
  }
}

export { iso }
