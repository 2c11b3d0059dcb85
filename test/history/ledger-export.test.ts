/**
 * The scheduled job rebuilds its database from the exported history on every fresh runner, so the ledger (review and
 * remediation records, sealed in their own chain) must survive export and import like the runs: every table with an
 * `entry_id` column, found by that column rather than listed, and `verify` passes on the rebuilt database.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { appendEntry, sealEntry } from "../../src/history/Ledger.js"
import { exportHistory, importHistory } from "../../src/history/Parquet.js"
import { Database, type DatabaseService, param } from "../../src/store/Database.js"
import { runCli } from "../support/Cli.js"
import { workspace } from "../support/FakeSource.js"
import { snapshotAt, testStore } from "../support/Pipeline.js"
import { member } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"

const day = (d: number) => `2026-05-${String(d).padStart(2, "0")}T06:00:00Z`

/** A feature's table of ledger records (as review and remediation add theirs): known to the export by its column. */
const featureTable =
  "CREATE TABLE IF NOT EXISTS review_note_log (entry_id INTEGER NOT NULL, item VARCHAR, note VARCHAR)"

const record = (db: DatabaseService, kind: string, notes: ReadonlyArray<string>, at: string) =>
  db.transaction(
    Effect.gen(function*() {
      const entryId = yield* appendEntry(db, {
        source: "ptolemy",
        workspaceId: workspace.id,
        kind,
        subjectId: "campaign-1",
        recordedAt: at
      })
      for (const [i, note] of notes.entries()) {
        yield* db.execute("INSERT INTO review_note_log VALUES ($1, $2, $3)", [
          param.int(entryId),
          param.text(`item-${i}`),
          param.text(note)
        ])
      }
      yield* sealEntry(db, entryId)
    })
  )

const ledgerRows = Effect.flatMap(Database, (db) =>
  Effect.all([
    db.query("SELECT * FROM ledger_log ORDER BY entry_id"),
    db.query("SELECT * FROM review_note_log ORDER BY ALL")
  ]))

describe("the ledger in the exported history", () => {
  it.scoped("every table with an entry_id column is exported and imported back, and verify passes on the import", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const out = join(dir, "history")
      const original = yield* Effect.provide(
        Effect.gen(function*() {
          const db = yield* Database
          yield* db.execute(featureTable)
          yield* snapshotAt({ members: [member("ann", "admin"), member("bob", "viewer")] }, day(1))
          yield* record(db, "review.started", [], day(1))
          yield* snapshotAt({ members: [member("ann", "admin")] }, day(2))
          yield* record(db, "review.decisions", ["keep ann", "remove bob"], day(2))
          const first = yield* exportHistory(db, out)
          expect(first).toEqual({ written: [1, 2], skipped: 0, entries: [1, 2] })
          // A later export adds only what is new, and rewrites no folder.
          yield* record(db, "review.closed", ["signed off"], day(3))
          expect(yield* exportHistory(db, out)).toEqual({ written: [], skipped: 2, entries: [3] })
          return yield* ledgerRows
        }),
        testStore(join(dir, "a"))
      )
      expect(readdirSync(join(out, "ledger")).sort()).toEqual(["entry=000001", "entry=000002", "entry=000003"])
      expect(readdirSync(join(out, "ledger", "entry=000002")).sort()).toEqual([
        "ledger_log.parquet",
        "review_note_log.parquet"
      ])
      expect(existsSync(join(out, "ledger", "entry=000001", "review_note_log.parquet"))).toBe(false)

      const rebuilt = join(dir, "b")
      const copy = yield* Effect.provide(
        Effect.gen(function*() {
          const db = yield* Database
          yield* db.execute(featureTable)
          const result = yield* importHistory(db, out)
          expect(result).toEqual({ imported: [1, 2], skipped: 0, entries: [1, 2, 3] })
          expect(yield* importHistory(db, out)).toEqual({ imported: [], skipped: 2, entries: [] })
          return yield* ledgerRows
        }),
        testStore(rebuilt)
      )
      expect(copy).toEqual(original)

      // The real command line, as the scheduled job runs it after its import.
      const verified = yield* Effect.promise(() => runCli(["verify", "--db", join(rebuilt, "audit.duckdb")]))
      expect({ code: verified.code, stderr: verified.stderr }).toEqual({ code: 0, stderr: "" })
      expect(verified.stdout).toContain("2 runs in 1 chain and 3 ledger entries")
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scoped("the same CLI import refuses a ledger entry that differs from the database's: different histories", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const out = join(dir, "history")
      // Two databases whose first run is the same run, and whose first ledger entry is not (recorded another day).
      for (const [name, at] of [["a", day(2)], ["b", day(3)]] as const) {
        yield* Effect.provide(
          Effect.gen(function*() {
            const db = yield* Database
            yield* db.execute(featureTable)
            yield* snapshotAt({ members: [member("ann", "admin")] }, day(1))
            yield* record(db, "review.decisions", ["keep ann"], at)
            if (name === "a") yield* exportHistory(db, out)
          }),
          testStore(join(dir, name))
        )
      }
      const imported = yield* Effect.promise(() =>
        runCli(["import", "--from", out, "--db", join(dir, "b", "audit.duckdb")])
      )
      expect(imported.code).toBe(2)
      expect(imported.stderr).toContain("Ledger entry 1 in")
      expect(imported.stderr).toContain("they are different histories")
    }).pipe(Effect.provide(NodeContext.layer)))
})
