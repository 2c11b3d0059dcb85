/**
 * The port every audited API implements (Ptolemy, TransactionLink): find the targets to audit, stream one target's
 * snapshot, and, for the store, confirm removals and read one collection again. Adapters turn their API's errors into
 * collection outcomes (a 403 is a coverage gap) or, when nothing trustworthy can be stored, into a `SourceFailure`
 * that fails the run; each API says which in one table over its closed reason union (`ErrorMeanings`).
 */
import { Context, Data, type Effect, type Option, type Stream } from "effect"
import type { SourceName, WorkspaceRecord } from "../snapshot/Records.js"
import type { CollectionOutcome, SnapshotItem } from "../snapshot/SnapshotItem.js"

export type SourceFailureReason =
  | "Unauthorized" // the token was refused: nothing can be read
  | "NotFound" // the workspace does not exist (a configuration error)
  | "QuotaExceeded" // the API quota is spent: stop, and store nothing
  | "Untrusted" // the API's TLS certificate was not accepted: nothing was sent
  | "Unavailable" // the API could not be reached or kept failing for every collection
  | "Invalid" // the API answered something the contract does not allow

export class SourceFailure extends Data.TaggedError("SourceFailure")<{
  readonly source: SourceName
  readonly reason: SourceFailureReason
  readonly message: string
  readonly cause?: unknown
}> {}

/** An API client's error as an adapter sees it: a reason of that API's closed union, and a full message. */
export interface ApiErrorOf<R extends string> {
  readonly reason: R
  readonly message: string
}

/** What one API error reason means for a run. */
export interface ErrorMeaning {
  /**
   * While a collection is read: `fail` the run; `restart` the collection from its first page, once (an expired
   * cursor, a listing that shifted), after which it is a failed gap; or leave it a `forbidden` or `failed` gap.
   */
  readonly inCollection: "fail" | "restart" | "forbidden" | "failed"
  /** Where the run cannot go on without the answer (listing the targets): the run's failure reason. */
  readonly failure: SourceFailureReason
}

/** Every reason of one API, each with its meaning: a reason added or renamed there fails to compile here. */
export type ErrorMeanings<R extends string> = { readonly [K in R]: ErrorMeaning }

export const sourceFailure = <R extends string>(source: SourceName, meanings: ErrorMeanings<R>, error: ApiErrorOf<R>) =>
  new SourceFailure({ source, reason: meanings[error.reason].failure, message: error.message, cause: error })

/** A collection left unread by an error that does not end the run: forbidden (403) or failed. */
export const coverageGap = <R extends string>(meanings: ErrorMeanings<R>, error: ApiErrorOf<R>): CollectionOutcome => ({
  status: meanings[error.reason].inCollection === "forbidden" ? "forbidden" : "failed",
  detail: error.message
})

export interface WorkspaceTarget {
  readonly workspace: WorkspaceRecord
  /**
   * What the target is: a workspace, or the organisation above the workspaces (TransactionLink), whose records
   * (enrollments) belong to no one workspace and are stored once, at the organisation.
   */
  readonly scope: "workspace" | "organization"
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

/** The collections whose entities a run may record as removed, so each removal is confirmed first. */
export type RemovableCollection = "members" | "robots" | "robot_tokens" | "invitations"

/** An entity a complete listing no longer showed: its id and its parent's (a token's robot), if it has one. */
export interface MissingEntity {
  readonly id: string
  readonly parentId: string | null
}

export interface AuditSourceService {
  readonly source: SourceName
  /** The targets a run covers: the one named, or (where the source allows) every one the token can view. */
  readonly workspaces: (selector: Option.Option<string>) => Effect.Effect<ReadonlyArray<WorkspaceTarget>, SourceFailure>
  readonly snapshot: (target: WorkspaceTarget, options: SnapshotOptions) => Stream.Stream<SnapshotItem, SourceFailure>
  /**
   * Of entities a listing no longer showed, the ids that still exist: asked one by one where the API has a direct
   * GET (a 404 = gone), otherwise by listing again. It fails with a fatal `SourceFailure` (refused token, spent quota)
   * or, when the absence could not be established either way, with reason `Unavailable`: record no removal then.
   */
  readonly confirmAbsent: (
    target: WorkspaceTarget,
    collection: RemovableCollection,
    missing: ReadonlyArray<MissingEntity>
  ) => Effect.Effect<ReadonlyArray<string>, SourceFailure>
  /**
   * One collection read again from its first page, as `snapshot` reads it: its Rows items (a Restart item if it
   * had to start over), then its Done outcome.
   */
  readonly readAgain: (
    target: WorkspaceTarget,
    collection: RemovableCollection,
    options: SnapshotOptions
  ) => Stream.Stream<SnapshotItem, SourceFailure>
  /** Calls spent since this source was built. */
  readonly usage: Effect.Effect<ApiUsage>
}

export class AuditSource extends Context.Tag("ptolemy-audit/AuditSource")<AuditSource, AuditSourceService>() {}
