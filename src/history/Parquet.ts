/**
 * The whole history as open files: one folder of Parquet files per run (`runs/run=000042/<table>.parquet`) and one
 * per ledger entry (`ledger/entry=000007/<table>.parquet`), written once and never rewritten, so a scheduled job can
 * persist it by adding files (to a git branch, an object store) and any engine can read it. A run's folder holds what
 * the run added: its run row and coverage, the versions and observations that started at it, the keys of those that
 * ended at it (`<table>.closed.parquet`), the events it first stored and its findings. Every run folder has the same
 * files (empty where the run added nothing), so a glob over any set of histories finds each table. An entry's folder
 * holds its rows of every table with an `entry_id` column (the ledger and the records sealed in it, whatever feature
 * added them). Importing the folders in order rebuilds the database exactly.
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect } from "effect"
import { type DatabaseService, fileError, param, sqlString, StoreError } from "../store/Database.js"
import { latestVersion } from "../store/Migrations.js"
import { tableOf, versionedCollections } from "../store/Tables.js"

/** Tables versioned by valid_from / valid_to: exported as rows born at a run plus the keys closed at it. */
const intervalTables: ReadonlyArray<string> = [
  ...versionedCollections.flatMap((c) => {
    const spec = tableOf(c)
    return spec.observations ? [spec.versions, spec.observations.table] : [spec.versions]
  }),
  "finding_versions"
]

const FORMAT_FILE = "ptolemy-audit-history.json"
const FORMAT = 1

const runFolder = (runId: number) => `run=${String(runId).padStart(6, "0")}`
const entryFolder = (entryId: number) => `entry=${String(entryId).padStart(6, "0")}`
const numbered = (prefix: "run" | "entry") => (name: string) => new RegExp(`^${prefix}=\\d+$`).test(name)
const numberOf = (name: string) => Number(name.slice(name.indexOf("=") + 1))

const parquetSource = (paths: ReadonlyArray<string>) =>
  `read_parquet([${paths.map(sqlString).join(", ")}], union_by_name = true, hive_partitioning = false)`

interface Format {
  readonly format: number
  readonly schema_version: number
}

const readFormat = (fs: FileSystem.FileSystem, file: string) =>
  Effect.gen(function*() {
    if (!(yield* fs.exists(file).pipe(Effect.mapError(fileError(`Cannot look for ${file}`))))) return null
    const text = yield* fs.readFileString(file).pipe(Effect.mapError(fileError(`Cannot read ${file}`)))
    return yield* Effect.try({
      try: () => JSON.parse(text) as Format,
      catch: (cause) =>
        new StoreError({ reason: "Files", message: `${file} is not valid JSON: ${String(cause)}`, cause })
    })
  })

const checkFormat = (dir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const format = yield* readFormat(fs, path.join(dir, FORMAT_FILE))
    if (format !== null && (format.format !== FORMAT || format.schema_version > latestVersion)) {
      return yield* Effect.fail(
        new StoreError({
          reason: "Open",
          message:
            `${dir} holds history in format ${format.format} / schema ${format.schema_version}, which this ptolemy-audit cannot read; upgrade it.`
        })
      )
    }
    return format
  })

/** The tables whose rows belong to a ledger entry (an `entry_id` column), the ledger's own first. */
const entryTables = (db: DatabaseService) =>
  Effect.map(
    db.query(
      `SELECT c.table_name FROM duckdb_columns() c
       JOIN duckdb_tables() t USING (database_name, schema_name, table_name)
       WHERE c.column_name = 'entry_id' AND c.database_name = current_database() AND c.schema_name = 'main'
       ORDER BY c.table_name <> 'ledger_log', c.table_name`
    ),
    (rows) => rows.map((r) => String(r["table_name"]))
  )

/** The folders under `dir/<kind>` that are whole (a partial one is written aside, then renamed). */
const folders = (dir: string, kind: "runs" | "ledger", prefix: "run" | "entry") =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const where = path.join(dir, kind)
    if (!(yield* fs.exists(where).pipe(Effect.mapError(fileError(`Cannot look for ${where}`))))) return []
    const names = yield* fs.readDirectory(where).pipe(Effect.mapError(fileError(`Cannot list ${where}`)))
    return names.filter(numbered(prefix)).sort()
  })

/** Writes `copies` into a fresh folder aside, then renames it into place: a folder that exists is always whole. */
const writeFolder = (
  dir: string,
  final: string,
  copies: (partial: string) => Effect.Effect<void, StoreError>
) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const partial = path.join(dir, `.partial-${path.basename(path.dirname(final))}-${path.basename(final)}`)
    yield* Effect.zipRight(
      fs.remove(partial, { recursive: true, force: true }),
      fs.makeDirectory(partial, { recursive: true })
    ).pipe(Effect.mapError(fileError(`Cannot prepare ${partial}`)))
    yield* copies(partial)
    yield* fs.makeDirectory(path.dirname(final), { recursive: true }).pipe(
      Effect.mapError(fileError(`Cannot create ${path.dirname(final)}`))
    )
    yield* fs.rename(partial, final).pipe(Effect.mapError(fileError(`Cannot finish ${final}`)))
  })

export interface ExportResult {
  readonly written: ReadonlyArray<number>
  readonly skipped: number
  /** Ledger entries written by this export. */
  readonly entries: ReadonlyArray<number>
}

/** Writes a folder for every run and ledger entry not yet exported to `dir`. Existing folders are left as they are. */
export const exportHistory = (
  db: DatabaseService,
  dir: string
): Effect.Effect<ExportResult, StoreError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const format = yield* checkFormat(dir)
    yield* fs.makeDirectory(path.join(dir, "runs"), { recursive: true }).pipe(
      Effect.mapError(fileError(`Cannot create ${dir}`))
    )
    if (format === null || format.schema_version < latestVersion) {
      // The schema the newest folders were written with: an older ptolemy-audit refuses what it cannot read.
      yield* fs.writeFileString(
        path.join(dir, FORMAT_FILE),
        `${JSON.stringify({ format: FORMAT, schema_version: latestVersion }, null, 2)}\n`
      ).pipe(Effect.mapError(fileError(`Cannot write ${path.join(dir, FORMAT_FILE)}`)))
    }
    const copy = (select: string, file: string) =>
      db.execute(`COPY (${select}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`).pipe(
        Effect.mapError((error) =>
          new StoreError({ reason: "Files", message: `Cannot write ${file}: ${error.message}`, cause: error })
        )
      )

    const exportedRuns = new Set((yield* folders(dir, "runs", "run")).map(numberOf))
    const runs = (yield* db.query("SELECT run_id FROM run_log ORDER BY run_id")).map((r) => Number(r["run_id"]))
    const written: Array<number> = []
    for (const runId of runs) {
      if (exportedRuns.has(runId)) continue
      // COPY takes no parameters in its query: the run id is a number from the database, spliced in.
      const run = String(runId)
      yield* writeFolder(dir, path.join(dir, "runs", runFolder(runId)), (partial) =>
        Effect.gen(function*() {
          yield* copy(`SELECT * FROM run_log WHERE run_id = ${run}`, path.join(partial, "run_log.parquet"))
          yield* copy(
            `SELECT * FROM run_collections WHERE run_id = ${run}`,
            path.join(partial, "run_collections.parquet")
          )
          yield* copy(`SELECT * FROM event_log WHERE first_run_id = ${run}`, path.join(partial, "event_log.parquet"))
          for (const table of intervalTables) {
            yield* copy(
              `SELECT * EXCLUDE (valid_to) FROM ${table} WHERE valid_from = ${run}`,
              path.join(partial, `${table}.parquet`)
            )
            yield* copy(
              `SELECT source, workspace_id, id, valid_from, valid_to FROM ${table} WHERE valid_to = ${run}`,
              path.join(partial, `${table}.closed.parquet`)
            )
          }
        }))
      written.push(runId)
    }

    const exportedEntries = new Set((yield* folders(dir, "ledger", "entry")).map(numberOf))
    const tables = yield* entryTables(db)
    const entries = (yield* db.query("SELECT entry_id FROM ledger_log ORDER BY entry_id"))
      .map((r) => Number(r["entry_id"]))
      .filter((id) => !exportedEntries.has(id))
    for (const entryId of entries) {
      const entry = String(entryId)
      yield* writeFolder(dir, path.join(dir, "ledger", entryFolder(entryId)), (partial) =>
        Effect.forEach(tables, (table) =>
          Effect.gen(function*() {
            const rows = yield* db.query(`SELECT count(*) AS n FROM ${table} WHERE entry_id = $1`, [param.int(entryId)])
            if (Number(rows[0]?.["n"] ?? 0) === 0) {
              return
            }
            yield* copy(`SELECT * FROM ${table} WHERE entry_id = ${entry}`, path.join(partial, `${table}.parquet`))
          }), { discard: true }))
    }
    return { written, skipped: runs.length - written.length, entries }
  }).pipe(Effect.withSpan("History.export"))

export interface ImportResult {
  readonly imported: ReadonlyArray<number>
  readonly skipped: number
  /** Ledger entries imported. */
  readonly entries: ReadonlyArray<number>
}

/** A record both the export and the database have must be the same record: else they are different histories. */
const sameOnBothSides = (
  db: DatabaseService,
  what: "Run" | "Ledger entry",
  files: ReadonlyArray<string>,
  key: string,
  stored: Map<number, unknown>,
  dir: string
) =>
  Effect.gen(function*() {
    if (files.length === 0) return
    const exported = yield* db.query(`SELECT ${key} AS id, content_hash FROM ${parquetSource(files)}`).pipe(
      Effect.mapError((error) =>
        new StoreError({ reason: "Files", message: `Cannot read ${dir}: ${error.message}`, cause: error })
      )
    )
    for (const row of exported) {
      const id = Number(row["id"])
      if (stored.has(id) && stored.get(id) !== row["content_hash"]) {
        return yield* Effect.fail(
          new StoreError({
            reason: "Integrity",
            message:
              `${what} ${id} in ${dir} differs from ${what.toLowerCase()} ${id} in the database: they are different histories.`
          })
        )
      }
    }
  })

/**
 * Loads every exported run newer than the database's latest run, and every ledger entry newer than its latest entry,
 * in one transaction. What the database already has is skipped (it must agree: a different history in the same place
 * is refused).
 */
export const importHistory = (
  db: DatabaseService,
  dir: string
): Effect.Effect<ImportResult, StoreError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    if (!(yield* fs.exists(path.join(dir, "runs")).pipe(Effect.mapError(fileError(`Cannot look for ${dir}/runs`))))) {
      return yield* Effect.fail(
        new StoreError({ reason: "Open", message: `${dir} holds no exported history (no runs/ folder).` })
      )
    }
    yield* checkFormat(dir)
    const runNames = yield* folders(dir, "runs", "run")
    const exported = runNames.map(numberOf)
    const stored = yield* db.query("SELECT run_id, content_hash FROM run_log ORDER BY run_id")
    const storedHash = new Map(stored.map((r) => [Number(r["run_id"]), r["content_hash"]]))
    const latest = stored.length === 0 ? 0 : Number(stored[stored.length - 1]!["run_id"])
    const fresh = runNames.filter((_, i) => exported[i]! > latest)
    yield* sameOnBothSides(
      db,
      "Run",
      runNames.filter((_, i) => storedHash.has(exported[i]!)).map((name) =>
        path.join(dir, "runs", name, "run_log.parquet")
      ),
      "run_id",
      storedHash,
      dir
    )
    if (exported.some((runId) => runId <= latest && !storedHash.has(runId))) {
      return yield* Effect.fail(
        new StoreError({
          reason: "Integrity",
          message:
            `${dir} has runs older than the database's latest (${latest}) that the database lacks: import into an empty database.`
        })
      )
    }

    const entryNames = yield* folders(dir, "ledger", "entry")
    const exportedEntries = entryNames.map(numberOf)
    const storedEntries = yield* db.query("SELECT entry_id, content_hash FROM ledger_log ORDER BY entry_id")
    const entryHash = new Map(storedEntries.map((r) => [Number(r["entry_id"]), r["content_hash"]]))
    const latestEntry = storedEntries.length === 0 ? 0 : Number(storedEntries[storedEntries.length - 1]!["entry_id"])
    const freshEntries = entryNames.filter((_, i) => exportedEntries[i]! > latestEntry)
    yield* sameOnBothSides(
      db,
      "Ledger entry",
      entryNames.filter((_, i) => entryHash.has(exportedEntries[i]!)).map((name) =>
        path.join(dir, "ledger", name, "ledger_log.parquet")
      ),
      "entry_id",
      entryHash,
      dir
    )
    if (exportedEntries.some((id) => id <= latestEntry && !entryHash.has(id))) {
      return yield* Effect.fail(
        new StoreError({
          reason: "Integrity",
          message:
            `${dir} has ledger entries older than the database's latest (${latestEntry}) that the database lacks: import into an empty database.`
        })
      )
    }
    const tables = new Set(yield* entryTables(db))
    const entryFiles = new Map<string, Array<string>>()
    for (const name of freshEntries) {
      const folder = path.join(dir, "ledger", name)
      const files = yield* fs.readDirectory(folder).pipe(Effect.mapError(fileError(`Cannot list ${folder}`)))
      for (const file of files.filter((f) => f.endsWith(".parquet")).sort()) {
        const table = file.slice(0, -".parquet".length)
        if (!tables.has(table)) {
          return yield* Effect.fail(
            new StoreError({
              reason: "Open",
              message: `${folder}/${file} belongs to a table this ptolemy-audit does not have (${table}); upgrade it.`
            })
          )
        }
        entryFiles.set(table, [...(entryFiles.get(table) ?? []), path.join(folder, file)])
      }
    }

    const existing = (files: ReadonlyArray<string>) =>
      Effect.filter(files, (file) => fs.exists(file).pipe(Effect.mapError(fileError(`Cannot look for ${file}`))))
    const load = (name: string, into: (source: string) => string) =>
      Effect.gen(function*() {
        const paths = yield* existing(fresh.map((folder) => path.join(dir, "runs", folder, name)))
        if (paths.length === 0) return
        yield* db.execute(into(parquetSource(paths)))
      })
    yield* db.transaction(
      Effect.gen(function*() {
        yield* load("run_log.parquet", (src) => `INSERT INTO run_log BY NAME SELECT * FROM ${src}`)
        yield* load("run_collections.parquet", (src) => `INSERT INTO run_collections BY NAME SELECT * FROM ${src}`)
        yield* load("event_log.parquet", (src) => `INSERT INTO event_log BY NAME SELECT * FROM ${src}`)
        for (const table of intervalTables) {
          yield* load(`${table}.parquet`, (src) => `INSERT INTO ${table} BY NAME SELECT * FROM ${src}`)
          yield* load(
            `${table}.closed.parquet`,
            (src) =>
              `UPDATE ${table} SET valid_to = c.valid_to FROM ${src} c
               WHERE ${table}.source = c.source AND ${table}.workspace_id = c.workspace_id
                 AND ${table}.id = c.id AND ${table}.valid_from = c.valid_from`
          )
        }
        // The ledger after the runs: each entry names the run it saw.
        for (const [table, files] of entryFiles) {
          yield* db.execute(`INSERT INTO ${table} BY NAME SELECT * FROM ${parquetSource(files)}`)
        }
      })
    ).pipe(
      Effect.mapError((error) =>
        error.reason === "Query"
          ? new StoreError({ reason: "Files", message: `Cannot import ${dir}: ${error.message}`, cause: error })
          : error
      )
    )
    return {
      imported: fresh.map(numberOf),
      skipped: exported.length - fresh.length,
      entries: freshEntries.map(numberOf)
    }
  }).pipe(Effect.withSpan("History.import"))
