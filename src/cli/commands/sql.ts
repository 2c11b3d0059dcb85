/**
 * `ptolemy-audit sql "QUERY"`: read-only ad hoc SQL over the audit database. The database is opened read-only and
 * sandboxed (no file or network access from SQL), so a query can neither change the history nor write elsewhere.
 */
import { existsSync } from "node:fs"
import { Console, Effect } from "effect"
import { Database } from "../../store/Database.js"
import { databaseLayer } from "../../store/StoreLayer.js"
import { usageError } from "../ExitCode.js"
import { type Format, render } from "../Output.js"

export const sql = (input: { readonly query: string; readonly db: string; readonly format: Format }) =>
  Effect.gen(function*() {
    if (!existsSync(input.db)) {
      return yield* Effect.fail(
        usageError(`No audit database at ${input.db}: run \`ptolemy-audit run\` first, or pass --db.`)
      )
    }
    const result = yield* Effect.flatMap(Database, (db) => db.table(input.query)).pipe(
      Effect.provide(databaseLayer({ path: input.db, readOnly: true, sandboxed: true })),
      Effect.mapError((error) =>
        usageError(
          error.reason === "ReadOnly"
            ? `The sql command only reads; this statement would change the database. ${error.message}`
            : `SQL error: ${error.message}`
        )
      )
    )
    const rows = input.format === "json" && result.jsonColumns.length > 0
      ? result.rows.map((row) => {
        const parsed = { ...row }
        for (const column of result.jsonColumns) {
          const value = parsed[column]
          if (typeof value === "string") parsed[column] = JSON.parse(value)
        }
        return parsed
      })
      : result.rows
    yield* Console.log(render(input.format, { columns: result.columns, rows }).replace(/\n$/, ""))
  })
