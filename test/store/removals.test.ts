/**
 * Removal confirmation, store side: before a complete listing of members, robots, tokens or invitations ends any
 * version, the store asks the caller about each open entity the listing left out. The hook here is hand-written: it
 * answers as a source would after a direct GET of each (404: gone; 200: still there).
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { Layer } from "effect"
import { join } from "node:path"
import { allViews } from "../../src/job/Views.js"
import type { CollectionName, CollectionRecords, WorkspaceRecord } from "../../src/snapshot/Records.js"
import { SnapshotItem } from "../../src/snapshot/SnapshotItem.js"
import { AuditStore, type ConfirmRemovals, type RemovalVerdict } from "../../src/store/AuditStore.js"
import { Database } from "../../src/store/Database.js"
import type { ConfirmedCollection, MissingEntity } from "../../src/store/Staging.js"
import { runStoreLayer, storeLayer } from "../../src/store/StoreLayer.js"
import { testStore } from "../support/Pipeline.js"
import { member, robot, token } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"

const workspace: WorkspaceRecord = {
  id: "ws-1",
  name: "Acme",
  slug: "acme",
  created_at: "2025-01-01T00:00:00Z",
  updated_at: null,
  raw: { id: "ws-1", name: "Acme", slug: "acme" }
}

type Listing = { readonly [C in Exclude<CollectionName, "workspace" | "events">]?: ReadonlyArray<CollectionRecords[C]> }

/** A snapshot of `listing`: each collection it names is complete, the others are not offered. */
const items = (listing: Listing): Stream.Stream<SnapshotItem> => {
  const out: Array<SnapshotItem> = [
    SnapshotItem.rows("workspace", [workspace]),
    SnapshotItem.done("workspace", { status: "complete" })
  ]
  for (
    const collection of [
      "members",
      "robots",
      "robot_tokens",
      "invitations",
      "webhooks",
      "plan_usage",
      "events"
    ] as const
  ) {
    const rows = collection === "events" ? undefined : listing[collection]
    if (rows === undefined) {
      out.push(SnapshotItem.done(collection, { status: "not_applicable" }))
    } else {
      out.push(SnapshotItem.rows(collection, rows as never), SnapshotItem.done(collection, { status: "complete" }))
    }
  }
  return Stream.fromIterable(out)
}

/** The same collection listed again (what a source's readAgain streams). */
const again = <C extends ConfirmedCollection>(collection: C, rows: ReadonlyArray<CollectionRecords[C]>) =>
  Stream.fromIterable<SnapshotItem>([
    SnapshotItem.rows(collection, rows as never),
    SnapshotItem.done(collection, { status: "complete" })
  ])

interface Asked {
  readonly collection: ConfirmedCollection
  readonly missing: ReadonlyArray<MissingEntity>
}

/** A hook that answers from a script, one answer per call, and records what it was asked. */
const scripted = (answers: ReadonlyArray<RemovalVerdict<never>>) => {
  const asked: Array<Asked> = []
  const hook: ConfirmRemovals<never> = (collection, missing) =>
    Effect.sync(() => {
      asked.push({ collection, missing })
      const answer = answers[asked.length - 1]
      if (answer === undefined) throw new Error(`asked more than expected: ${collection} ${JSON.stringify(missing)}`)
      return answer
    })
  return { hook, asked }
}

let day = 0
const store = (listing: Listing, confirmRemovals?: ConfirmRemovals<never>) =>
  Effect.flatMap(AuditStore, (s) => {
    const at = `2026-04-${String(++day).padStart(2, "0")}T06:00:00Z`
    return s.storeRun({
      context: { source: "ptolemy", selector: "acme", startedAt: at, toolVersion: "test", now: () => at },
      workspace,
      items: items(listing),
      usage: Effect.succeed({ calls: 0, rateLimitRemaining: null }),
      ...(confirmRemovals ? { confirmRemovals } : {})
    })
  })

const ids = (view: string, runId: number) =>
  Effect.flatMap(
    Database,
    (db) =>
      Effect.map(db.query(`SELECT id FROM ${view} WHERE run_id = ${runId} ORDER BY id`), (rows) =>
        rows.map((r) => r["id"]))
  )

const coverageOf = (runId: number, collection: string) =>
  Effect.flatMap(Database, (db) =>
    Effect.map(
      db.query(`SELECT status, rows, detail FROM coverage WHERE run_id = ${runId} AND collection = '${collection}'`),
      (rows) => rows[0]
    ))

const removed = Effect.flatMap(
  Database,
  (db) =>
    db.query(
      "SELECT change_type, entity_id FROM changes WHERE change_type LIKE '%removed' OR change_type = 'token_revoked' ORDER BY ALL"
    )
)

const people = (...names: ReadonlyArray<string>) => names.map((n) => member(n, "viewer"))

describe("removals are confirmed before they are stored", () => {
  it.scoped("a confirmed absence ends the version; the hook is asked exactly about the open ids the listing left out", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        yield* store({ members: people("a", "b", "c") })
        const { asked, hook } = scripted(["confirmed"])
        const run = yield* store({ members: people("a", "c"), webhooks: [] }, hook)
        expect(asked).toEqual([{ collection: "members", missing: [{ id: "b", parentId: null }] }])
        expect(yield* ids("members", run.runId)).toEqual(["a", "c"])
        expect(yield* removed).toEqual([{ change_type: "member_removed", entity_id: "b" }])
      }).pipe(Effect.provide(testStore(dir)))
    }))

  it.scoped("nothing is asked when nothing is left out, nor for a collection that was not read completely", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        yield* store({ members: people("a", "b"), invitations: [] })
        const { asked, hook } = scripted([])
        // members: all there; invitations: not offered this time (not complete), so nothing of it can end.
        const run = yield* store({ members: people("b", "a") }, hook)
        expect(asked).toEqual([])
        expect(yield* ids("members", run.runId)).toEqual(["a", "b"])
      }).pipe(Effect.provide(testStore(dir)))
    }))

  it.scoped("an entity still present means the listing shifted: the collection is read again and the re-read is stored", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        yield* store({ members: people("a", "b", "c") })
        // The first listing left out b and c: b still exists (the listing shifted), c is really gone.
        const { asked, hook } = scripted([
          { readAgain: again("members", people("a", "b")), present: ["b"] },
          "confirmed"
        ])
        const run = yield* store({ members: people("a") }, hook)
        expect(asked).toEqual([
          { collection: "members", missing: [{ id: "b", parentId: null }, { id: "c", parentId: null }] },
          { collection: "members", missing: [{ id: "c", parentId: null }] }
        ])
        expect(yield* ids("members", run.runId)).toEqual(["a", "b"])
        expect(yield* coverageOf(run.runId, "members")).toEqual({ status: "complete", rows: 2, detail: null })
        expect(yield* removed).toEqual([{ change_type: "member_removed", entity_id: "c" }])
      }).pipe(Effect.provide(testStore(dir)))
    }))

  it.scoped("a listing inconsistent twice becomes a coverage gap naming the ids, and nothing of it ends", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        yield* store({ members: people("a", "b", "c") })
        const { asked, hook } = scripted([
          { readAgain: again("members", people("a")), present: ["b", "c"] },
          { readAgain: again("members", people("a")), present: ["b", "c"] }
        ])
        const run = yield* store({ members: people("a") }, hook)
        expect(asked.length).toBe(2)
        expect(run.status).toBe("incomplete")
        const coverage = yield* coverageOf(run.runId, "members")
        expect(coverage?.["status"]).toBe("failed")
        expect(coverage?.["detail"]).toContain("b, c")
        expect(coverage?.["detail"]).toContain("read twice")
        expect(yield* removed).toEqual([])
        // The next complete run still compares with the versions the gap left open.
        const next = yield* store({ members: people("a", "b", "c") }, scripted([]).hook)
        expect(yield* ids("members", next.runId)).toEqual(["a", "b", "c"])
        expect(yield* removed).toEqual([])
      }).pipe(Effect.provide(testStore(dir)))
    }))

  it.scoped("a gap answer is stored as the collection's gap with the caller's words", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        yield* store({ members: people("a", "b"), robots: [robot("r1"), robot("r2")] })
        const { asked, hook } = scripted([{ gap: "robots r2 could not be confirmed: the API answered 503" }])
        const run = yield* store({ members: people("a", "b"), robots: [robot("r1")] }, hook)
        expect(asked).toEqual([{ collection: "robots", missing: [{ id: "r2", parentId: null }] }])
        expect(yield* coverageOf(run.runId, "robots")).toEqual({
          status: "failed",
          rows: null,
          detail: "robots r2 could not be confirmed: the API answered 503"
        })
        expect(yield* removed).toEqual([])
      }).pipe(Effect.provide(testStore(dir)))
    }))

  it.scoped("a token left out is asked about with its robot as the parent, for the direct lookup", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        yield* store({
          robots: [robot("r1"), robot("r2")],
          robot_tokens: [token("t1", "r1"), token("t2", "r2"), token("t3", "r2")]
        })
        const { asked, hook } = scripted(["confirmed"])
        yield* store({ robots: [robot("r1"), robot("r2")], robot_tokens: [token("t1", "r1"), token("t3", "r2")] }, hook)
        expect(asked).toEqual([{ collection: "robot_tokens", missing: [{ id: "t2", parentId: "r2" }] }])
      }).pipe(Effect.provide(testStore(dir)))
    }))

  it.scoped("an entity listed twice is stored once, and the run's count says what was stored", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        const run = yield* store({ members: [...people("a", "b"), member("a", "viewer")] })
        expect(run.coverage.find((c) => c.collection === "members")?.rows).toBe(2)
        expect(yield* coverageOf(run.runId, "members")).toEqual({ status: "complete", rows: 2, detail: null })
      }).pipe(Effect.provide(testStore(dir)))
    }))

  it.scoped("on a file held only to read and to commit (as the CLI runs), the open versions are read before the fetch", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = join(dir, "audit.duckdb")
      const onFile = Layer.provide(runStoreLayer(path, { views: allViews }), NodeContext.layer)
      yield* store({ members: people("a", "b", "c") }).pipe(Effect.provide(onFile))
      const { asked, hook } = scripted([{ readAgain: again("members", people("a", "b", "c")), present: ["b", "c"] }])
      const run = yield* store({ members: people("a") }, hook).pipe(Effect.provide(onFile))
      expect(asked).toEqual([{
        collection: "members",
        missing: [{ id: "b", parentId: null }, { id: "c", parentId: null }]
      }])
      yield* Effect.gen(function*() {
        expect(yield* ids("members", run.runId)).toEqual(["a", "b", "c"])
        expect(yield* removed).toEqual([])
      }).pipe(Effect.provide(storeLayer({ path, readOnly: true })))
    }))
})
