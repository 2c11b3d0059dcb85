/**
 * The Ptolemy API simulator: a local implementation of the contract in the API reference
 * (`reference/ptolemy-api.md`, kept beside the project; section 13 pins the shapes), with a seeded world, a
 * simulated clock, daily churn, write endpoints, a people directory and fault injection. It powers
 * `ptolemy-audit demo`, `simulate`, the tests and the benchmarks. See docs/simulator.md.
 */
import { listen } from "../kit/Http.js"
import { RequestLog } from "../kit/RequestLog.js"
import type { RunningBase } from "../kit/Running.js"
import { Churn } from "./Churn.js"
import { type FaultOptions, makeFaults } from "./Faults.js"
import { generateWorld, type WorldSize, WorldSizes } from "./Generate.js"
import type { PlanName } from "./Model.js"
import { makePrincipals, type SimulatorTokens, type WorkspaceTokens } from "./Principals.js"
import { ptolemyHandler } from "./Server.js"
import type { World } from "./World.js"

export type { RequestRecord } from "../kit/RequestLog.js"
export { ROSTER_HEADER } from "../kit/Roster.js"
export { iso } from "../kit/Time.js"
export type { EndpointName, FaultAction, FaultOptions, FaultRule } from "./Faults.js"
export { MAIN_DOMAIN, OUTSIDE_DOMAINS, WorldSizes } from "./Generate.js"
export type { WorldSize } from "./Generate.js"
export { WorldError } from "./Model.js"
export type { Dimension, Role } from "./Model.js"
export type { SimulatorTokens, WorkspaceTokens } from "./Principals.js"
export { World } from "./World.js"

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

export interface RunningSimulator extends RunningBase<FaultOptions> {
  readonly workspace: { id: string; slug: string; name: string }
  readonly workspaces: ReadonlyArray<WorkspaceTokens>
  /** The first workspace's tokens. */
  readonly tokens: SimulatorTokens
  /** How the first workspace's write principal appears as an actor in the access log. */
  readonly writer: WorkspaceTokens["writer"]
  readonly world: World
}

export const DEFAULT_START = "2026-01-05T09:00:00Z"

const resolveSize = (size: SimulatorOptions["size"]): WorldSize => {
  if (typeof size !== "string") return { ...WorldSizes.small, ...size }
  const preset = WorldSizes[size]
  if (preset === undefined) {
    throw new Error(`size must be one of ${Object.keys(WorldSizes).join(", ")} or a WorldSize: ${size}`)
  }
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
  const faults = makeFaults(seed, options.faults)
  const dress = (f: FaultOptions) => {
    world.render.presentation = { extraFields: f.extraFields ?? false, omitFields: f.omitFields ?? [] }
  }
  dress(options.faults ?? {})
  const { principals, workspaces } = makePrincipals(world, seed)
  const churn = new Churn(world, seed, options.churn ?? 1)
  const log = new RequestLog()
  const server = await listen(
    ptolemyHandler({
      world,
      faults,
      principals,
      cursorTtlMs: options.cursorTtlMs ?? 10 * 60_000,
      maxInFlight: options.burst?.maxInFlight ?? 20,
      log
    }),
    options.port
  )
  const first = workspaces[0]!
  return {
    url: `http://127.0.0.1:${server.port}/v1`,
    workspace: { id: first.id, slug: first.slug, name: first.name },
    workspaces,
    tokens: first.tokens,
    writeToken: first.tokens.write,
    writer: first.writer,
    world,
    now: () => world.now(),
    advanceDays: (days) => churn.advanceDays(days),
    setFaults: (next) => {
      faults.set(next)
      dress(next)
    },
    roster: () => world.rosterCsv(),
    stats: log,
    close: () => server.close()
  }
}
