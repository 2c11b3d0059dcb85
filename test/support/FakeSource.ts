/**
 * A hand-written audit source for store and pipeline unit tests: it serves whatever state the test sets, with
 * per-collection outcomes, without any HTTP.
 */
import { Effect, Stream } from "effect"
import {
  type CollectionName,
  collectionNames,
  type CollectionRecords,
  type WorkspaceRecord
} from "../../src/snapshot/Records.js"
import { type CollectionOutcome, SnapshotItem } from "../../src/snapshot/SnapshotItem.js"
import { type AuditSourceService, SourceFailure } from "../../src/source/AuditSource.js"

export type FakeState =
  & {
    -readonly [C in Exclude<CollectionName, "workspace">]?: ReadonlyArray<CollectionRecords[C]> | CollectionOutcome
  }
  & { failWith?: string }

export const workspace: WorkspaceRecord = {
  id: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
  name: "Acme Capital",
  slug: "acme-capital",
  created_at: "2025-01-01T00:00:00Z",
  updated_at: "2025-01-01T00:00:00Z",
  raw: { id: "3fa85f64-5717-4562-b3fc-2c963f66afa6", name: "Acme Capital", slug: "acme-capital" }
}

export const fakeSource = (state: () => FakeState): AuditSourceService => ({
  source: "ptolemy",
  workspaces: () => Effect.succeed([{ workspace, scope: "workspace" }]),
  snapshot: () =>
    Stream.suspend(() => {
      const current = state()
      const items: Array<SnapshotItem> = [
        SnapshotItem.rows("workspace", [workspace]),
        SnapshotItem.done("workspace", { status: "complete" })
      ]
      // A collection the state leaves out is one this fake source does not offer.
      for (const collection of collectionNames) {
        if (collection === "workspace") continue
        const value = current[collection]
        if (value === undefined) {
          items.push(SnapshotItem.done(collection, { status: "not_applicable" }))
          continue
        }
        if (Array.isArray(value)) {
          items.push(SnapshotItem.rows(collection, value as never))
          items.push(SnapshotItem.done(collection, { status: "complete" }))
        } else {
          items.push(SnapshotItem.done(collection, value as CollectionOutcome))
        }
      }
      const stream = Stream.fromIterable(items)
      return current.failWith === undefined
        ? stream
        : Stream.concat(
          stream,
          Stream.fail(new SourceFailure({ source: "ptolemy", reason: "Unauthorized", message: current.failWith }))
        )
    }),
  // The state is the truth: what it no longer holds is gone, and a collection reads again as it is now.
  confirmAbsent: (_target, collection, missing) =>
    Effect.sync(() => {
      const current = state()[collection]
      const ids = new Set(Array.isArray(current) ? current.map((r) => r.id) : [])
      return missing.map((m) => m.id).filter((id) => ids.has(id))
    }),
  readAgain: (_target, collection) =>
    Stream.suspend(() => {
      const value = state()[collection]
      return value === undefined
        ? Stream.make(SnapshotItem.done(collection, { status: "not_applicable" }))
        : Array.isArray(value)
        ? Stream.make(
          SnapshotItem.rows(collection, value as never),
          SnapshotItem.done(collection, { status: "complete" })
        )
        : Stream.make(SnapshotItem.done(collection, value as CollectionOutcome))
    }),
  usage: Effect.succeed({ calls: 0, rateLimitRemaining: null })
})
