/**
 * The port every audited API implements (Ptolemy, TransactionLink): find the workspaces to audit, then stream one
 * workspace's snapshot. Adapters turn their API's errors into collection outcomes (a 403 is a coverage gap) or, when
 * nothing trustworthy can be stored, into a `SourceFailure` that fails the run.
 */
import { Context, Data, type Effect, type Option, type Stream } from "effect"
import type { SourceName, WorkspaceRecord } from "../snapshot/Records.js"
import type { CollectionOutcome, SnapshotItem } from "../snapshot/SnapshotItem.js"

export type SourceFailureReason =
  | "Unauthorized" // the token was refused: nothing can be read
  | "NotFound" // the workspace does not exist (a configuration error)
  | "QuotaExceeded" // the API quota is spent: stop, and store nothing
  | "Unavailable" // the API could not be reached or kept failing for every collection
  | "Invalid" // the API answered something the contract does not allow

export class SourceFailure extends Data.TaggedError("SourceFailure")<{
  readonly source: SourceName
  readonly reason: SourceFailureReason
  readonly message: string
  readonly cause?: unknown
}> {}

/** What every API client's error tells an adapter: its reason (the API's own vocabulary) and a full message. */
export interface ApiErrorLike {
  readonly reason: string
  readonly message: string
}

/** An API error that ends the run: a refused token, a spent quota, an unknown workspace, or the API down. */
export const sourceFailure = (source: SourceName, error: ApiErrorLike): SourceFailure =>
  new SourceFailure({
    source,
    reason: error.reason === "Unauthorized" || error.reason === "QuotaExceeded" || error.reason === "NotFound"
      ? error.reason
      : error.reason === "SchemaDrift"
      ? "Invalid"
      : "Unavailable",
    message: error.message,
    cause: error
  })

/** An API error that leaves one collection unread: forbidden (403), or failed for any other reason. */
export const coverageGap = (error: ApiErrorLike): CollectionOutcome => ({
  status: error.reason === "Forbidden" ? "forbidden" : "failed",
  detail: error.message
})

export interface WorkspaceTarget {
  readonly workspace: WorkspaceRecord
}

export interface ApiUsage {
  /** Requests sent (each counts one call against the API quota), retries included. */
  readonly calls: number
  /** The last `X-RateLimit-Remaining` the API reported, if it sends one. */
  readonly rateLimitRemaining: number | null
}

export interface SnapshotOptions {
  /** The instant the snapshot stands for (the run's start): states the API leaves implicit are judged against it. */
  readonly asOf: string
  /** Read only access events created after this instant (the stored watermark); none = the whole retained log. */
  readonly eventsSince: Option.Option<string>
}

export interface AuditSourceService {
  readonly source: SourceName
  /** The workspaces a run covers: the one named, or (where the source allows) every one the token can view. */
  readonly workspaces: (selector: Option.Option<string>) => Effect.Effect<ReadonlyArray<WorkspaceTarget>, SourceFailure>
  readonly snapshot: (target: WorkspaceTarget, options: SnapshotOptions) => Stream.Stream<SnapshotItem, SourceFailure>
  /** Calls spent since this source was built. */
  readonly usage: Effect.Effect<ApiUsage>
}

export class AuditSource extends Context.Tag("ptolemy-audit/AuditSource")<AuditSource, AuditSourceService>() {}
