/**
 * A window's changes and people, computed once into temporary tables for as long as a report needs them. Changes
 * are derived from the versions at each query (the `changes` view), and a report reads the window's changes
 * in eight queries and its people in three (the people list, then the workbook's Members and Access review sheets):
 * once each is enough. The tables are the connection's own (DuckDB's temporary catalog, so a read-only database takes
 * them too) and are dropped when the scope closes.
 */
import { Effect, type Scope } from "effect"
import type { DatabaseService, StoreError } from "../store/Database.js"
import { changesOf, type Window, windowParams } from "./Changes.js"
import { peopleTableSql } from "./People.js"

/** Several reports may be loaded on one connection at once (the demo's workspaces): each gets tables of its own. */
let loaded = 0

export const withWindowTables = (
  db: DatabaseService,
  window: Window
): Effect.Effect<Window, StoreError, Scope.Scope> =>
  Effect.gen(function*() {
    const n = ++loaded
    const changesTable = `report_changes_${n}`
    const peopleTable = `report_people_${n}`
    yield* Effect.acquireRelease(
      db.execute(
        `CREATE TEMP TABLE ${changesTable} AS
         SELECT * FROM ${changesOf(window)} WHERE source = $1 AND workspace_id = $2 AND run_id > $3 AND run_id <= $4`,
        windowParams(window)
      ),
      () => Effect.ignore(db.execute(`DROP TABLE IF EXISTS temp.${changesTable}`))
    )
    const withChanges: Window = { ...window, changesTable }
    yield* Effect.acquireRelease(
      db.execute(`CREATE TEMP TABLE ${peopleTable} AS ${peopleTableSql(withChanges)}`, windowParams(window)),
      () => Effect.ignore(db.execute(`DROP TABLE IF EXISTS temp.${peopleTable}`))
    )
    return { ...withChanges, peopleTable }
  })
