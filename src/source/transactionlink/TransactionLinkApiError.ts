/**
 * One error for every way a TransactionLink API call can fail, carrying the API's `fingerprint` (its id for the
 * failing request, to quote to their support) and a message that says what to do.
 */
import { apiError, type ApiErrorSpec, type KitReason } from "../http/ApiError.js"

export type TransactionLinkErrorReason =
  | KitReason // Timeout, Transport, Tls, MalformedBody, SchemaDrift, Inconsistent
  | "Unauthorized" // 401: token missing or invalid (or sent with a Bearer prefix)
  | "Forbidden" // 403: the token lacks the permission the endpoint needs
  | "NotFound" // 404
  | "RateLimited" // 429: throttled (undocumented; retried, honouring Retry-After)
  | "BadRequest" // other 4xx
  | "ServerError" // 5xx (retried)

const spec: ApiErrorSpec<TransactionLinkErrorReason> = {
  transient: ["RateLimited", "ServerError", "Timeout", "Transport", "MalformedBody"],
  requestIdLabel: "fingerprint",
  hints: {
    Unauthorized:
      "The organisation token was refused. Create one in the TransactionLink dashboard and set TRANSACTIONLINK_API_TOKEN (tot_..., sent without a Bearer prefix).",
    Forbidden:
      "The token lacks the permission this endpoint needs (can_view_workspace for workspaces and memberships, can_manage_users for users and enrollments); grant it in the dashboard.",
    NotFound: "Check --workspace (a workspace UUID the token can view) and TRANSACTIONLINK_API_URL.",
    RateLimited: "The API kept throttling after every retry; lower --concurrency or try again later.",
    BadRequest: "The API rejected the request; this is likely a client bug, please report it with this message.",
    ServerError: "The API kept failing after every retry; try again later.",
    Timeout: "The API did not answer in time after every retry; check connectivity.",
    Transport: "The API could not be reached; check TRANSACTIONLINK_API_URL and the network.",
    Tls:
      "The API's certificate was not accepted, so nothing was sent (nor retried). Behind a TLS-inspecting proxy or with a private CA, set NODE_EXTRA_CA_CERTS to that CA's PEM file; for an expired certificate or one for other names, check TRANSACTIONLINK_API_URL.",
    MalformedBody: "The API's answer was not valid JSON after every retry; try again later.",
    SchemaDrift:
      "The answer does not have the documented shape, so this collection was not stored; please report it with this message.",
    Inconsistent:
      "The listing changed while it was read, even when read again, so this collection was not stored; the next run reads it again."
  }
}

export class TransactionLinkApiError extends apiError("TransactionLinkApiError", spec) {}
