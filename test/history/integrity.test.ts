import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { verifyChain } from "../../src/history/Integrity.js"
import { Database } from "../../src/store/Database.js"
import { query, snapshotAt, testStore } from "../support/Pipeline.js"
import { member, token } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"

const day = (d: number) => `2026-02-${String(d).padStart(2, "0")}T06:00:00Z`

const history = Effect.gen(function*() {
  yield* snapshotAt(
    { members: [member("ann", "admin"), member("bob", "viewer")], robot_tokens: [token("t1", "r1")] },
    day(1)
  )
  yield* snapshotAt(
    { members: [member("ann", "admin"), member("bob", "member")], robot_tokens: [token("t1", "r1")] },
    day(2)
  )
  yield* snapshotAt(
    { members: [member("ann", "admin"), member("bob", "member")], robot_tokens: [token("t1", "r1")] },
    day(3)
  )
})

const verify = Effect.flatMap(Database, verifyChain)

describe("the integrity chain", () => {
  it.scoped("an untouched history verifies, each run linked to the one before", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* history
          const result = yield* verify
          expect(result).toEqual({ runs: 3, chains: 1, breaches: [] })
          const runs = yield* query("SELECT run_id, content_hash, previous_hash FROM runs ORDER BY run_id")
          expect(runs[0]!["previous_hash"]).toBeNull()
          expect(runs[1]!["previous_hash"]).toBe(runs[0]!["content_hash"])
          expect(runs[2]!["previous_hash"]).toBe(runs[1]!["content_hash"])
          expect(String(runs[2]!["content_hash"])).toMatch(/^[0-9a-f]{64}$/)
        }),
        testStore(dir)
      )
    }))

  it.scoped("an edited row names the first run it belongs to", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* history
          const db = yield* Database
          // bob's second version (valid from run 2) quietly demoted back to viewer
          yield* db.execute("UPDATE member_versions SET role = 'viewer' WHERE id = 'bob' AND valid_from = 2")
          const result = yield* verify
          expect(result.breaches.map((b) => b.run_id)).toEqual([2, 3])
          expect(result.breaches[0]!.problem).toContain("no longer matches")
        }),
        testStore(dir)
      )
    }))

  it.scoped("a deleted observation, finding or run is caught", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* history
          const db = yield* Database
          yield* db.execute("DELETE FROM robot_token_observations WHERE valid_from = 1")
          expect((yield* verify).breaches.map((b) => b.run_id)).toEqual([1, 2, 3])
        }),
        testStore(dir)
      )
      const dirFinding = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          const db = yield* Database
          // t2, created at run 2, never expires (token.no_expiry): one finding version, shown at runs 2 and 3.
          const members = [member("ann", "admin"), member("bob", "viewer")]
          yield* snapshotAt({ members, robot_tokens: [token("t1", "r1")] }, day(1))
          for (const d of [2, 3]) {
            yield* snapshotAt(
              { members, robot_tokens: [token("t1", "r1"), token("t2", "r1", { expires_at: null })] },
              day(d)
            )
          }
          const finding = "rule_id = 'token.no_expiry' AND entity_id = 't2'"
          expect(yield* query(`SELECT valid_from, valid_to FROM finding_versions WHERE ${finding}`)).toEqual([{
            valid_from: 2,
            valid_to: null
          }])
          expect((yield* query(`SELECT run_id FROM findings WHERE ${finding} ORDER BY run_id`)).map((r) => r["run_id"]))
            .toEqual([2, 3])
          expect((yield* verify).breaches).toEqual([])
          yield* db.execute(`DELETE FROM finding_versions WHERE ${finding}`)
          expect(yield* query(`SELECT count(*) AS n FROM findings WHERE ${finding}`)).toEqual([{ n: 0 }])
          const result = yield* verify
          expect(result.breaches.map((b) => b.run_id)).toEqual([2, 3])
          expect(result.breaches[0]!.problem).toContain("no longer matches")
        }),
        testStore(dirFinding)
      )
      const dir2 = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* history
          const db = yield* Database
          yield* db.execute("DELETE FROM run_log WHERE run_id = 2")
          const result = yield* verify
          expect(result.breaches[0]).toMatchObject({ run_id: 3 })
          expect(result.breaches[0]!.problem).toContain("link")
        }),
        testStore(dir2)
      )
    }))
})
