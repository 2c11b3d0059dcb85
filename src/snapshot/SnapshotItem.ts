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

/** A page of one collection's records: the rows are typed by the collection they belong to. */
export interface RowsOf<C extends CollectionName> {
  readonly _tag: "Rows"
  readonly collection: C
  readonly rows: ReadonlyArray<CollectionRecords[C]>
}

type RowsByCollection = { readonly [C in CollectionName]: RowsOf<C> }

/** A page of any collection (a union of one member per collection, so `collection` narrows `rows`). */
export type RowsItem = RowsByCollection[CollectionName]

export type SnapshotItem =
  | RowsItem
  | { readonly _tag: "Restart"; readonly collection: CollectionName }
  | { readonly _tag: "Done"; readonly collection: CollectionName; readonly outcome: CollectionOutcome }

type RowsMaker = { readonly [C in CollectionName]: (rows: ReadonlyArray<CollectionRecords[C]>) => RowsByCollection[C] }

/** One constructor per collection: a generic one could not prove that its rows belong to its collection. */
const makeRows: RowsMaker = {
  workspace: (rows) => ({ _tag: "Rows", collection: "workspace", rows }),
  members: (rows) => ({ _tag: "Rows", collection: "members", rows }),
  robots: (rows) => ({ _tag: "Rows", collection: "robots", rows }),
  robot_tokens: (rows) => ({ _tag: "Rows", collection: "robot_tokens", rows }),
  invitations: (rows) => ({ _tag: "Rows", collection: "invitations", rows }),
  webhooks: (rows) => ({ _tag: "Rows", collection: "webhooks", rows }),
  plan_usage: (rows) => ({ _tag: "Rows", collection: "plan_usage", rows }),
  events: (rows) => ({ _tag: "Rows", collection: "events", rows }),
  roster: (rows) => ({ _tag: "Rows", collection: "roster", rows }),
  people: (rows) => ({ _tag: "Rows", collection: "people", rows })
}

export const SnapshotItem = {
  rows: <C extends CollectionName>(collection: C, rows: ReadonlyArray<CollectionRecords[C]>): RowsByCollection[C] =>
    makeRows[collection](rows),
  restart: (collection: CollectionName): SnapshotItem => ({ _tag: "Restart", collection }),
  done: (collection: CollectionName, outcome: CollectionOutcome): SnapshotItem => ({
    _tag: "Done",
    collection,
    outcome
  })
} as const
