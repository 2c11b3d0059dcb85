/**
 * Fault injection: random faults at given rates (latency, burst throttling, 5xx, dropped connections, truncated
 * bodies, hanging responses), scripted rules that fire on chosen requests, and changes to what resources look like
 * (unknown extra fields, missing fields, endpoints forbidden even to an admin). Seeded, so a test sees the same
 * faults on the same requests.
 */
import { Random } from "./Random.js"

export type FaultAction =
  | { readonly status: number; readonly code?: string; readonly retryAfter?: number }
  | "drop"
  | "malformed"
  | "hang"
  | "expire-cursor"
  | "revoke-token"

export interface FaultRule {
  readonly method?: string
  /**
   * Which requests, by their path relative to the workspace (the workspace itself is "/"): a string is a prefix
   * ("/memberships" also matches "/memberships/robots"; a trailing "*" is allowed and ignored); a RegExp is tested
   * on the path plus "?query" when there is one.
   */
  readonly path: string | RegExp
  /** Skip the first n matching requests. */
  readonly after?: number
  /** Fire at most this often (default: always). */
  readonly times?: number
  readonly action: FaultAction
}

/** Endpoint names for `forbid`. */
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

export interface FaultOptions {
  readonly latencyMs?: number | { readonly min: number; readonly max: number }
  readonly throttleRate?: number
  /** Seconds in the Retry-After of every 429 rate_limited, injected or from the burst throttle (default 1; 0 is allowed). */
  readonly retryAfterSeconds?: number
  readonly serverErrorRate?: number
  readonly dropRate?: number
  readonly malformedRate?: number
  readonly hangRate?: number
  readonly extraFields?: boolean
  readonly omitFields?: ReadonlyArray<{ readonly resource: string; readonly field: string }>
  readonly forbid?: ReadonlyArray<EndpointName>
  readonly rules?: ReadonlyArray<FaultRule>
}

export interface FaultDecision {
  readonly latency: number
  readonly action: FaultAction | null
}

export class FaultEngine {
  private options: FaultOptions
  private rng: Random
  private counts: Array<{ seen: number; fired: number }> = []

  constructor(private readonly seed: number, options: FaultOptions = {}) {
    this.options = options
    this.rng = Random.of(seed, "faults")
    this.reset()
  }

  get current(): FaultOptions {
    return this.options
  }

  /** Replaces the configuration; rule counters and the random sequence start again. */
  set(options: FaultOptions): void {
    this.options = options
    this.rng = Random.of(this.seed, "faults")
    this.reset()
  }

  private reset(): void {
    this.counts = (this.options.rules ?? []).map(() => ({ seen: 0, fired: 0 }))
  }

  forbidden(endpoint: EndpointName): boolean {
    return this.options.forbid?.includes(endpoint) ?? false
  }

  /** What happens to one request. Rules come first; then the random faults, at most one. */
  decide(method: string, path: string, query: string, hasCursor: boolean): FaultDecision {
    const { latencyMs } = this.options
    const latency = latencyMs === undefined
      ? 0
      : typeof latencyMs === "number"
      ? latencyMs
      : latencyMs.min + this.rng.next() * (latencyMs.max - latencyMs.min)
    const rules = this.options.rules ?? []
    for (const [i, rule] of rules.entries()) {
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue
      const matches = typeof rule.path === "string"
        ? path.startsWith(rule.path.replace(/\*$/, ""))
        : ((rule.path.lastIndex = 0), rule.path.test(query === "" ? path : `${path}?${query}`)) // lastIndex: /g RegExps keep state
      // An expired cursor needs a cursor.
      if (!matches || (rule.action === "expire-cursor" && !hasCursor)) continue
      const count = this.counts[i]!
      count.seen++
      if (count.seen <= (rule.after ?? 0)) continue
      if (rule.times !== undefined && count.fired >= rule.times) continue
      count.fired++
      return { latency, action: rule.action }
    }
    const o = this.options
    const roll = (rate: number | undefined) => rate !== undefined && rate > 0 && this.rng.chance(rate)
    if (roll(o.hangRate)) return { latency, action: "hang" }
    if (roll(o.dropRate)) return { latency, action: "drop" }
    if (roll(o.throttleRate)) {
      return { latency, action: { status: 429, code: "rate_limited", retryAfter: o.retryAfterSeconds ?? 1 } }
    }
    if (roll(o.serverErrorRate)) return { latency, action: { status: this.rng.pick([500, 502, 503]) } }
    if (roll(o.malformedRate)) return { latency, action: "malformed" }
    return { latency, action: null }
  }
}
