/**
 * `ptolemy-audit sql "QUERY"`: read-only ad hoc SQL over the audit database. The database is opened read-only and
 * sandboxed (no file or network access from SQL), so a query can neither change the history nor write elsewhere.
 *
 * Several statements run in order, as the DuckDB CLI runs them: the table format prints the result of each statement
 * that returns rows; csv and json print one result (stdout is one table for a script to read), so a script whose
 * statements return more than one result is refused there.
 */
import { Console, Effect } from "effect"
import { allViews } from "../../job/Views.js"
import { Database, type StatementResult, type StoreError } from "../../store/Database.js"
import { databaseLayer } from "../../store/StoreLayer.js"
import { type CommandExit, runFailed, usageError } from "../ExitCode.js"
import { type Format, render } from "../Output.js"
import { requireDatabase } from "./common.js"

const asCommandExit = (error: StoreError): CommandExit =>
  error.reason === "ReadOnly"
    ? usageError(`The sql command only reads; this statement would change the database. ${error.message}`)
    : error.reason === "Query" || error.reason === "Decode"
    ? usageError(`SQL error: ${error.message}`)
    : runFailed(error.message) // the file itself: missing schema, damaged, held by a writer

/** What a script shows: the results of its statements that return rows, or else the last statement's. */
const shownResults = (results: ReadonlyArray<StatementResult>) => {
  const withRows = results.filter((r) => r.returnsRows)
  return withRows.length > 0 ? withRows : results.slice(-1)
}

/** JSON columns as JSON values (not strings) in the json format. */
const withJsonParsed = (result: StatementResult) =>
  result.jsonColumns.length === 0
    ? result.rows
    : result.rows.map((row) => {
      const parsed = { ...row }
      for (const column of result.jsonColumns) {
        const value = parsed[column]
        if (typeof value === "string") parsed[column] = JSON.parse(value)
      }
      return parsed
    })

export const sql = (input: { readonly query: string; readonly db: string; readonly format: Format }) =>
  Effect.gen(function*() {
    yield* requireDatabase(input.db)
    const results = yield* Effect.flatMap(Database, (db) => db.statements(input.query)).pipe(
      Effect.provide(databaseLayer({ path: input.db, readOnly: true, sandboxed: true, views: allViews })),
      Effect.mapError(asCommandExit)
    )
    if (results.length === 0) {
      return yield* Effect.fail(usageError("The query is empty: give at least one SQL statement."))
    }
    const shown = shownResults(results)
    if (input.format !== "table" && shown.length > 1) {
      return yield* Effect.fail(
        usageError(
          `--format ${input.format} prints one result, and ${shown.length} of these ${results.length} statements return rows: ` +
            "run them one at a time, or use --format table, which prints each result."
        )
      )
    }
    const text = shown
      .map((result) =>
        render(input.format, {
          columns: result.columns,
          rows: input.format === "json" ? withJsonParsed(result) : result.rows
        }).replace(/\n$/, "")
      )
      .join("\n\n")
    if (text !== "") yield* Console.log(text)
  })
