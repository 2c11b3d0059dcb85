/**
 * The whole history as open files: one folder of Parquet files per run (`runs/run=000042/<table>.parquet`), written
 * once and never rewritten, so a scheduled job can persist it by adding files (to a git branch, an object store) and
 * any engine can read it. A run's folder holds what the run added: its run row and coverage, the versions and
 * observations that started at it, the keys of those that ended at it (`<table>.closed.parquet`), the events it first
 * stored and its findings. Importing the folders in order rebuilds the database exactly.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { type DatabaseService, param, StoreError } from "../store/Database.js"
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

const sqlPath = (path: string) => `'${path.replace(/'/g, "''")}'`

const ioError = (message: string, cause: unknown) =>
  new StoreError({ reason: "Query", message: `${message}: ${cause instanceof Error ? cause.message : String(cause)}`, cause })

const fsTry = <A>(message: string, f: () => A) => Effect.try({ try: f, catch: (cause) => ioError(message, cause) })

const checkFormat = (dir: string) =>
  Effect.gen(function*() {
    const file = join(dir, FORMAT_FILE)
    if (!existsSync(file)) return
    const format = yield* fsTry(`Cannot read ${file}`, () =>
      JSON.parse(readFileSync(file, "utf8")) as { format: number; schema_version: number })
    if (format.format !== FORMAT || format.schema_version > latestVersion) {
      return yield* Effect.fail(
        new StoreError({
          reason: "Open",
          message: `${dir} holds history in format ${format.format} / schema ${format.schema_version}, which this ptolemy-audit cannot read; upgrade it.`
        })
      )
    }
  })

export interface ExportResult {
  readonly written: ReadonlyArray<number>
  readonly skipped: number
}

/** Writes a folder for every run not yet exported to `dir`. Existing folders are left as they are. */
export const exportHistory = (db: DatabaseService, dir: string): Effect.Effect<ExportResult, StoreError> =>
  Effect.gen(function*() {
    yield* checkFormat(dir)
    yield* fsTry(`Cannot create ${dir}`, () => mkdirSync(join(dir, "runs"), { recursive: true }))
    yield* fsTry(`Cannot write ${FORMAT_FILE}`, () => {
      const file = join(dir, FORMAT_FILE)
      if (!existsSync(file)) {
        writeFileSync(file, `${JSON.stringify({ format: FORMAT, schema_version: latestVersion }, null, 2)}\n`)
      }
    })
    const runs = (yield* db.query("SELECT run_id FROM run_log ORDER BY run_id")).map((r) => Number(r["run_id"]))
    const written: Array<number> = []
    for (const runId of runs) {
      const final = join(dir, "runs", runFolder(runId))
      if (existsSync(final)) continue
      // Written aside, then renamed: a folder that exists is always whole.
      const partial = join(dir, `.partial-${runFolder(runId)}`)
      yield* fsTry(`Cannot prepare ${partial}`, () => {
        rmSync(partial, { recursive: true, force: true })
        mkdirSync(partial, { recursive: true })
      })
      const copy = (select: string, file: string) =>
        Effect.gen(function*() {
          const count = yield* db.query(`SELECT count(*) AS n FROM (${select})`, [param.int(runId)])
          if (Number(count[0]!["n"]) === 0) return
          yield* db.execute(
            `COPY (${select.replaceAll("$1", String(runId))}) TO ${sqlPath(join(partial, file))} (FORMAT parquet, COMPRESSION zstd)`
          )
        })
      yield* copy("SELECT * FROM run_log WHERE run_id = $1", "run_log.parquet")
      yield* copy("SELECT * FROM run_collections WHERE run_id = $1", "run_collections.parquet")
      yield* copy("SELECT * FROM event_log WHERE first_run_id = $1", "event_log.parquet")
      for (const table of intervalTables) {
        yield* copy(`SELECT * EXCLUDE (valid_to) FROM ${table} WHERE valid_from = $1`, `${table}.parquet`)
        yield* copy(
          `SELECT source, workspace_id, id, valid_from, valid_to FROM ${table} WHERE valid_to = $1`,
          `${table}.closed.parquet`
        )
      }
      yield* fsTry(`Cannot finish ${final}`, () => renameSync(partial, final))
      written.push(runId)
    }
    return { written, skipped: runs.length - written.length }
  }).pipe(Effect.withSpan("History.export"))

export interface ImportResult {
  readonly imported: ReadonlyArray<number>
  readonly skipped: number
}

/**
 * Loads every exported run newer than the database's latest run, in one transaction. Runs the database already has
 * are skipped (their hashes must agree: a different history in the same place is refused).
 */
export const importHistory = (db: DatabaseService, dir: string): Effect.Effect<ImportResult, StoreError> =>
  Effect.gen(function*() {
    if (!existsSync(join(dir, "runs"))) {
      return yield* Effect.fail(
        new StoreError({ reason: "Open", message: `${dir} holds no exported history (no runs/ folder).` })
      )
    }
    yield* checkFormat(dir)
    const folders = (yield* fsTry(`Cannot list ${dir}/runs`, () => readdirSync(join(dir, "runs"))))
      .filter((name) => /^run=\d+$/.test(name))
      .sort()
    const exported = folders.map((name) => Number(name.slice(4)))
    const stored = yield* db.query("SELECT run_id, content_hash FROM run_log ORDER BY run_id")
    const storedHash = new Map(stored.map((r) => [Number(r["run_id"]), r["content_hash"]]))
    const latest = stored.length === 0 ? 0 : Number(stored[stored.length - 1]!["run_id"])
    const fresh = folders.filter((_, i) => exported[i]! > latest)
    // A run both sides have must be the same run.
    for (const [i, runId] of exported.entries()) {
      if (!storedHash.has(runId)) continue
      const file = join(dir, "runs", folders[i]!, "run_log.parquet")
      const rows = yield* db.query(`SELECT content_hash FROM read_parquet(${sqlPath(file)}, hive_partitioning = false)`)
      if (rows[0]?.["content_hash"] !== storedHash.get(runId)) {
        return yield* Effect.fail(
          new StoreError({
            reason: "Integrity",
            message: `Run ${runId} in ${dir} differs from run ${runId} in the database: they are different histories.`
          })
        )
      }
    }
    if (exported.some((runId) => runId <= latest && !storedHash.has(runId))) {
      return yield* Effect.fail(
        new StoreError({
          reason: "Integrity",
          message: `${dir} has runs older than the database's latest (${latest}) that the database lacks: import into an empty database.`
        })
      )
    }
    const files = (name: string) =>
      fresh.map((folder) => join(dir, "runs", folder, name)).filter((path) => existsSync(path))
    const load = (name: string, into: (source: string) => string) =>
      Effect.gen(function*() {
        const paths = files(name)
        if (paths.length === 0) return
        yield* db.execute(into(`read_parquet([${paths.map(sqlPath).join(", ")}], union_by_name = true, hive_partitioning = false)`))
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
      })
    )
    return { imported: fresh.map((f) => Number(f.slice(4))), skipped: exported.length - fresh.length }
  }).pipe(Effect.withSpan("History.import"))
