/**
 * A file last written by an older ptolemy-audit holds that version's views, and a read-only command cannot
 * replace them. It must still read this version's views (created in memory), leave the file exactly as it was, and,
 * where this version's views cannot fit the file's older tables, fall back to the stored ones with a warning.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { allViews } from "../../src/job/Views.js"
import { Database, openDatabase } from "../../src/store/Database.js"
import { storeLayer } from "../../src/store/StoreLayer.js"
import { runCli } from "../support/Cli.js"
import { oneRunDatabase } from "../support/Pipeline.js"

/** A database of one run of two members, whose stored `members` view is then made an "older version's". */
const olderFile = (alter: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const path = yield* oneRunDatabase
    // Written as an older version would have: its own view text, and the hash of its own scripts.
    yield* Effect.scoped(
      Effect.flatMap(openDatabase({ path }), (db) =>
        Effect.forEach(
          [
            "CREATE OR REPLACE VIEW members AS SELECT * FROM member_versions WHERE false",
            "UPDATE schema_views SET hash = 'an older version'",
            ...alter,
            "CHECKPOINT"
          ],
          (sql) => db.execute(sql),
          { discard: true }
        ))
    )
    return path
  })

const count = (path: string, options: { readonly views?: ReadonlyArray<string> }) =>
  Effect.scoped(
    Effect.flatMap(Database, (db) => db.query("SELECT count(*)::INTEGER AS n FROM members")).pipe(
      Effect.provide(storeLayer({ path, readOnly: true, ...options }))
    )
  )

describe("read-only opens of a file an older version wrote", () => {
  it.scoped("read this version's views, created in memory, and leave the file byte for byte", () =>
    Effect.gen(function*() {
      const path = yield* olderFile([])
      const bytes = readFileSync(path)
      // The stored view is the older one (it shows nobody); this version's shows both members.
      expect(yield* count(path, {})).toEqual([{ n: 0 }])
      expect(yield* count(path, { views: allViews })).toEqual([{ n: 2 }])
      // The command line too, through the sandboxed `sql` command.
      const sql = yield* Effect.promise(() =>
        runCli(["sql", "SELECT count(*) AS n FROM members", "--db", path, "--format", "csv"])
      )
      expect({ code: sql.code, stdout: sql.stdout.trim().split(/\r?\n/), stderr: sql.stderr }).toEqual({
        code: 0,
        stdout: ["n", "2"],
        stderr: ""
      })
      expect(readFileSync(path).equals(bytes)).toBe(true)
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scoped("fall back to the stored views, with a warning, when this version's do not fit the older tables", () =>
    Effect.gen(function*() {
      // A column this version's views read is missing, as in a file from before the migration that added it.
      const path = yield* olderFile(["ALTER TABLE member_versions DROP COLUMN email"])
      expect(yield* count(path, { views: allViews })).toEqual([{ n: 0 }])
      const sql = yield* Effect.promise(() =>
        runCli(["sql", "SELECT count(*) AS n FROM members", "--db", path, "--format", "csv"])
      )
      expect(sql.code).toBe(0)
      expect(sql.stdout.trim().split(/\r?\n/)).toEqual(["n", "0"])
      expect(sql.stderr).toMatch(/written by an older ptolemy-audit.*until the next run upgrades it/)
      // None of this version's views is left half-installed in front of the stored ones.
      const mixed = yield* Effect.scoped(
        Effect.flatMap(Database, (db) =>
          db.query(
            "SELECT count(*)::INTEGER AS n FROM duckdb_views() WHERE database_name = 'temp'"
          )).pipe(Effect.provide(storeLayer({ path, readOnly: true, views: allViews })))
      )
      expect(mixed).toEqual([{ n: 0 }])
    }).pipe(Effect.provide(NodeContext.layer)))
})
