/**
 * One error for every way a TransactionLink API call can fail, carrying the API's `fingerprint` (its id for the
 * failing request, to quote to their support) and a message that says what to do.
 */
import { Data } from "effect"

export type TransactionLinkErrorReason =
  | "Unauthorized" // 401: token missing or invalid (or sent with a Bearer prefix)
  | "Forbidden" // 403: the token lacks the permission the endpoint needs
  | "NotFound" // 404
  | "BadRequest" // other 4xx
  | "ServerError" // 5xx (retried)
  | "Timeout" // (retried)
  | "Transport" // (retried)
  | "MalformedBody" // not JSON (retried)
  | "SchemaDrift" // JSON without what the contract requires

export class TransactionLinkApiError extends Data.TaggedError("TransactionLinkApiError")<{
  readonly reason: TransactionLinkErrorReason
  readonly endpoint: string
  readonly status?: number | undefined
  readonly code?: string | undefined
  readonly apiMessage?: string | undefined
  readonly fingerprint?: string | undefined
  readonly detail?: string | undefined
  readonly cause?: unknown
}> {
  override get message(): string {
    const status = this.status === undefined ? "" : ` answered ${this.status}`
    const api = this.code || this.apiMessage ? ` (${[this.code, this.apiMessage].filter(Boolean).join(": ")})` : ""
    const fingerprint = this.fingerprint ? ` [fingerprint ${this.fingerprint}]` : ""
    const detail = this.detail ? `: ${this.detail}` : ""
    return `${this.endpoint}${status}${api}${fingerprint}${detail}. ${hints[this.reason]}`
  }

  get isTransient(): boolean {
    return this.reason === "ServerError" || this.reason === "Timeout" || this.reason === "Transport" ||
      this.reason === "MalformedBody"
  }
}

const hints: Record<TransactionLinkErrorReason, string> = {
  Unauthorized:
    "The organisation token was refused. Create one in the TransactionLink dashboard and set TRANSACTIONLINK_API_TOKEN (tot_..., sent without a Bearer prefix).",
  Forbidden:
    "The token lacks the permission this endpoint needs (can_view_workspace for workspaces and memberships, can_manage_users for users and enrollments); grant it in the dashboard.",
  NotFound: "Check --workspace (a workspace UUID the token can view) and TRANSACTIONLINK_API_URL.",
  BadRequest: "The API rejected the request; this is likely a client bug, please report it with this message.",
  ServerError: "The API kept failing after every retry; try again later.",
  Timeout: "The API did not answer in time after every retry; check connectivity.",
  Transport: "The API could not be reached; check TRANSACTIONLINK_API_URL and the network.",
  MalformedBody: "The API's answer was not valid JSON after every retry; try again later.",
  SchemaDrift:
    "The answer does not have the documented shape, so this collection was not stored; please report it with this message."
}
