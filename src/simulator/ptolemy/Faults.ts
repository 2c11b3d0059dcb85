/**
 * Ptolemy's faults, on the kit's engine: random faults at given rates (latency, burst throttling, 5xx, dropped
 * connections, truncated bodies, hanging responses), scripted rules that fire on chosen requests (writes too), and
 * changes to what resources look like (unknown extra fields, missing fields, endpoints forbidden even to an admin).
 * Seeded, so a test sees the same faults on the same requests.
 */
import { FaultEngine, type FaultRule as KitRule, type FaultSettings } from "../kit/Faults.js"

export type FaultAction =
  | { readonly status: number; readonly code?: string; readonly retryAfter?: number }
  | "drop"
  | "malformed"
  | "hang"
  | "expire-cursor"
  | "revoke-token"
  /** The request is carried out (a write applied), then the connection closes without its answer. */
  | "lose-answer"

/**
 * A rule's `path` is relative to the workspace (the workspace itself is "/"): a string is a prefix of the path (or
 * of path plus "?query"), so "/memberships" also matches "/memberships/robots"; a RegExp is tested on the path plus
 * "?query" when there is one.
 */
export type FaultRule = KitRule<FaultAction>

/** Endpoint names for `forbid` (writes belong to their resource's endpoint). */
export type EndpointName =
  | "workspace"
  | "memberships"
  | "robots"
  | "tokens"
  | "invitations"
  | "plan"
  | "events"
  | "webhooks"
  | "subscriptions"

export const ENDPOINT_NAMES: ReadonlyArray<EndpointName> = [
  "workspace",
  "memberships",
  "robots",
  "tokens",
  "invitations",
  "plan",
  "events",
  "webhooks",
  "subscriptions"
]

export interface FaultOptions extends FaultSettings<EndpointName, FaultAction> {
  readonly throttleRate?: number
  /** Seconds in the Retry-After of every 429 rate_limited, injected or from the burst throttle (default 1; 0 is allowed). */
  readonly retryAfterSeconds?: number
  readonly serverErrorRate?: number
  readonly dropRate?: number
  readonly malformedRate?: number
  readonly hangRate?: number
  readonly extraFields?: boolean
  readonly omitFields?: ReadonlyArray<{ readonly resource: string; readonly field: string }>
}

export interface FaultDecision {
  readonly latency: number
  readonly action: FaultAction | null
}

export type Faults = FaultEngine<EndpointName, FaultAction, FaultOptions>

export const makeFaults = (seed: number, options: FaultOptions = {}): Faults =>
  new FaultEngine(seed, {
    endpoints: ENDPOINT_NAMES,
    rates: ["throttleRate", "serverErrorRate", "dropRate", "malformedRate", "hangRate"]
  }, options)

/**
 * What happens to one request: the first rule that fires, else at most one random fault, checked in the order
 * hang, drop, throttle, server error, malformed. An `expire-cursor` rule only matches a request with a cursor.
 */
export const decide = (
  faults: Faults,
  method: string,
  path: string,
  query: string,
  hasCursor: boolean
): FaultDecision => {
  const latency = faults.latency()
  const rule = faults.rule(method, query === "" ? path : `${path}?${query}`, (a) => a !== "expire-cursor" || hasCursor)
  if (rule !== undefined) return { latency, action: rule }
  const o = faults.current
  if (faults.roll(o.hangRate)) return { latency, action: "hang" }
  if (faults.roll(o.dropRate)) return { latency, action: "drop" }
  if (faults.roll(o.throttleRate)) {
    return { latency, action: { status: 429, code: "rate_limited", retryAfter: o.retryAfterSeconds ?? 1 } }
  }
  if (faults.roll(o.serverErrorRate)) return { latency, action: { status: faults.pick([500, 502, 503]) } }
  if (faults.roll(o.malformedRate)) return { latency, action: "malformed" }
  return { latency, action: null }
}
