/**
 * TransactionLink organisation API simulator: a local implementation of the contract pinned in section 12 of
 * the API reference (`reference/transactionlink-memberships-api.md`, kept beside the project). See `docs/simulator-transactionlink.md`.
 */
import type { AddressInfo } from "node:net"
import { makeTokens, type TlTokens } from "./Auth.js"
import { TlChurn } from "./Churn.js"
import { FaultEngine, type TlFaultOptions } from "./Faults.js"
import { DEFAULT_START, generateWorld, resolveSize, TlWorldSizes, type TlWorldSize } from "./Generate.js"
import { Rng } from "./Random.js"
import { createTlServer, type TlRequestRecord } from "./Server.js"
import type { TlWorld } from "./World.js"

export { TL_ENDPOINT_NAMES, TL_EXTRA_FIELDS } from "./Faults.js"
export type { TlEndpointName, TlFaultAction, TlFaultOptions, TlFaultRule } from "./Faults.js"
export { DEFAULT_START, TlWorldSizes } from "./Generate.js"
export type { TlWorldSize } from "./Generate.js"
export * from "./Json.js"
export { OUTSIDE_DOMAINS, PRIMARY_DOMAIN } from "./People.js"
export type { TlRequestRecord } from "./Server.js"
export { TOKEN_PATTERN } from "./Auth.js"
export type { TlTokens } from "./Auth.js"
export { ENROLLMENT_TTL_MS, TlWorld, TlWorldError } from "./World.js"
export type { TlAddUserInput, TlCreateEnrollmentInput, TlEnrollmentWorkspaceInput } from "./World.js"

export const DEFAULT_SEED = 1

export interface TlSimulatorOptions {
  seed?: number
  /** A size name or a partial size over "small" (the default). */
  size?: keyof typeof TlWorldSizes | Partial<TlWorldSize>
  /** Simulated clock, default "2026-01-05T09:00:00Z". */
  start?: string
  /** Churn multiplier; default 1; 0 = frozen (no random events; enrollments still expire with time). */
  churn?: number
  faults?: TlFaultOptions
  /** Default 0 (any free port); host 127.0.0.1. */
  port?: number
}

export interface RunningTlSimulator {
  /** Base URL, e.g. "http://127.0.0.1:40111" (no version segment, as the real API). */
  readonly url: string
  readonly tokens: TlTokens
  /** Scenario methods and ground truth. */
  readonly world: TlWorld
  now(): Date
  /** Moves the clock forward with churn. */
  advanceDays(days: number): void
  /** Replaces all fault settings (and restarts the rule counters and the random fault sequence). */
  setFaults(faults: TlFaultOptions): void
  readonly stats: { requests: ReadonlyArray<TlRequestRecord>; reset(): void }
  close(): Promise<void>
}

const parseStart = (start: string | undefined): number => {
  const ms = Date.parse(start ?? DEFAULT_START)
  if (!Number.isFinite(ms)) throw new Error(`start is not a valid date-time: ${start}`)
  return ms
}

/** The generated world alone (no server, no tokens): the same world the simulator starts with for these options. */
export const createTransactionLinkWorld = (
  options: Pick<TlSimulatorOptions, "seed" | "size" | "start"> = {}
): TlWorld => generateWorld(options.seed ?? DEFAULT_SEED, resolveSize(options.size), parseStart(options.start))

export const startTransactionLinkSimulator = async (options: TlSimulatorOptions = {}): Promise<RunningTlSimulator> => {
  const seed = options.seed ?? DEFAULT_SEED
  const world = createTransactionLinkWorld(options)
  const churn = new TlChurn(world, Rng.from(seed, "churn"), options.churn ?? 1)
  const faults = new FaultEngine(seed, options.faults)
  const { tokens, grants } = makeTokens(seed, world.workspacesJson()[0]!.id)
  const requests: Array<TlRequestRecord> = []
  const server = createTlServer({ world, grants, faults, record: (r) => requests.push(r) })

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  let closed: Promise<void> | undefined

  return {
    url: `http://127.0.0.1:${port}`,
    tokens,
    world,
    now: () => world.now(),
    advanceDays: (days) => churn.advanceDays(days),
    setFaults: (next) => faults.set(next),
    stats: {
      get requests() {
        return requests
      },
      reset: () => {
        requests.length = 0
      }
    },
    close: () => {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)))
        server.closeAllConnections()
      })
      return closed
    }
  }
}
