/**
 * TransactionLink's faults, on the kit's engine, off by default. Random faults draw from the seeded "faults"
 * stream (so a run is repeatable for a given request order); scripted rules fire on the n-th matching request,
 * writes included, before authentication.
 */
import { FaultEngine, type FaultRule, type FaultSettings } from "../kit/Faults.js"

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
  | "membership" // PUT and DELETE /organizations/workspaces/{id}/memberships/{userId}
  | "cancelEnrollment" // POST /organizations/enrollments/{id}/cancel

export const TL_ENDPOINT_NAMES: ReadonlyArray<TlEndpointName> = [
  "workspaces",
  "directMemberships",
  "allMemberships",
  "workspaceRoles",
  "orgRoles",
  "users",
  "user",
  "enrollments",
  "membership",
  "cancelEnrollment"
]

/**
 * What a rule does: answer `status` with an `ErrorResponse` (`code` defaults from the status, `headers` are added),
 * close the connection without an answer ("drop"), send the real answer cut in half ("malformed"), or carry the
 * request out (a write applied) and then close the connection without its answer ("lose-answer").
 */
export type TlFaultAction =
  | { status: number; code?: string; message?: string; headers?: Readonly<Record<string, string>> }
  | "drop"
  | "malformed"
  | "lose-answer"

export type TlFaultRule = FaultRule<TlFaultAction>

export interface TlFaultOptions extends FaultSettings<TlEndpointName, TlFaultAction> {
  /** Chance (0..1) that a request gets 500 INTERNAL_ERROR. */
  readonly serverErrorRate?: number
  /** Chance (0..1) that the connection is closed without an answer. */
  readonly dropRate?: number
  /** Chance (0..1) that a 200 answer's body is cut in half (invalid JSON, still 200 and application/json). */
  readonly malformedRate?: number
  /** Adds stable unknown fields to every JSON object of every answer. */
  readonly extraFields?: boolean
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
  | { kind: "lose-answer" }
  | { kind: "status"; status: number; code: string; message: string; headers: Readonly<Record<string, string>> }

export type TlFaults = FaultEngine<TlEndpointName, TlFaultAction, TlFaultOptions>

export const makeTlFaults = (seed: number, options: TlFaultOptions = {}): TlFaults =>
  new FaultEngine(
    seed,
    { endpoints: TL_ENDPOINT_NAMES, rates: ["serverErrorRate", "dropRate", "malformedRate"] },
    options
  )

const defaultCode = (status: number): string =>
  status === 400 ?
    "BAD_REQUEST"
    : status === 401 ?
    "UNAUTHORIZED"
    : status === 403 ?
    "FORBIDDEN"
    : status === 404 ?
    "NOT_FOUND"
    : status === 409 ?
    "CONFLICT"
    : status >= 500 ?
    "INTERNAL_ERROR"
    : "BAD_REQUEST"

/** The fate of one request: the first rule that fires, else drop, then a 500, then (for a 200) a truncated body. */
export const decide = (faults: TlFaults, method: string, target: string): FaultDecision => {
  const action = faults.rule(method, target)
  if (action === "drop" || action === "malformed" || action === "lose-answer") return { kind: action }
  if (action !== undefined) {
    const { status } = action
    return {
      kind: "status",
      status,
      code: action.code ?? defaultCode(status),
      message: action.message ?? `Injected fault (HTTP ${status})`,
      headers: action.headers ?? {}
    }
  }
  const f = faults.current
  if (faults.roll(f.dropRate)) return { kind: "drop" }
  if (faults.roll(f.serverErrorRate)) {
    return { kind: "status", status: 500, code: "INTERNAL_ERROR", message: "Unexpected server error", headers: {} }
  }
  return { kind: "none", malformed: faults.roll(f.malformedRate) }
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
