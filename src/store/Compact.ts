/**
 * Keeping the file as small as its data. A daily job adds a little to many tables each run, and DuckDB rewrites
 * partly filled segments in place, so a file grows faster than what it holds. When it has grown by a tenth since
 * it was last compacted, the whole database is copied into a fresh file (`COPY FROM DATABASE`, every segment written
 * once, fully compressed), the views are installed in it, and it replaces the old file with one atomic rename.
 *
 * A copy that is not at least a twentieth smaller is thrown away, and the file only notes its size as the last
 * compacted one.
 *
 * Safe against everything the history must survive: the old file is attached read-only for the whole copy, which
 * keeps any writer out (DuckDB's lock) and is never written; a crash before the rename leaves the old file in place
 * (the partial copy is removed next time); the rename itself is atomic.
 */
import { FileSystem } from "@effect/platform"
import { Effect } from "effect"
import { type DatabaseService, fileError, openDatabase, sqlString, StoreError } from "./Database.js"
import { storeViews } from "./Migrations.js"

/** Compact when the file is this much larger than it was right after the last compaction. */
export const GROWTH_BEFORE_COMPACTING = 1.1

/** A copy replaces the file only when it is at least this much smaller: a rewrite for less is not worth it. */
const WORTH_REPLACING = 0.95

/** Below this size compaction is not worth a rewrite. */
const MINIMUM_SIZE = 8 * 1024 * 1024

export interface Compaction {
  readonly before: number
  readonly after: number
}

const sizeOf = (fs: FileSystem.FileSystem, path: string) =>
  Effect.map(fs.stat(path), (info) => Number(info.size)).pipe(
    Effect.mapError(fileError(`Cannot read the size of ${path}`))
  )

/** The size the file had right after its last compaction (0: never compacted). */
const lastCompactedSize = (db: DatabaseService) =>
  Effect.gen(function*() {
    const kept = yield* db.query(
      "SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = 'old' AND table_name = 'store_maintenance'"
    )
    if (Number(kept[0]?.["n"] ?? 0) === 0) return 0
    const rows = yield* db.query("SELECT coalesce(max(compacted_size), 0) AS size FROM old.store_maintenance")
    return Number(rows[0]?.["size"] ?? 0)
  })

const copyInto = (path: string, views: ReadonlyArray<string>, minimumSize: number) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const before = yield* sizeOf(fs, path)
    const fresh = `${path}.compacting`
    const removeFresh = Effect.forEach([fresh, `${fresh}.wal`], (file) => fs.remove(file, { force: true }), {
      discard: true
    }).pipe(
      Effect.mapError(fileError(`Cannot remove ${fresh}`))
    )
    yield* removeFresh
    return yield* Effect.scoped(
      Effect.gen(function*() {
        const db = yield* openDatabase({ path: ":memory:", describedAs: path })
        yield* db.execute(`ATTACH ${sqlString(path)} AS old (READ_ONLY)`)
        const last = yield* lastCompactedSize(db)
        if (before < minimumSize || (last > 0 && before < last * GROWTH_BEFORE_COMPACTING)) return null
        // A WAL not yet folded into the file means the copy could miss its changes: leave it for next time.
        const wal = `${path}.wal`
        if ((yield* fs.exists(wal).pipe(Effect.orElseSucceed(() => true))) && (yield* sizeOf(fs, wal)) > 0) return null
        yield* db.execute(`ATTACH ${sqlString(fresh)} AS fresh`)
        yield* db.execute("COPY FROM DATABASE old TO fresh")
        yield* db.execute("USE fresh")
        for (const script of [storeViews, ...views]) yield* db.execute(script)
        yield* db.execute(
          "CREATE TABLE IF NOT EXISTS store_maintenance (compacted_size BIGINT, compacted_at TIMESTAMPTZ)"
        )
        yield* db.execute("CHECKPOINT")
        const after = yield* sizeOf(fs, fresh)
        if (after > before * WORTH_REPLACING) {
          // Little or nothing to gain (segments already about as full as a copy's): the copy goes, and the file
          // notes the copy's size as its compacted size, so the next try waits until the file is a tenth larger than
          // that rather than copying the whole database after every run. That one row is the only write to it.
          yield* db.execute("USE memory")
          yield* db.execute("DETACH fresh")
          yield* db.execute("DETACH old")
          const note = (size: number) =>
            Effect.gen(function*() {
              yield* db.execute(`ATTACH ${sqlString(path)} AS old`)
              yield* db.execute(
                "CREATE TABLE IF NOT EXISTS old.store_maintenance (compacted_size BIGINT, compacted_at TIMESTAMPTZ)"
              )
              yield* db.execute("DELETE FROM old.store_maintenance")
              yield* db.execute(`INSERT INTO old.store_maintenance VALUES (${size}, now())`)
              yield* db.execute("DETACH old")
            })
          yield* note(after)
          // Writing to the file rewrites its catalog into new blocks, which can grow it by a megabyte; a second
          // note reuses the blocks the first freed, and names the size the file now has.
          const noted = yield* sizeOf(fs, path)
          if (noted > after) yield* note(noted)
          return null
        }
        yield* db.execute("DELETE FROM store_maintenance")
        yield* db.execute(`INSERT INTO store_maintenance VALUES (${after}, now())`)
        yield* db.execute("USE memory")
        yield* db.execute("DETACH fresh")
        // The old file is still attached read-only: no writer can have slipped in since the copy began.
        yield* fs.rename(fresh, path).pipe(Effect.mapError(fileError(`Cannot replace ${path} with its compacted copy`)))
        return { before, after: yield* sizeOf(fs, path) } satisfies Compaction
      })
    ).pipe(Effect.ensuring(Effect.ignore(removeFresh)))
  })

/** Compacts the database file at `path` if it has grown enough since last time; never while anyone writes to it. */
export const compactIfGrown = (
  path: string,
  views: ReadonlyArray<string>,
  options: { readonly minimumSize?: number } = {}
): Effect.Effect<Compaction | null, StoreError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    if (path === ":memory:" || !(yield* fs.exists(path).pipe(Effect.orElseSucceed(() => false)))) return null
    return yield* copyInto(path, views, options.minimumSize ?? MINIMUM_SIZE)
  }).pipe(
    // The reason stays what it was (a locked file is Locked, a damaged one Corrupt), the message says what it means.
    Effect.mapError((error) =>
      new StoreError({
        reason: error.reason,
        message: `Could not compact ${path} (the file is unchanged): ${error.message}`,
        cause: error
      })
    ),
    Effect.withSpan("Store.compact")
  )
