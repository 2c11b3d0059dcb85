/**
 * Versioned migrations for the stored tables (applied once each, in order, each in its own transaction), and the
 * views, recreated whenever their code differs from what the database holds: they are code, not data.
 */
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { type DatabaseService, param, StoreError } from "./Database.js"
import historySql from "./migrations/001_history.sql"
import ledgerSql from "./migrations/002_ledger.sql"
import reviewSql from "./migrations/003_review.sql"
import rosterSql from "./migrations/004_roster.sql"
import remediationSql from "./migrations/005_remediation.sql"
import viewsSql from "./views.sql"

interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

export const migrations: ReadonlyArray<Migration> = [
  { version: 1, name: "history", sql: historySql },
  { version: 2, name: "ledger", sql: ledgerSql },
  { version: 3, name: "review", sql: reviewSql },
  { version: 4, name: "roster", sql: rosterSql },
  { version: 5, name: "remediation", sql: remediationSql }
]

export const latestVersion = migrations[migrations.length - 1]!.version

/** The schema version of the database unqualified names resolve to (0: none yet). */
export const appliedVersion = (db: DatabaseService) =>
  Effect.gen(function*() {
    const tables = yield* db.query(
      "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'schema_migrations' AND database_name = current_database()"
    )
    if (Number(tables[0]?.["n"] ?? 0) === 0) return 0
    const rows = yield* db.query("SELECT coalesce(max(version), 0) AS version FROM schema_migrations")
    return Number(rows[0]?.["version"] ?? 0)
  })

export const tooNew = (db: { readonly path: string }, version: number) =>
  new StoreError({
    reason: "Open",
    message:
      `${db.path} was written by a newer ptolemy-audit (schema ${version}, this one knows ${latestVersion}); upgrade ptolemy-audit.`
  })

/** What `schema_views` holds once these scripts are installed over the latest schema. */
const viewsHash = (viewScripts: ReadonlyArray<string>) =>
  createHash("sha256").update(JSON.stringify([latestVersion, viewScripts])).digest("hex")

/**
 * Brings a writable database up to date: pending migrations, then the views of every installed SQL file. The views
 * are installed again only when their text changed or a migration ran (hundreds of statements: a third of a second
 * on every open otherwise); `schema_views` holds the hash of what is installed.
 */
export const migrate = (db: DatabaseService, viewScripts: ReadonlyArray<string>): Effect.Effect<void, StoreError> =>
  Effect.gen(function*() {
    yield* db.execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL, name VARCHAR, applied_at TIMESTAMPTZ)"
    )
    yield* db.execute("CREATE TABLE IF NOT EXISTS schema_views (hash VARCHAR NOT NULL, installed_at TIMESTAMPTZ)")
    const current = yield* appliedVersion(db)
    if (current > latestVersion) return yield* tooNew(db, current)
    const hash = viewsHash(viewScripts)
    const installed = yield* db.query("SELECT hash FROM schema_views")
    const upToDate = current === latestVersion && installed.length === 1 && installed[0]?.["hash"] === hash
    for (const migration of migrations.filter((m) => m.version > current)) {
      yield* db.transaction(
        Effect.zipRight(
          db.execute(migration.sql),
          db.execute("INSERT INTO schema_migrations VALUES ($1, $2, now())", [
            param.int(migration.version),
            param.text(migration.name)
          ])
        )
      )
    }
    if (upToDate) return
    yield* db.transaction(
      Effect.gen(function*() {
        for (const script of viewScripts) yield* db.execute(script)
        yield* db.execute("DELETE FROM schema_views")
        yield* db.execute("INSERT INTO schema_views VALUES ($1, now())", [param.text(hash)])
      })
    )
  })

/** A read-only open can only check: the database must exist and have been written by this version or an older one. */
export const checkReadable = (db: DatabaseService): Effect.Effect<void, StoreError> =>
  Effect.flatMap(appliedVersion(db), (version) =>
    version === 0
      ? Effect.fail(
        new StoreError({
          reason: "Open",
          message: `${db.path} holds no audit history yet; run \`ptolemy-audit run\` or \`ptolemy-audit demo\` first.`
        })
      )
      : version > latestVersion
      ? Effect.fail(tooNew(db, version))
      : Effect.void)

/**
 * A read-only open of a file whose views are not this version's (an older ptolemy-audit installed them, and no run
 * has upgraded the file since): this version's views are created as temporary ones, in memory only, which DuckDB's
 * search path puts ahead of the stored ones, so a command reads the views it was written for and the file is left
 * as it is. When they cannot be created over the file's older tables, the stored views stay, with a warning.
 */
export const currentViewsInMemory = (
  db: DatabaseService,
  viewScripts: ReadonlyArray<string>
): Effect.Effect<void, StoreError> =>
  Effect.gen(function*() {
    const installed = yield* db.query(
      "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'schema_views' AND database_name = current_database()"
    ).pipe(
      Effect.flatMap((rows) =>
        Number(rows[0]?.["n"] ?? 0) === 0 ? Effect.succeed([]) : db.query("SELECT hash FROM schema_views")
      )
    )
    if (installed.length === 1 && installed[0]?.["hash"] === viewsHash(viewScripts)) return
    yield* Effect.forEach(
      viewScripts,
      (script) => db.execute(script.replace(/\bCREATE OR REPLACE (VIEW|MACRO)\b/gi, "CREATE OR REPLACE TEMP $1")),
      { discard: true }
    ).pipe(
      Effect.catchAll((error) =>
        Effect.zipRight(
          dropTemporaryViews(db),
          Effect.logWarning(
            `${db.path} was written by an older ptolemy-audit and this version's views do not fit it, so its own are used until the next run upgrades it (${
              error.message.split("\n")[0]
            })`
          )
        )
      )
    )
  })

/** Every temporary view and macro, so that none of a half-installed set shadows the stored ones. */
const dropTemporaryViews = (db: DatabaseService) =>
  Effect.gen(function*() {
    const made = yield* db.query(
      `SELECT 'DROP VIEW temp.main.' || view_name AS sql FROM duckdb_views() WHERE database_name = 'temp'
       UNION ALL
       SELECT DISTINCT 'DROP MACRO ' || CASE WHEN function_type = 'table_macro' THEN 'TABLE ' ELSE '' END ||
              'temp.main.' || function_name
       FROM duckdb_functions() WHERE database_name = 'temp' AND function_type IN ('macro', 'table_macro')`
    )
    for (const row of made) yield* db.execute(String(row["sql"]))
  })

export const storeViews: string = viewsSql
