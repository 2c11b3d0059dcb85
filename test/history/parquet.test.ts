import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { verifyChain } from "../../src/history/Integrity.js"
import { exportHistory, importHistory } from "../../src/history/Parquet.js"
import { Database } from "../../src/store/Database.js"
import { snapshotAt, testStore } from "../support/Pipeline.js"
import { event, invitation, member, robot, token, usage, webhook } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"

const day = (d: number) => `2026-03-${String(d).padStart(2, "0")}T06:00:00Z`

const state = (d: number) => ({
  members: [
    member("ann", "admin"),
    member("bob", d > 2 ? "member" : "viewer"),
    ...(d === 2 ? [member("tmp", "viewer")] : [])
  ],
  robots: [robot("r1")],
  robot_tokens: [token("t1", "r1", { last_used_at: day(d) }), ...(d > 1 ? [token("t2", "r1")] : [])],
  invitations: [invitation("i1", { status: d > 2 ? "accepted" : "pending" })],
  webhooks: [webhook("w1", "https://hooks.acme.test/a")],
  plan_usage: [usage("seats", 10 + d, 50), usage("api_calls", 100 * d, 10000)],
  events: [event(`e${d}`, "membership.updated", "bob", day(d))]
})

const views = [
  "runs",
  "coverage",
  "workspaces",
  "members",
  "robots",
  "robot_tokens",
  "invitations",
  "webhooks",
  "plan_usage",
  "events",
  "changes",
  "findings",
  "quota_trend",
  "quota_fits"
]

const dumpViews = Effect.flatMap(
  Database,
  (db) =>
    Effect.forEach(
      views,
      (view) => Effect.map(db.query(`SELECT * FROM ${view} ORDER BY ALL`), (rows) => [view, rows] as const)
    )
)

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
      const a = testStore(join(dir, "a"))
      const b = testStore(join(dir, "b"))
      const exportedFiles = () =>
        new Map(
          readdirSync(join(out, "runs"), { recursive: true, withFileTypes: true })
            .filter((e) => e.isFile())
            .map((e) => {
              const path = join(e.parentPath, e.name)
              return [path, { bytes: readFileSync(path), mtime: statSync(path).mtimeMs }] as const
            })
        )
      // Runs 1 and 2 exported, and that earlier export imported into b.
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* snapshotAt(state(1), day(1))
          yield* snapshotAt(state(2), day(2))
          expect((yield* Effect.flatMap(Database, (db) => exportHistory(db, out))).written).toEqual([1, 2])
        }),
        a
      )
      const earlier = yield* Effect.provide(
        Effect.gen(function*() {
          expect((yield* Effect.flatMap(Database, (db) => importHistory(db, out))).imported).toEqual([1, 2])
          return yield* dumpViews
        }),
        b
      )
      const before = exportedFiles()
      // Run 3, exported into the same folder: one folder more, none rewritten.
      const original = yield* Effect.provide(
        Effect.gen(function*() {
          yield* snapshotAt(state(3), day(3))
          expect(yield* Effect.flatMap(Database, (db) => exportHistory(db, out))).toEqual({
            written: [3],
            skipped: 2,
            entries: []
          })
          return yield* dumpViews
        }),
        a
      )
      for (const [path, { bytes, mtime }] of before) {
        expect(readFileSync(path).equals(bytes)).toBe(true)
        expect(statSync(path).mtimeMs).toBe(mtime)
      }
      expect(readdirSync(join(out, "runs")).sort()).toEqual(["run=000001", "run=000002", "run=000003"])
      // The later import adds run 3 alone: runs 1 and 2 read as they did, and b now answers as a does.
      yield* Effect.provide(
        Effect.gen(function*() {
          const db = yield* Database
          expect(yield* importHistory(db, out)).toEqual({ imported: [3], skipped: 2, entries: [] })
          expect((yield* verifyChain(db)).breaches).toEqual([])
          const copy = yield* dumpViews
          const runsOf = (rows: ReadonlyArray<unknown>, keep: (run: number) => boolean) =>
            rows.filter((r) => keep(Number((r as { run_id?: number }).run_id ?? 0)))
          for (const [i, [view, rows]] of copy.entries()) {
            expect({ view, rows }).toEqual({ view, rows: original[i]![1] })
            const wasThere = earlier[i]![1]
            // What the earlier import stored is untouched (quota_trend shows the newest run only).
            if (view !== "quota_trend" && wasThere.some((r) => (r as { run_id?: number }).run_id !== undefined)) {
              expect({ view, rows: runsOf(rows, (run) => run <= 2) }).toEqual({
                view,
                rows: runsOf(wasThere, (run) => run <= 2)
              })
            }
          }
          const runs = yield* db.query("SELECT run_id FROM run_log ORDER BY run_id")
          expect(runs.map((r) => Number(r["run_id"]))).toEqual([1, 2, 3])
          expect(yield* importHistory(db, out)).toEqual({ imported: [], skipped: 3, entries: [] })
        }),
        b
      )
    }).pipe(Effect.provide(NodeContext.layer)))
})
