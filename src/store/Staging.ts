/**
 * Where a run's pages wait until the run is known to be good: tables of a database of their own, attached to the
 * run's connection as `run_stage` (a file beside the audit database while the CLI runs, so that the audit database
 * itself is held only while the run commits; memory when the store holds the database open), filled with DuckDB's
 * appender as pages arrive (bulk, never row by row through SQL). Nothing staged is part of the history, so a run that
 * fails or is killed while fetching leaves the stored history exactly as it was.
 *
 * The stage also keeps the ids of the entities whose versions were open before the run (`open_<collection>`), so
 * that the ids a complete listing would end can be confirmed before anything is stored as gone.
 */
import { type DuckDBAppender, LIST, listValue, VARCHAR } from "@duckdb/node-api"
import { Effect, type Scope } from "effect"
import type { CollectionName, CollectionRecords, Raw } from "../snapshot/Records.js"
import type { RowsItem, RowsOf } from "../snapshot/SnapshotItem.js"
import { type DatabaseService, param, StoreError } from "./Database.js"
import {
  type ColumnShape,
  type ColumnSpec,
  type ColumnType,
  eventColumns,
  ident,
  tables,
  type TableSpec,
  type VersionedCollection,
  versionedCollections
} from "./Tables.js"

/** The catalog the stage is attached as. */
export const STAGE = "run_stage"

const stageName = (collection: CollectionName) => `stage_${collection}`

/** A collection's staging table, qualified (Merge reads it from the run's connection). */
export const stageTable = (collection: CollectionName) => `${STAGE}.${stageName(collection)}`

/** The collections whose removals are confirmed with the API before they are stored. */
export type ConfirmedCollection = "members" | "robots" | "robot_tokens" | "invitations"

export const confirmedCollections: ReadonlyArray<ConfirmedCollection> = [
  "members",
  "robots",
  "robot_tokens",
  "invitations"
]

/** An entity a complete listing left out although its version was open: gone, or missed by a shifting listing. */
export interface MissingEntity {
  readonly id: string
  /** The entity it belongs to, for a direct lookup (a token's robot); null for the others. */
  readonly parentId: string | null
}

const openTable = (collection: ConfirmedCollection) => `${STAGE}.open_${collection}`

/** What a collection's staging table holds: its typed columns, and its volatile fields where it has some. */
interface StageSpec<R> {
  readonly columns: ReadonlyArray<ColumnSpec<R>>
  readonly observed?: { readonly columns: ReadonlyArray<ColumnSpec<R>>; readonly rawKeys: ReadonlyArray<string> }
}

const fromTable = <C extends VersionedCollection>(spec: TableSpec<C>): StageSpec<CollectionRecords[C]> =>
  spec.observations
    ? { columns: spec.stable, observed: { columns: spec.observations.columns, rawKeys: spec.observations.rawKeys } }
    : { columns: spec.stable }

const stageSpecs: { readonly [C in CollectionName]: StageSpec<CollectionRecords[C]> } = {
  workspace: fromTable(tables.workspace),
  members: fromTable(tables.members),
  robots: fromTable(tables.robots),
  robot_tokens: fromTable(tables.robot_tokens),
  invitations: fromTable(tables.invitations),
  webhooks: fromTable(tables.webhooks),
  plan_usage: fromTable(tables.plan_usage),
  roster: fromTable(tables.roster),
  people: fromTable(tables.people),
  // Events keep their raw JSON whole: nothing in them is volatile.
  events: { columns: eventColumns }
}

const columnsDdl = (columns: ReadonlyArray<ColumnShape>) => columns.map((c) => `${ident(c.name)} ${c.type}`).join(", ")

const stageDdl = <C extends CollectionName>(collection: C): string => {
  const spec: StageSpec<CollectionRecords[C]> = stageSpecs[collection]
  const observed = spec.observed ? `, ${columnsDdl(spec.observed.columns)}, raw_fragment VARCHAR` : ""
  return `CREATE OR REPLACE TABLE ${stageTable(collection)} (ord INTEGER, id VARCHAR, ${
    columnsDdl(spec.columns)
  }, raw VARCHAR${observed})`
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/
const WITH_OFFSET = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d{1,9})?([+-])(\d{2}):?(\d{2})?$/

/**
 * The instant of an ISO-8601 time as text DuckDB's appender reads exactly. The appender converts text to TIMESTAMPTZ
 * by its clock time and drops a UTC offset (`23:00+02:00` would be stored as 23:00 UTC), so a time with an offset is
 * moved to UTC here, keeping its fraction of a second digit for digit.
 */
export const utcText = (value: string): string => {
  if (value.endsWith("Z")) return value // the API's own form, and nearly every time: no regex on the hot path
  const parts = WITH_OFFSET.exec(value)
  if (parts === null) return value
  const [, date, time, fraction = "", sign, hours, minutes = "00"] = parts
  const instant = Date.parse(`${date}T${time!.length === 5 ? `${time}:00` : time}${sign}${hours}:${minutes}`)
  if (Number.isNaN(instant)) return value
  return `${new Date(instant).toISOString().slice(0, 19)}${fraction}Z`
}

const appendValue = (appender: DuckDBAppender, type: ColumnType, value: unknown): void => {
  if (value === null || value === undefined) return appender.appendNull()
  switch (type) {
    case "VARCHAR":
      return appender.appendVarchar(String(value))
    case "BOOLEAN":
      return typeof value === "boolean" ? appender.appendBoolean(value) : appender.appendNull()
    case "BIGINT":
      return typeof value === "number" && Number.isFinite(value)
        ? appender.appendBigInt(BigInt(Math.trunc(value)))
        : appender.appendNull()
    case "TIMESTAMPTZ":
      // Appended as text and converted by DuckDB (three times faster than building timestamp values in JS);
      // anything that is not an ISO-8601 time is stored as NULL rather than failing the run.
      return typeof value === "string" && ISO_8601.test(value)
        ? appender.appendVarchar(utcText(value))
        : appender.appendNull()
    case "VARCHAR[]":
      return Array.isArray(value)
        ? appender.appendList(listValue(value.map(String)), LIST(VARCHAR))
        : appender.appendNull()
  }
}

/** Splits the raw JSON into the stable part and the volatile keys (as a `"key":value` fragment, no braces). */
const splitRaw = (raw: Raw, volatileKeys: ReadonlyArray<string>) => {
  // Most payloads carry none of the volatile keys (or there are none): no copy.
  if (!volatileKeys.some((key) => key in raw)) return { stable: raw, fragment: volatileKeys.length === 0 ? null : "" }
  const stable: Record<string, unknown> = {}
  const volatile: Array<string> = []
  for (const [key, value] of Object.entries(raw)) {
    if (volatileKeys.includes(key)) volatile.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`)
    else stable[key] = value
  }
  return { stable, fragment: volatile.join(",") }
}

export interface Stage {
  readonly append: (page: RowsItem) => void
  /** Forgets what a collection staged so far (it is being read again from its first page). */
  readonly reset: (collection: CollectionName) => Effect.Effect<void, StoreError>
  /** Flushes every appender, so that the staged rows are visible to SQL. */
  readonly flush: Effect.Effect<void, StoreError>
  /** Rows appended so far (a listing that repeats an entity counts it twice). */
  readonly rowCount: (collection: CollectionName) => number
  /**
   * Keeps the last row staged for each id (an entity listed twice while the collection moved under the cursor) and
   * returns how many entities are staged. Before the run's transaction: the stage is not written inside it.
   */
  readonly dedupe: (collection: CollectionName) => Effect.Effect<number, StoreError>
  /** Records the ids whose versions are open now (read from the history, as `versions`) for `missing`. */
  readonly recordOpen: (
    collection: ConfirmedCollection,
    versions: string,
    source: string,
    workspaceId: string
  ) => Effect.Effect<void, StoreError>
  /** The open entities the staged listing leaves out (after `recordOpen` and `flush`). */
  readonly missing: (collection: ConfirmedCollection) => Effect.Effect<ReadonlyArray<MissingEntity>, StoreError>
}

const allCollections: ReadonlyArray<CollectionName> = [...versionedCollections, "events"]

/**
 * Creates the staging tables (in the attached `run_stage`) and their appenders for the life of the scope; drops the
 * tables afterwards.
 */
export const openStage = (db: DatabaseService): Effect.Effect<Stage, StoreError, Scope.Scope> =>
  Effect.gen(function*() {
    // One round trip each way: a small run is dominated by statements, not rows.
    yield* Effect.acquireRelease(
      db.execute([
        ...allCollections.map((c) => `${stageDdl(c)};`),
        ...confirmedCollections.map((c) => `CREATE OR REPLACE TABLE ${openTable(c)} (id VARCHAR, parent_id VARCHAR);`)
      ].join("\n")),
      () =>
        Effect.ignore(db.execute([
          ...allCollections.map((c) => `DROP TABLE IF EXISTS ${stageTable(c)};`),
          ...confirmedCollections.map((c) => `DROP TABLE IF EXISTS ${openTable(c)};`)
        ].join("\n")))
    )
    const appenders = new Map<CollectionName, DuckDBAppender>()
    for (const collection of allCollections) appenders.set(collection, yield* db.appender(stageName(collection), STAGE))
    const counts = new Map<CollectionName, number>(allCollections.map((c) => [c, 0]))
    let ord = 0

    const appendRows = <C extends CollectionName>(page: RowsOf<C>) => {
      const appender = appenders.get(page.collection)!
      const spec: StageSpec<CollectionRecords[C]> = stageSpecs[page.collection]
      const observed = spec.observed
      for (const record of page.rows) {
        appender.appendInteger(ord++)
        appender.appendVarchar(record.id)
        const { fragment, stable } = splitRaw(record.raw, observed?.rawKeys ?? [])
        for (const column of spec.columns) appendValue(appender, column.type, column.get(record))
        appender.appendVarchar(JSON.stringify(stable))
        if (observed) {
          for (const column of observed.columns) appendValue(appender, column.type, column.get(record))
          appender.appendVarchar(fragment ?? "")
        }
        appender.endRow()
      }
      counts.set(page.collection, (counts.get(page.collection) ?? 0) + page.rows.length)
    }

    const flushOne = (collection: CollectionName) =>
      Effect.try({
        try: () => appenders.get(collection)!.flushSync(),
        catch: (cause) =>
          new StoreError({ reason: "Query", message: `Could not stage ${collection}: ${String(cause)}`, cause })
      })

    const dedupe = (collection: CollectionName) =>
      Effect.gen(function*() {
        const table = stageTable(collection)
        const rows = yield* db.query(`SELECT count(*) AS staged, count(DISTINCT id) AS entities FROM ${table}`)
        const staged = Number(rows[0]?.["staged"] ?? 0)
        const entities = Number(rows[0]?.["entities"] ?? 0)
        if (staged !== entities) {
          yield* db.execute(`DELETE FROM ${table} WHERE ord NOT IN (SELECT max(ord) FROM ${table} GROUP BY id)`)
        }
        return entities
      })

    return {
      append: appendRows,
      reset: (collection) =>
        Effect.zipRight(
          flushOne(collection),
          Effect.zipRight(
            db.execute(`DELETE FROM ${stageTable(collection)}`),
            Effect.sync(() => counts.set(collection, 0))
          )
        ),
      flush: Effect.forEach(allCollections, flushOne, { discard: true }),
      rowCount: (collection) => counts.get(collection) ?? 0,
      dedupe,
      recordOpen: (collection, versions, source, workspaceId) =>
        db.execute(
          `INSERT INTO ${openTable(collection)}
           SELECT id, ${collection === "robot_tokens" ? "robot_id" : "NULL"} FROM ${versions}
           WHERE source = $1 AND workspace_id = $2 AND valid_to IS NULL`,
          [param.text(source), param.text(workspaceId)]
        ),
      missing: (collection) =>
        Effect.map(
          db.query(
            `SELECT o.id, o.parent_id FROM ${openTable(collection)} o
             WHERE o.id NOT IN (SELECT id FROM ${stageTable(collection)}) ORDER BY o.id`
          ),
          (rows) =>
            rows.map((row): MissingEntity => ({
              id: String(row["id"]),
              parentId: row["parent_id"] === null || row["parent_id"] === undefined ? null : String(row["parent_id"])
            }))
        )
    } satisfies Stage
  })
