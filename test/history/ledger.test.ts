import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { appendEntry, sealEntry, verifyLedger } from "../../src/history/Ledger.js"
import { Database } from "../../src/store/Database.js"
import { query, snapshotAt, testStore } from "../support/Pipeline.js"
import { member } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"

const WS = "3fa85f64-5717-4562-b3fc-2c963f66afa6"

/** A run, then three sealed entries about campaign c1 of its workspace. */
const history = Effect.gen(function*() {
  yield* snapshotAt({ members: [member("ann", "admin")] }, "2026-02-01T06:00:00Z")
  const db = yield* Database
  for (const [kind, at] of [["review.started", "02"], ["review.decisions", "03"], ["review.closed", "04"]] as const) {
    yield* db.transaction(
      Effect.flatMap(
        appendEntry(db, {
          source: "ptolemy",
          workspaceId: WS,
          kind,
          subjectId: "c1",
          recordedAt: `2026-02-${at}T10:00:00Z`
        }),
        (id) => sealEntry(db, id)
      )
    )
  }
})

const verify = Effect.flatMap(Database, verifyLedger)

describe("the ledger chain", () => {
  it.scoped("sealed entries verify, each linked to the previous one and anchored to the latest run", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* history
          expect(yield* verify).toEqual({ entries: 3, breaches: [] })
          const rows = yield* query(
            "SELECT entry_id, previous_hash, content_hash, anchor_run_id, anchor_hash FROM ledger_log ORDER BY entry_id"
          )
          const runHash = (yield* query("SELECT content_hash FROM runs WHERE run_id = 1"))[0]!["content_hash"]
          expect(rows.map((r) => r["anchor_run_id"])).toEqual([1, 1, 1])
          expect(rows.every((r) => r["anchor_hash"] === runHash)).toBe(true)
          expect(rows[0]!["previous_hash"]).toBeNull()
          expect(rows[1]!["previous_hash"]).toBe(rows[0]!["content_hash"])
          expect(rows[2]!["previous_hash"]).toBe(rows[1]!["content_hash"])
        }),
        testStore(dir)
      )
    }))

  it.scoped("an edited entry, a deleted entry and an edited anchor run are each named", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* history
          const db = yield* Database
          yield* db.execute("UPDATE ledger_log SET recorded_at = '2026-02-05T10:00:00Z' WHERE entry_id = 2")
          expect((yield* verify).breaches.map((b) => [b.entry_id, b.problem])).toEqual([
            [2, "its recorded data no longer matches its hash (a row it stands for was edited or deleted)"]
          ])
          yield* db.execute("UPDATE ledger_log SET recorded_at = '2026-02-03T10:00:00Z' WHERE entry_id = 2")
          yield* db.execute("DELETE FROM ledger_log WHERE entry_id = 2")
          expect((yield* verify).breaches.map((b) => b.entry_id)).toEqual([3])
          yield* db.execute("UPDATE run_log SET content_hash = 'forged' WHERE run_id = 1")
          const breaches = (yield* verify).breaches
          expect(breaches.map((b) => b.entry_id)).toEqual([1, 3])
          expect(breaches[0]!.problem).toContain("run 1")
        }),
        testStore(dir)
      )
    }))
})
