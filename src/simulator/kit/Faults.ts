/**
 * The fault-rule engine both simulators use: scripted rules that fire on chosen requests, random faults at given
 * rates drawn from the seeded "faults" stream, latency, and endpoints forbidden to every token. Generic over each
 * API's endpoint names and fault actions (its error shapes); each simulator decides the order its faults apply in.
 */
import { Random } from "./Random.js"

export interface FaultRule<Action> {
  /** One HTTP method (any case); any method when absent. */
  readonly method?: string
  /**
   * Which requests: a string is a prefix of the request target (the path, plus `?query` when there is one; a
   * trailing `*` is ignored); a RegExp is tested on the target (its `g` and `y` flags are ignored).
   */
  readonly path: string | RegExp
  /** Let the first n matching requests through. */
  readonly after?: number
  /** Fire at most this often (default: without end). */
  readonly times?: number
  readonly action: Action
}

export type Latency = number | { readonly min: number; readonly max: number }

export interface FaultSettings<Endpoint extends string, Action> {
  /** A delay before every answer: milliseconds, or a range drawn per request. */
  readonly latencyMs?: Latency
  readonly forbid?: ReadonlyArray<Endpoint>
  readonly rules?: ReadonlyArray<FaultRule<Action>>
}

/** What a simulator tells the engine about its API, to check a configuration. */
export interface FaultVocabulary<Endpoint extends string> {
  readonly endpoints: ReadonlyArray<Endpoint>
  /** The names of the settings that are rates (0..1). */
  readonly rates: ReadonlyArray<string>
}

const ruleMatches = (rule: FaultRule<unknown>, method: string, target: string): boolean => {
  if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) return false
  return typeof rule.path === "string"
    ? target.startsWith(rule.path.replace(/\*$/, ""))
    : new RegExp(rule.path.source, rule.path.flags.replace(/[gy]/g, "")).test(target)
}

/** Throws on a setting that cannot mean anything, so a typo in a test fails loudly. */
export const checkFaults = <Endpoint extends string>(
  settings: FaultSettings<Endpoint, unknown>,
  vocabulary: FaultVocabulary<Endpoint>
): void => {
  for (const name of vocabulary.rates) {
    const v = (settings as Record<string, unknown>)[name]
    if (v !== undefined && !(typeof v === "number" && v >= 0 && v <= 1)) {
      throw new Error(`faults.${name} must be within 0..1, got ${String(v)}`)
    }
  }
  const latency = settings.latencyMs
  const ms = (v: number) => Number.isFinite(v) && v >= 0
  if (
    latency !== undefined &&
    !(typeof latency === "number" ? ms(latency) : ms(latency.min) && ms(latency.max) && latency.min <= latency.max)
  ) {
    throw new Error(
      `faults.latencyMs must be a number >= 0 or {min, max} with 0 <= min <= max, got ${JSON.stringify(latency)}`
    )
  }
  for (const name of settings.forbid ?? []) {
    if (!vocabulary.endpoints.includes(name)) throw new Error(`faults.forbid: unknown endpoint ${name}`)
  }
  for (const rule of settings.rules ?? []) {
    const action = rule.action as { status?: unknown }
    if (
      typeof action === "object" && action !== null &&
      !(Number.isInteger(action.status) && Number(action.status) >= 100 && Number(action.status) <= 599)
    ) {
      throw new Error(`faults.rules: bad status ${String(action.status)}`)
    }
    for (const key of ["after", "times"] as const) {
      const v = rule[key]
      if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
        throw new Error(`faults.rules: ${key} must be a whole number >= 0, got ${v}`)
      }
    }
  }
}

export class FaultEngine<Endpoint extends string, Action, Settings extends FaultSettings<Endpoint, Action>> {
  private settings!: Settings
  private rng!: Random
  private seen: Array<number> = []
  private fired: Array<number> = []

  constructor(
    private readonly seed: number,
    private readonly vocabulary: FaultVocabulary<Endpoint>,
    settings: Settings
  ) {
    this.set(settings)
  }

  get current(): Settings {
    return this.settings
  }

  /** Replaces every setting; the rule counters and the random sequence start again. */
  set(settings: Settings): void {
    checkFaults(settings, this.vocabulary)
    this.settings = settings
    this.rng = Random.of(this.seed, "faults")
    this.seen = (settings.rules ?? []).map(() => 0)
    this.fired = (settings.rules ?? []).map(() => 0)
  }

  forbids(endpoint: Endpoint): boolean {
    return this.settings.forbid?.includes(endpoint) ?? false
  }

  /** This request's delay: the fixed one, or one drawn within the range. */
  latency(): number {
    const l = this.settings.latencyMs
    return l === undefined ? 0 : typeof l === "number" ? l : l.min + this.rng.next() * (l.max - l.min)
  }

  /**
   * The action of the first rule that fires on this request, if any. Every matching rule counts the request (for
   * its `after`), even when an earlier one fires. `applies` narrows matching by action (say, one that needs a cursor).
   */
  rule(method: string, target: string, applies: (action: Action) => boolean = () => true): Action | undefined {
    let action: Action | undefined
    for (const [i, rule] of (this.settings.rules ?? []).entries()) {
      if (!ruleMatches(rule, method, target) || !applies(rule.action)) continue
      this.seen[i]! += 1
      if (action !== undefined || this.seen[i]! <= (rule.after ?? 0)) continue
      if (rule.times !== undefined && this.fired[i]! >= rule.times) continue
      this.fired[i]! += 1
      action = rule.action
    }
    return action
  }

  /** True with probability `rate`; no draw when the rate is absent or zero. */
  roll(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.rng.chance(rate)
  }

  pick<A>(items: ReadonlyArray<A>): A {
    return this.rng.pick(items)
  }
}
