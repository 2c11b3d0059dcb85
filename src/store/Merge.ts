/**
 * Folding a staged, completely read collection into the history: versions whose state is no longer present end at
 * this run, states not yet present start at it, unchanged ones stay open. Run inside the run's transaction. A
 * collection the run could not read completely is never merged, so it can never end anything ("nobody removed").
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

/** Keeps the last row staged for each id (an entity listed twice while the collection moved under the cursor). */
const dedupe = (db: DatabaseService, stage: string) =>
  db.execute(`DELETE FROM ${stage} WHERE ord NOT IN (SELECT max(ord) FROM ${stage} GROUP BY id)`)

const mergeIntervals = (
  db: DatabaseService,
  table: string,
  stage: string,
  hash: string,
  columns: ReadonlyArray<string>,
  params: ReturnType<typeof keys>
) =>
  Effect.zipRight(
    db.execute(
      `UPDATE ${table} SET valid_to = $3
       WHERE source = $1 AND workspace_id = $2 AND valid_to IS NULL
         AND NOT EXISTS (SELECT 1 FROM ${stage} s WHERE s.id = ${table}.id AND s.${hash} = ${table}.row_hash)`,
      params
    ),
    db.execute(
      `INSERT INTO ${table} (source, workspace_id, id, valid_from, valid_to, row_hash, ${columns.join(", ")})
       SELECT $1, $2, s.id, $3, NULL, s.${hash}, ${columns.map((c) => `s.${c}`).join(", ")}
       FROM ${stage} s
       WHERE NOT EXISTS (
         SELECT 1 FROM ${table} v
         WHERE v.source = $1 AND v.workspace_id = $2 AND v.valid_to IS NULL AND v.id = s.id AND v.row_hash = s.${hash})`,
      params
    )
  )

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
    yield* dedupe(db, stage)
    yield* mergeIntervals(db, spec.versions, stage, "row_hash", [...spec.stable.map((c) => ident(c.name)), "raw"], params)
    const observed = spec.observations
    if (observed) {
      yield* mergeIntervals(
        db,
        observed.table,
        stage,
        "obs_hash",
        [...observed.columns.map((c) => ident(c.name)), "raw_fragment"],
        params
      )
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
  return Effect.zipRight(
    dedupe(db, stage),
    db.execute(
      `INSERT INTO event_log (source, workspace_id, id, first_run_id, ${columns.join(", ")}, raw)
       SELECT $1, $2, s.id, $3, ${columns.map((c) => `s.${c}`).join(", ")}, s.raw
       FROM ${stage} s
       WHERE NOT EXISTS (SELECT 1 FROM event_log e WHERE e.source = $1 AND e.workspace_id = $2 AND e.id = s.id)`,
      keys(source, workspaceId, runId)
    )
  )
}
