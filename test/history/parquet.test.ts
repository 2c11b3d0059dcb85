import { describe, expect, it } from "@effect/vitest"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect } from "effect"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { exportHistory, importHistory } from "../../src/history/Parquet.js"
import { verifyChain } from "../../src/history/Integrity.js"
import { Database } from "../../src/store/Database.js"
import { event, invitation, member, robot, token, usage, webhook } from "../support/Records.js"
import { snapshotAt, testStore } from "../support/Pipeline.js"
import { tempDir } from "../support/TempDir.js"

const day = (d: number) => `2026-03-${String(d).padStart(2, "0")}T06:00:00Z`

const state = (d: number) => ({
  members: [member("ann", "admin"), member("bob", d > 2 ? "member" : "viewer"), ...(d === 2 ? [member("tmp", "viewer")] : [])],
  robots: [robot("r1")],
  robot_tokens: [token("t1", "r1", { last_used_at: day(d) }), ...(d > 1 ? [token("t2", "r1")] : [])],
  invitations: [invitation("i1", { status: d > 2 ? "accepted" : "pending" })],
  webhooks: [webhook("w1", "https://hooks.acme.test/a")],
  plan_usage: [usage("seats", 10 + d, 50), usage("api_calls", 100 * d, 10000)],
  events: [event(`e${d}`, "membership.updated", "bob", day(d))]
})

const views = [
  "runs", "coverage", "workspaces", "members", "robots", "robot_tokens", "invitations", "webhooks", "plan_usage",
  "events", "changes", "findings", "quota_trend", "quota_fits"
]

const dumpViews = Effect.flatMap(Database, (db) =>
  Effect.forEach(views, (view) => Effect.map(db.query(`SELECT * FROM ${view} ORDER BY ALL`), (rows) => [view, rows] as const)))

describe("export and import as Parquet", () => {
  it.scoped("an import into an empty database reproduces every view exactly, and the chain still verifies", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const out = join(dir, "history")
      const original = yield* Effect.provide(
        Effect.gen(function*() {
          for (let d = 1; d <= 4; d++) yield* snapshotAt(state(d), day(d))
          yield* Effect.flatMap(Database, (db) => exportHistory(db, out))
          return yield* dumpViews
        }),
        testStore(join(dir, "a"))
      )
      expect(original.find(([v]) => v === "changes")![1].length).toBeGreaterThan(0)
      const copy = yield* Effect.provide(
        Effect.gen(function*() {
          const db = yield* Database
          const result = yield* importHistory(db, out)
          expect(result.imported).toEqual([1, 2, 3, 4])
          expect((yield* verifyChain(db)).breaches).toEqual([])
          return yield* dumpViews
        }),
        testStore(join(dir, "b"))
      )
      for (const [i, [view, rows]] of original.entries()) {
        expect({ view, rows: copy[i]![1] }).toEqual({ view, rows })
      }
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scoped("each run adds a folder and rewrites none; a later import adds only the new runs", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const out = join(dir, "history")
      yield* Effect.provide(
        Effect.gen(function*() {
          const db = yield* Database
          yield* snapshotAt(state(1), day(1))
          yield* snapshotAt(state(2), day(2))
          expect((yield* exportHistory(db, out)).written).toEqual([1, 2])
          const before = new Map(
            readdirSync(join(out, "runs"), { recursive: true, withFileTypes: true })
              .filter((e) => e.isFile())
              .map((e) => {
                const path = join(e.parentPath, e.name)
                return [path, { bytes: readFileSync(path), mtime: statSync(path).mtimeMs }] as const
              })
          )
          yield* snapshotAt(state(3), day(3))
          expect(yield* exportHistory(db, out)).toEqual({ written: [3], skipped: 2, entries: [] })
          for (const [path, { bytes, mtime }] of before) {
            expect(readFileSync(path).equals(bytes)).toBe(true)
            expect(statSync(path).mtimeMs).toBe(mtime)
          }
          expect(readdirSync(join(out, "runs")).sort()).toEqual(["run=000001", "run=000002", "run=000003"])
        }),
        testStore(join(dir, "a"))
      )
      yield* Effect.provide(
        Effect.gen(function*() {
          const db = yield* Database
          expect((yield* importHistory(db, out)).imported).toEqual([1, 2, 3])
          expect(yield* importHistory(db, out)).toEqual({ imported: [], skipped: 3, entries: [] })
        }),
        testStore(join(dir, "b"))
      )
    }).pipe(Effect.provide(NodeContext.layer)))
})
