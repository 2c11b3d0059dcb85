/**
 * One error for every way a Ptolemy API call can fail, with a `reason` a caller can branch on and a message that
 * names the endpoint, the status, the API's own code and message, and what the user can do about it.
 */
import { apiError, type ApiErrorSpec, type KitReason } from "../http/ApiError.js"

export type PtolemyErrorReason =
  | KitReason // Timeout, Transport, Tls, MalformedBody, SchemaDrift, Inconsistent
  | "Unauthorized" // 401: token missing, expired or revoked
  | "Forbidden" // 403: the token's role may not call this endpoint
  | "NotFound" // 404: unknown workspace or resource
  | "RateLimited" // 429 rate_limited: burst throttle (retried, honouring Retry-After)
  | "QuotaExceeded" // 429 quota_exceeded: the monthly API-call quota is spent (never retried)
  | "InvalidCursor" // 400 invalid_cursor: the cursor expired (the collection restarts once)
  | "BadRequest" // other 4xx
  | "Redirected" // 3xx: not followed, so the token is never sent to another address
  | "ServerError" // 5xx (retried)

const spec: ApiErrorSpec<PtolemyErrorReason> = {
  transient: ["RateLimited", "ServerError", "Timeout", "Transport", "MalformedBody"],
  // A 404 says to check the workspace only where the workspace itself was not found.
  hintFor: (error) =>
    error.reason === "NotFound" && !/\/workspaces\/[^/]+$/.test(error.endpoint)
      ? "The API no longer knows a resource it had just listed (deleted while the run read it?); the next run reads it again."
      : undefined,
  hints: {
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
    Tls:
      "The API's certificate was not accepted, so nothing was sent (nor retried). Behind a TLS-inspecting proxy or with a private CA, set NODE_EXTRA_CA_CERTS to that CA's PEM file; for an expired certificate or one for other names, check PTOLEMY_API_URL.",
    MalformedBody: "The API's answer was not valid JSON after every retry; try again later.",
    SchemaDrift:
      "The answer does not have the documented shape, so this collection was not stored; the API may have changed: please report it with this message.",
    Inconsistent:
      "The listing changed while it was read, even when read again, so this collection was not stored; the next run reads it again."
  }
}

export class PtolemyApiError extends apiError("PtolemyApiError", spec) {}
