/**
 * Folding a staged, completely read collection into the history: versions whose state is no longer present end at
 * this run, states not yet present start at it, unchanged ones stay open. Run inside the run's transaction. A
 * collection the run could not read completely is never merged, so it can never end anything ("nobody removed").
 * The stage was deduplicated before the transaction (Staging's `dedupe`): only the history is written here.
 */
import { Effect } from "effect"
import type { SourceName } from "../snapshot/Records.js"
import { type DatabaseService, param, type StoreError } from "./Database.js"
import { stageTable } from "./Staging.js"
import { eventColumns, ident, tableOf, type VersionedCollection } from "./Tables.js"

const keys = (source: SourceName, workspaceId: string, runId: number) => [
  param.text(source),
  param.text(workspaceId),
  param.int(runId)
]

/**
 * Ends the open rows whose state is gone or different, then opens a row for every staged entity left without one.
 * Two states are the same when every column is (NULLs equal); only rows of the same entity are compared.
 */
const mergeIntervals = (
  db: DatabaseService,
  table: string,
  stage: string,
  columns: ReadonlyArray<string>,
  params: ReturnType<typeof keys>
) => {
  const same = columns.map((c) => `s.${c} IS NOT DISTINCT FROM v.${c}`).join(" AND ")
  return Effect.zipRight(
    db.execute(
      `UPDATE ${table} SET valid_to = $3
       WHERE source = $1 AND workspace_id = $2 AND valid_to IS NULL AND id IN (
         SELECT v.id FROM ${table} v LEFT JOIN ${stage} AS s ON s.id = v.id
         WHERE v.source = $1 AND v.workspace_id = $2 AND v.valid_to IS NULL AND (s.id IS NULL OR NOT (${same})))`,
      params
    ),
    // Whatever is still open is identical to what was staged; everything else starts now.
    db.execute(
      `INSERT INTO ${table} (source, workspace_id, id, valid_from, valid_to, ${columns.join(", ")})
       SELECT $1, $2, s.id, $3, NULL, ${columns.map((c) => `s.${c}`).join(", ")}
       FROM ${stage} AS s
       WHERE s.id NOT IN (SELECT id FROM ${table} WHERE source = $1 AND workspace_id = $2 AND valid_to IS NULL)`,
      params
    )
  )
}

export const mergeCollection = (
  db: DatabaseService,
  collection: VersionedCollection,
  source: SourceName,
  workspaceId: string,
  runId: number
): Effect.Effect<void, StoreError> =>
  Effect.gen(function*() {
    const spec = tableOf(collection)
    const stage = stageTable(collection)
    const params = keys(source, workspaceId, runId)
    yield* mergeIntervals(db, spec.versions, stage, [...spec.stable.map((c) => ident(c.name)), "raw"], params)
    const observed = spec.observations
    if (observed) {
      const columns = [...observed.columns.map((c) => ident(c.name)), "raw_fragment"]
      // An entity with nothing to observe (no such field in its payload) gets no observation row at all.
      const observedRows = `(SELECT * FROM ${stage} WHERE NOT (${
        observed.columns.map((c) => `${ident(c.name)} IS NULL`).join(" AND ")
      } AND coalesce(raw_fragment, '') = ''))`
      yield* mergeIntervals(db, observed.table, observedRows, columns, params)
    }
  })

/** Stores the events not stored before; each keeps the run that first stored it. */
export const mergeEvents = (
  db: DatabaseService,
  source: SourceName,
  workspaceId: string,
  runId: number
): Effect.Effect<void, StoreError> => {
  const stage = stageTable("events")
  const columns = eventColumns.map((c) => ident(c.name))
  return db.execute(
    `INSERT INTO event_log (source, workspace_id, id, first_run_id, ${columns.join(", ")}, raw)
     SELECT $1, $2, s.id, $3, ${columns.map((c) => `s.${c}`).join(", ")}, s.raw
     FROM ${stage} s
     WHERE NOT EXISTS (SELECT 1 FROM event_log e WHERE e.source = $1 AND e.workspace_id = $2 AND e.id = s.id)`,
    keys(source, workspaceId, runId)
  )
}
