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
    const hash = createHash("sha256").update(JSON.stringify([latestVersion, viewScripts])).digest("hex")
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

export const storeViews: string = viewsSql
