/**
 * Keeping the file as small as its data. A daily job adds a little to many tables each run, and DuckDB rewrites
 * partly filled segments in place, so a file grows faster than what it holds. When it has grown by a tenth since
 * it was last compacted, the whole database is copied into a fresh file (`COPY FROM DATABASE`, every segment written
 * once, fully compressed), the views are installed in it, and it replaces the old file with one atomic rename.
 *
 * Safe against everything the history must survive: the old file is attached read-only for the whole copy, which
 * keeps any writer out (DuckDB's lock) and is never written; a crash before the rename leaves the old file in place
 * (the partial copy is removed next time); the rename itself is atomic.
 */
import { existsSync, renameSync, rmSync, statSync } from "node:fs"
import { DuckDBInstance } from "@duckdb/node-api"
import { Effect } from "effect"
import { StoreError } from "./Database.js"
import { storeViews } from "./Migrations.js"

/** Compact when the file is this much larger than it was right after the last compaction. */
export const GROWTH_BEFORE_COMPACTING = 1.1

/** Below this size compaction is not worth a rewrite. */
const MINIMUM_SIZE = 8 * 1024 * 1024

const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`

export interface Compaction {
  readonly before: number
  readonly after: number
}

const copyInto = async (path: string, views: ReadonlyArray<string>, minimumSize: number): Promise<Compaction | null> => {
  const before = statSync(path).size
  const fresh = `${path}.compacting`
  rmSync(fresh, { force: true })
  rmSync(`${fresh}.wal`, { force: true })
  const instance = await DuckDBInstance.create(":memory:")
  const connection = await instance.connect()
  try {
    await connection.run(`ATTACH ${sqlString(path)} AS old (READ_ONLY)`)
    const [row] = (await connection.runAndReadAll(
      `SELECT coalesce(max(compacted_size), 0) AS size FROM duckdb_tables() t, old.store_maintenance
       WHERE t.database_name = 'old' AND t.table_name = 'store_maintenance'`
    ).catch(() => connection.runAndReadAll("SELECT 0 AS size"))).getRowObjectsJS()
    const last = Number(row?.["size"] ?? 0)
    if (before < minimumSize || (last > 0 && before < last * GROWTH_BEFORE_COMPACTING)) return null
    // A WAL not yet folded into the file means the copy could miss its changes: leave it for next time.
    if (existsSync(`${path}.wal`) && statSync(`${path}.wal`).size > 0) return null
    await connection.run(`ATTACH ${sqlString(fresh)} AS fresh`)
    await connection.run("COPY FROM DATABASE old TO fresh")
    await connection.run("SET TimeZone = 'UTC'")
    await connection.run("USE fresh")
    for (const script of [storeViews, ...views]) await connection.run(script)
    await connection.run("CREATE TABLE IF NOT EXISTS store_maintenance (compacted_size BIGINT, compacted_at TIMESTAMPTZ)")
    await connection.run("CHECKPOINT")
    const after = statSync(fresh).size
    await connection.run("DELETE FROM store_maintenance")
    await connection.run(`INSERT INTO store_maintenance VALUES (${after}, now())`)
    await connection.run("USE memory")
    await connection.run("DETACH fresh")
    // The old file is still attached read-only: no writer can have slipped in since the copy began.
    renameSync(fresh, path)
    return { before, after: statSync(path).size }
  } finally {
    connection.closeSync()
    instance.closeSync()
    rmSync(fresh, { force: true })
  }
}

/** Compacts the database file at `path` if it has grown enough since last time; never while anyone writes to it. */
export const compactIfGrown = (
  path: string,
  views: ReadonlyArray<string>,
  options: { readonly minimumSize?: number } = {}
): Effect.Effect<Compaction | null, StoreError> =>
  Effect.tryPromise({
    try: () =>
      path === ":memory:" || !existsSync(path)
        ? Promise.resolve(null)
        : copyInto(path, views, options.minimumSize ?? MINIMUM_SIZE),
    catch: (cause) =>
      new StoreError({
        reason: /lock/i.test(String(cause)) ? "Locked" : "Query",
        message: `Could not compact ${path} (the file is unchanged): ${cause instanceof Error ? cause.message : String(cause)}`,
        cause
      })
  }).pipe(Effect.withSpan("Store.compact"))
