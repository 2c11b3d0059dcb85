import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { verifyChain } from "../../src/history/Integrity.js"
import { allViews } from "../../src/job/Views.js"
import { compactIfGrown } from "../../src/store/Compact.js"
import { Database } from "../../src/store/Database.js"
import { storeLayer } from "../../src/store/StoreLayer.js"
import { oneRunDatabase, snapshotAt } from "../support/Pipeline.js"
import { member, token } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"

const views = ["runs", "members", "robot_tokens", "changes", "findings", "quota_trend"]

const dump = (path: string) =>
  Effect.scoped(
    Effect.gen(function*() {
      const db = yield* Database
      const out: Record<string, unknown> = {}
      for (const view of views) out[view] = yield* db.query(`SELECT * FROM ${view} ORDER BY ALL`)
      return { out, breaches: (yield* verifyChain(db)).breaches }
    }).pipe(Effect.provide(storeLayer({ path, readOnly: true })))
  )

describe("compaction", () => {
  it.scoped("rewrites a grown file smaller, with every view and the integrity chain exactly as before", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = join(dir, "audit.duckdb")
      const members = Array.from({ length: 3000 }, (_, i) => member(`m${i}`, "viewer"))
      // Daily runs that each change a little: the pattern that makes DuckDB files grow faster than their data.
      for (let day = 1; day <= 12; day++) {
        yield* Effect.provide(
          snapshotAt(
            {
              members: members.map((m, i) => (i % 97 === day ? member(m.id, "member") : m)),
              robot_tokens: Array.from(
                { length: 400 },
                (_, i) =>
                  token(`t${i}`, "r1", { last_used_at: `2026-03-${String(day).padStart(2, "0")}T0${i % 10}:00:00Z` })
              )
            },
            `2026-03-${String(day).padStart(2, "0")}T06:00:00Z`
          ),
          storeLayer({ path, views: allViews })
        )
      }
      const before = yield* dump(path)
      const size = statSync(path).size
      const done = yield* compactIfGrown(path, allViews, { minimumSize: 0 })
      expect(done).not.toBeNull()
      expect(done!.after).toBeLessThan(size)
      expect(statSync(path).size).toBe(done!.after)
      expect(yield* dump(path)).toEqual(before)
      expect(before.breaches).toEqual([])
      // Right after compacting there is nothing to gain: the file is left alone.
      expect(yield* compactIfGrown(path, allViews, { minimumSize: 0 })).toBeNull()
      // And the compacted file takes new runs: the thirteenth is stored whole, chained to the twelfth, and the
      // runs before it read as they did.
      const next = yield* Effect.provide(
        snapshotAt({ members: members.map((m, i) => (i < 3 ? member(m.id, "admin") : m)) }, "2026-03-20T06:00:00Z"),
        storeLayer({ path, views: allViews })
      )
      expect(next.runs.map((r) => [r.runId, r.status])).toEqual([[13, "complete"]])
      const after = yield* dump(path)
      expect(after.breaches).toEqual([])
      const upTo12 = (rows: unknown) =>
        (rows as ReadonlyArray<{ run_id: number }>).filter((r) => Number(r.run_id) <= 12)
      for (const view of views) {
        expect({ view, rows: upTo12(after.out[view]) }).toEqual({ view, rows: upTo12(before.out[view]) })
      }
      const stored = (after.out["members"] as ReadonlyArray<{ run_id: number; id: string; role: string }>).filter((r) =>
        r.run_id === 13
      )
      expect(stored.map((r) => `${r.id} ${r.role}`).sort()).toEqual(
        members.map((m, i) => `${m.id} ${i < 3 ? "admin" : "viewer"}`).sort()
      )
      const changes =
        (after.out["changes"] as ReadonlyArray<{ run_id: number; change_type: string; entity_id: string }>)
          .filter((c) => c.run_id === 13)
          .map((c) => `${c.change_type} ${c.entity_id}`)
          .sort()
      // Day 12 made every 97th member from m12 a member; run 13 has them viewers again, and m0-m2 admins.
      expect(changes).toEqual(
        members.flatMap((m, i) => (i < 3 || i % 97 === 12 ? [`role_changed ${m.id}`] : [])).sort()
      )
      expect(changes.length).toBe(3 + 31)
      const [run13, run12] = [13, 12].map((id) =>
        (after.out["runs"] as ReadonlyArray<Record<string, unknown>>).find((r) => r["run_id"] === id)!
      )
      expect(run13!["previous_hash"]).toBe(run12!["content_hash"])
    }).pipe(Effect.provide(NodeContext.layer)))
  it.scoped("keeps the file when its copy would not be smaller, and notes its size so the next run does not copy again", () =>
    Effect.gen(function*() {
      const path = yield* oneRunDatabase
      // A new database of one small run: its copy (the views and a first note included) is no smaller.
      const before = yield* dump(path)
      const inode = statSync(path).ino
      expect(yield* compactIfGrown(path, allViews, { minimumSize: 0 })).toBeNull()
      // Not replaced (the same file, not a renamed copy), everything in it as it was, and the copy gone.
      expect(statSync(path).ino).toBe(inode)
      expect(yield* dump(path)).toEqual(before)
      expect(existsSync(`${path}.compacting`)).toBe(false)
      // The next try finds the noted size and stops before copying: the file is not touched at all.
      const bytes = readFileSync(path)
      expect(yield* compactIfGrown(path, allViews, { minimumSize: 0 })).toBeNull()
      expect(readFileSync(path).equals(bytes)).toBe(true)
    }).pipe(Effect.provide(NodeContext.layer)))
})
