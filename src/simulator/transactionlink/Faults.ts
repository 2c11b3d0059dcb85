/**
 * Fault injection, off by default. Random faults draw from the seeded "faults" stream (so a run is repeatable for a
 * given request order); scripted rules fire on the n-th matching request.
 */
import { Rng } from "./Random.js"

/** Names of the simulated endpoints (for `forbid`). */
export type TlEndpointName =
  | "workspaces" // GET /organizations/workspaces
  | "directMemberships" // GET /workspaces/{id}/memberships
  | "allMemberships" // GET /organizations/workspaces/{id}/memberships
  | "workspaceRoles" // GET /organizations/workspaces/{id}/roles
  | "orgRoles" // GET /organizations/roles
  | "users" // GET /organizations/users
  | "user" // GET /organizations/users/{id}
  | "enrollments" // GET /organizations/enrollments

export const TL_ENDPOINT_NAMES: ReadonlyArray<TlEndpointName> = [
  "workspaces", "directMemberships", "allMemberships", "workspaceRoles", "orgRoles", "users", "user", "enrollments"
]

/**
 * What a rule does: answer `status` with an `ErrorResponse` (`code` defaults from the status, `headers` are added),
 * close the connection without an answer ("drop"), or send the real answer cut in half ("malformed").
 */
export type TlFaultAction =
  | { status: number; code?: string; message?: string; headers?: Readonly<Record<string, string>> }
  | "drop"
  | "malformed"

export interface TlFaultRule {
  /** HTTP method (case-insensitive); any method when absent. */
  method?: string
  /** A prefix of, or a RegExp tested against, the request target: path plus `?query` when there is one. */
  path: string | RegExp
  /** Let this many matching requests through first (default 0). */
  after?: number
  /** Fire this many times, then stop (default: for ever). */
  times?: number
  action: TlFaultAction
}

export interface TlFaultOptions {
  /** Delay before every answer, in milliseconds. */
  latencyMs?: number
  /** Chance (0..1) that a request gets 500 INTERNAL_ERROR. */
  serverErrorRate?: number
  /** Chance (0..1) that the connection is closed without an answer. */
  dropRate?: number
  /** Chance (0..1) that a 200 answer's body is cut in half (invalid JSON, still 200 and application/json). */
  malformedRate?: number
  /** Adds stable unknown fields to every JSON object of every answer. */
  extraFields?: boolean
  /** Endpoints that answer 403 FORBIDDEN (after authentication) whatever the token may do. */
  forbid?: ReadonlyArray<TlEndpointName>
  /** Scripted faults; the first rule that fires wins. Rules are checked before the random faults. */
  rules?: ReadonlyArray<TlFaultRule>
}

/** The unknown fields added by `extraFields` (same names and values every time). */
export const TL_EXTRA_FIELDS: Readonly<Record<string, string | number | boolean | null>> = {
  tenantRegion: "eu-central-1",
  schemaRevision: 3,
  legacyFlag: null,
  archived: false
}

export type FaultDecision =
  | { kind: "none"; malformed: boolean }
  | { kind: "drop" }
  | { kind: "malformed" }
  | { kind: "status"; status: number; code: string; message: string; headers: Readonly<Record<string, string>> }

const defaultCode = (status: number): string =>
  status === 400 ? "BAD_REQUEST"
  : status === 401 ? "UNAUTHORIZED"
  : status === 403 ? "FORBIDDEN"
  : status === 404 ? "NOT_FOUND"
  : status >= 500 ? "INTERNAL_ERROR"
  : "BAD_REQUEST"

const validate = (faults: TlFaultOptions): void => {
  const rate = (name: "serverErrorRate" | "dropRate" | "malformedRate") => {
    const v = faults[name]
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new Error(`faults.${name} must be within 0..1, got ${v}`)
  }
  rate("serverErrorRate")
  rate("dropRate")
  rate("malformedRate")
  if (faults.latencyMs !== undefined && !(faults.latencyMs >= 0 && Number.isFinite(faults.latencyMs))) {
    throw new Error(`faults.latencyMs must be a finite number >= 0, got ${faults.latencyMs}`)
  }
  for (const name of faults.forbid ?? []) {
    if (!TL_ENDPOINT_NAMES.includes(name)) throw new Error(`faults.forbid: unknown endpoint ${name}`)
  }
  for (const rule of faults.rules ?? []) {
    if (typeof rule.action === "object" && !(Number.isInteger(rule.action.status) && rule.action.status >= 100 && rule.action.status <= 599)) {
      throw new Error(`faults.rules: bad status ${rule.action.status}`)
    }
    if (rule.after !== undefined && !(Number.isInteger(rule.after) && rule.after >= 0)) throw new Error("faults.rules: bad after")
    if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 0)) throw new Error("faults.rules: bad times")
  }
}

export class FaultEngine {
  readonly #seed: number
  #rng: Rng
  #faults: TlFaultOptions = {}
  #forbid = new Set<TlEndpointName>()
  #seen: Array<number> = []
  #fired: Array<number> = []

  constructor(seed: number, faults: TlFaultOptions = {}) {
    this.#seed = seed
    this.#rng = Rng.from(seed, "faults")
    this.set(faults)
  }

  /** Replaces every fault setting, restarts the rule counters and the random fault stream. */
  set(faults: TlFaultOptions): void {
    validate(faults)
    this.#rng = Rng.from(this.#seed, "faults")
    this.#faults = { ...faults, rules: [...(faults.rules ?? [])], forbid: [...(faults.forbid ?? [])] }
    this.#forbid = new Set(faults.forbid ?? [])
    this.#seen = (faults.rules ?? []).map(() => 0)
    this.#fired = (faults.rules ?? []).map(() => 0)
  }

  get latencyMs(): number {
    return this.#faults.latencyMs ?? 0
  }

  get extraFields(): boolean {
    return this.#faults.extraFields === true
  }

  forbids(endpoint: TlEndpointName): boolean {
    return this.#forbid.has(endpoint)
  }

  /** Decides the fate of one request (rule counters advance for every matching rule). */
  decide(method: string, target: string): FaultDecision {
    let fired: FaultDecision | undefined
    const rules = this.#faults.rules ?? []
    rules.forEach((rule, i) => {
      if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) return
      const matches = typeof rule.path === "string" ? target.startsWith(rule.path) : new RegExp(rule.path.source, rule.path.flags.replace(/[gy]/g, "")).test(target)
      if (!matches) return
      this.#seen[i]! += 1
      if (fired !== undefined) return
      if (this.#seen[i]! <= (rule.after ?? 0)) return
      if (this.#fired[i]! >= (rule.times ?? Number.POSITIVE_INFINITY)) return
      this.#fired[i]! += 1
      const action = rule.action
      fired = action === "drop" ? { kind: "drop" }
        : action === "malformed" ? { kind: "malformed" }
        : {
          kind: "status",
          status: action.status,
          code: action.code ?? defaultCode(action.status),
          message: action.message ?? `Injected fault (HTTP ${action.status})`,
          headers: action.headers ?? {}
        }
    })
    if (fired !== undefined) return fired
    const f = this.#faults
    if ((f.dropRate ?? 0) > 0 && this.#rng.chance(f.dropRate!)) return { kind: "drop" }
    if ((f.serverErrorRate ?? 0) > 0 && this.#rng.chance(f.serverErrorRate!)) {
      return { kind: "status", status: 500, code: "INTERNAL_ERROR", message: "Unexpected server error", headers: {} }
    }
    const malformed = (f.malformedRate ?? 0) > 0 && this.#rng.chance(f.malformedRate!)
    return { kind: "none", malformed }
  }
}

/** Deep copy of a JSON value with `TL_EXTRA_FIELDS` appended to every object. */
export const withExtraFields = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withExtraFields)
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = withExtraFields(v)
    return { ...out, ...TL_EXTRA_FIELDS }
  }
  return value
}

/** The first half of a JSON text: never valid JSON for an object or array. */
export const malform = (body: string): string => body.slice(0, Math.max(1, Math.floor(body.length / 2)))
