/**
 * The one error shape of every API client here: a `reason` from the API's own closed union, the endpoint, what the
 * API said, and a message built one way for all of them (endpoint, status, the API's code and message, the detail,
 * then what to do). Each client declares its class with `apiError(tag, spec)`: its reasons, their hints and which
 * of them are worth another attempt.
 */
import { Data } from "effect"

/** What the kit itself can tell about a call, whatever the API: these reasons belong to every API's union. */
export type KitReason =
  | "Timeout" // no answer within the request timeout (retried)
  | "Transport" // connection refused, dropped or reset, or a body cut off (retried)
  | "Tls" // the server's certificate was not accepted (unknown CA, expired, other names): never retried
  | "MalformedBody" // a body that is not JSON, e.g. truncated (retried)
  | "SchemaDrift" // valid JSON that lacks what the documented contract requires
  | "Inconsistent" // a listing held differing copies of one id (it shifted while it was read)

export interface ApiErrorFields<R extends string> {
  readonly reason: R
  /** Method and path, e.g. `GET /v1/workspaces/acme-capital/memberships` (no query string, no cursor). */
  readonly endpoint: string
  readonly status?: number | undefined
  /** The API's own error code and message, when its error body had them. */
  readonly code?: string | undefined
  readonly apiMessage?: string | undefined
  /** The API's id for the failing request, to quote to its support. */
  readonly requestId?: string | undefined
  /** Seconds from `Retry-After`, when the API sent one. */
  readonly retryAfter?: number | undefined
  readonly detail?: string | undefined
  readonly cause?: unknown
}

export interface ApiErrorSpec<R extends string> {
  /** What the user can do, per reason. */
  readonly hints: Record<R, string>
  /** A hint that depends on more than the reason (e.g. which endpoint answered 404); undefined = the reason's. */
  readonly hintFor?: (error: ApiErrorFields<R>) => string | undefined
  /** Reasons worth another attempt: the same request may well succeed a moment later. */
  readonly transient: ReadonlyArray<R>
  /** How the API names its request id (`fingerprint` for TransactionLink). */
  readonly requestIdLabel?: string
}

export const describeApiError = <R extends string>(error: ApiErrorFields<R>, spec: ApiErrorSpec<R>): string => {
  const status = error.status === undefined ? "" : ` answered ${error.status}`
  const api = error.code || error.apiMessage ? ` (${[error.code, error.apiMessage].filter(Boolean).join(": ")})` : ""
  const requestId = error.requestId ? ` [${spec.requestIdLabel ?? "request id"} ${error.requestId}]` : ""
  const detail = error.detail ? `: ${error.detail}` : ""
  return `${error.endpoint}${status}${api}${requestId}${detail}. ${spec.hintFor?.(error) ?? spec.hints[error.reason]}`
}

/** The error class of one API, its reasons those of `spec`: `class PtolemyApiError extends apiError("PtolemyApiError", spec) {}`. */
export const apiError = <Tag extends string, R extends string>(tag: Tag, spec: ApiErrorSpec<R>) =>
  class extends Data.TaggedError(tag)<ApiErrorFields<R>> {
    override get message(): string {
      return describeApiError(this, spec)
    }

    get isTransient(): boolean {
      return spec.transient.includes(this.reason)
    }
  }
