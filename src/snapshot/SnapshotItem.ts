/**
 * A snapshot travels from a source to the store as a stream of items: pages of records as they arrive (so that a
 * 50,000-member workspace never sits in memory), a restart when a collection must be read again from its first page
 * (an expired cursor), and one outcome per collection saying whether it was read completely.
 */
import type { CollectionName, CollectionRecords } from "./Records.js"

/** How a collection fared in a run. Only `complete` collections are compared with earlier runs. */
export type CoverageStatus =
  | "complete" // every page was read
  | "forbidden" // the token may not read it (403): a coverage gap, never "everyone was removed"
  | "failed" // it could not be read (after retries): a coverage gap
  | "not_applicable" // the source has no such collection (TransactionLink has no robot tokens)

export interface CollectionOutcome {
  readonly status: CoverageStatus
  /** Why a collection is a gap, in words a user can act on (endpoint, status, what to do). */
  readonly detail?: string
}

export type SnapshotItem =
  | {
    readonly _tag: "Rows"
    readonly collection: CollectionName
    readonly rows: ReadonlyArray<CollectionRecords[CollectionName]>
  }
  | { readonly _tag: "Restart"; readonly collection: CollectionName }
  | { readonly _tag: "Done"; readonly collection: CollectionName; readonly outcome: CollectionOutcome }

export const SnapshotItem = {
  rows: <C extends CollectionName>(collection: C, rows: ReadonlyArray<CollectionRecords[C]>): SnapshotItem => ({
    _tag: "Rows",
    collection,
    rows
  }),
  restart: (collection: CollectionName): SnapshotItem => ({ _tag: "Restart", collection }),
  done: (collection: CollectionName, outcome: CollectionOutcome): SnapshotItem => ({
    _tag: "Done",
    collection,
    outcome
  })
} as const
