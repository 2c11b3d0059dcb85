/**
 * TransactionLink organisation API simulator: a local implementation of the contract pinned in section 12 of
 * the API reference (`reference/transactionlink-memberships-api.md`, kept beside the project), with the membership
 * and enrollment writes a remediation needs and the organisation's people directory. See
 * `docs/simulator-transactionlink.md`.
 */
import { listen } from "../kit/Http.js"
import { Random } from "../kit/Random.js"
import { RequestLog } from "../kit/RequestLog.js"
import type { RunningBase } from "../kit/Running.js"
import { makeTokens, type TlTokens } from "./Auth.js"
import { TlChurn } from "./Churn.js"
import { makeTlFaults, type TlFaultOptions } from "./Faults.js"
import { DEFAULT_START, generateWorld, resolveSize, type TlWorldSize, TlWorldSizes } from "./Generate.js"
import { transactionLinkHandler } from "./Server.js"
import type { TlWorld } from "./World.js"

export type { RequestRecord as TlRequestRecord } from "../kit/RequestLog.js"
export { ROSTER_HEADER } from "../kit/Roster.js"
export { TOKEN_PATTERN } from "./Auth.js"
export type { TlTokens } from "./Auth.js"
export { TL_ENDPOINT_NAMES, TL_EXTRA_FIELDS } from "./Faults.js"
export type { TlEndpointName, TlFaultAction, TlFaultOptions, TlFaultRule } from "./Faults.js"
export { DEFAULT_START, TlWorldSizes } from "./Generate.js"
export type { TlWorldSize } from "./Generate.js"
export * from "./Json.js"
export { OUTSIDE_DOMAINS, PRIMARY_DOMAIN } from "./People.js"
export { CONTRACTOR_DOMAIN } from "./Roster.js"
export { ENROLLMENT_TTL_MS, TlWorldError } from "./State.js"
export { TlWorld } from "./World.js"
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

/** `url` has no version segment, as the real API: "http://127.0.0.1:40111". `writeToken` is `tokens.write`. */
export interface RunningTlSimulator extends RunningBase<TlFaultOptions> {
  readonly tokens: TlTokens
  /** Scenario methods and ground truth. */
  readonly world: TlWorld
}

const parseStart = (start: string | undefined): number => {
  const ms = Date.parse(start ?? DEFAULT_START)
  if (!Number.isFinite(ms)) throw new Error(`start is not a valid date-time: ${start}`)
  return ms
}

const checkSeed = (seed: number): number => {
  if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`)
  return seed
}

/** The generated world alone (no server, no tokens): the same world the simulator starts with for these options. */
export const createTransactionLinkWorld = (
  options: Pick<TlSimulatorOptions, "seed" | "size" | "start"> = {}
): TlWorld =>
  generateWorld(checkSeed(options.seed ?? DEFAULT_SEED), resolveSize(options.size), parseStart(options.start))

export const startTransactionLinkSimulator = async (options: TlSimulatorOptions = {}): Promise<RunningTlSimulator> => {
  const seed = checkSeed(options.seed ?? DEFAULT_SEED)
  const world = createTransactionLinkWorld(options)
  const churn = new TlChurn(world, Random.of(seed, "churn"), options.churn ?? 1)
  const faults = makeTlFaults(seed, options.faults)
  const { tokens, grants } = makeTokens(seed, world.workspacesJson()[0]!.id)
  const log = new RequestLog()
  const server = await listen(transactionLinkHandler({ world, grants, faults, log }), options.port)
  return {
    url: `http://127.0.0.1:${server.port}`,
    tokens,
    writeToken: tokens.write,
    world,
    now: () => world.now(),
    advanceDays: (days) => churn.advanceDays(days),
    setFaults: (next) => faults.set(next),
    roster: () => world.rosterCsv(),
    stats: log,
    close: () => server.close()
  }
}
