/**
 * One error for every way a Ptolemy API call can fail, with a `reason` a caller can branch on and a message that
 * names the endpoint, the status, the API's own code and message, and what the user can do about it.
 */
import { Data } from "effect"

export type PtolemyErrorReason =
  | "Unauthorized" // 401: token missing, expired or revoked
  | "Forbidden" // 403: the token's role may not call this endpoint
  | "NotFound" // 404: unknown workspace or resource
  | "RateLimited" // 429 rate_limited: burst throttle (retried, honouring Retry-After)
  | "QuotaExceeded" // 429 quota_exceeded: the monthly API-call quota is spent (never retried)
  | "InvalidCursor" // 400 invalid_cursor: the cursor expired (the collection restarts once)
  | "BadRequest" // other 4xx
  | "Redirected" // 3xx: not followed, so the token is never sent to another address
  | "ServerError" // 5xx (retried)
  | "Timeout" // no answer within the request timeout (retried)
  | "Transport" // connection refused, dropped or reset (retried)
  | "MalformedBody" // a body that is not JSON, e.g. truncated (retried)
  | "SchemaDrift" // valid JSON that lacks what the documented contract requires

export class PtolemyApiError extends Data.TaggedError("PtolemyApiError")<{
  readonly reason: PtolemyErrorReason
  /** Method and path, e.g. `GET /v1/workspaces/acme-capital/memberships` (no query string, no cursor). */
  readonly endpoint: string
  readonly status?: number | undefined
  readonly code?: string | undefined
  readonly apiMessage?: string | undefined
  /** Seconds from `Retry-After`, when the API sent one. */
  readonly retryAfter?: number | undefined
  readonly detail?: string | undefined
  readonly cause?: unknown
}> {
  override get message(): string {
    const status = this.status === undefined ? "" : ` answered ${this.status}`
    const api = this.code || this.apiMessage
      ? ` (${[this.code, this.apiMessage].filter(Boolean).join(": ")})`
      : ""
    const detail = this.detail ? `: ${this.detail}` : ""
    return `${this.endpoint}${status}${api}${detail}. ${this.hint}`
  }

  /** What the user can do. A 404 says to check the workspace only where the workspace itself was not found. */
  get hint(): string {
    if (this.reason === "NotFound" && !/\/workspaces\/[^/]+$/.test(this.endpoint)) {
      return "The API no longer knows a resource it had just listed (deleted while the run read it?); the next run reads it again."
    }
    return hints[this.reason]
  }

  /** Worth another attempt: the same request may well succeed a moment later. */
  get isTransient(): boolean {
    return transient.has(this.reason)
  }
}

const transient = new Set<PtolemyErrorReason>(["RateLimited", "ServerError", "Timeout", "Transport", "MalformedBody"])

const hints: Record<PtolemyErrorReason, string> = {
  Unauthorized:
    "The API token was refused (missing, malformed, expired or revoked). Create a token in Workspace Settings → API Tokens and set PTOLEMY_API_TOKEN.",
  Forbidden:
    "The token's role may not read this endpoint: members, robots, tokens and invitations need Admin, which robot tokens (Viewer or Member) never have. Use an admin principal's token for full coverage.",
  NotFound: "Check PTOLEMY_WORKSPACE (the workspace's UUID or slug) and PTOLEMY_API_URL.",
  RateLimited: "The API kept throttling after every retry; lower --concurrency or try again later.",
  QuotaExceeded:
    "The workspace's monthly API-call quota is spent and overage is off: wait for the next billing period, raise the limit or enable overage.",
  InvalidCursor: "The pagination cursor expired; the collection is read again from its first page.",
  BadRequest: "The API rejected the request; this is likely a client bug, please report it with this message.",
  Redirected:
    "Redirects are not followed, so the token is never sent to another address: set PTOLEMY_API_URL to the address the API now answers at.",
  ServerError: "The API kept failing after every retry; try again later.",
  Timeout: "The API did not answer in time after every retry; check connectivity or raise --request-timeout.",
  Transport: "The API could not be reached; check PTOLEMY_API_URL and the network.",
  MalformedBody: "The API's answer was not valid JSON after every retry; try again later.",
  SchemaDrift:
    "The answer does not have the documented shape, so this collection was not stored; the API may have changed: please report it with this message."
}
