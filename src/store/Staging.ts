/**
 * Where a run's pages wait until the run is known to be good: connection-local TEMP tables, filled with DuckDB's
 * appender as pages arrive (bulk, never row by row through SQL). Nothing here is persistent, so a run that fails or
 * is killed while fetching leaves the stored history exactly as it was.
 */
import { LIST, listValue, VARCHAR, type DuckDBAppender } from "@duckdb/node-api"
import { Effect, type Scope } from "effect"
import type { CollectionName, CollectionRecords, Raw } from "../snapshot/Records.js"
import type { RowsItem, RowsOf } from "../snapshot/SnapshotItem.js"
import { type DatabaseService, StoreError } from "./Database.js"
import {
  type ColumnShape,
  type ColumnSpec,
  type ColumnType,
  eventColumns,
  ident,
  type TableSpec,
  tables,
  type VersionedCollection,
  versionedCollections
} from "./Tables.js"

export const stageTable = (collection: CollectionName) => `stage_${collection}`

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
  return `CREATE OR REPLACE TEMP TABLE ${stageTable(collection)} (ord INTEGER, id VARCHAR, ${
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
      return typeof value === "string" && ISO_8601.test(value) ? appender.appendVarchar(utcText(value)) : appender.appendNull()
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
  readonly rowCount: (collection: CollectionName) => number
}

const allCollections: ReadonlyArray<CollectionName> = [...versionedCollections, "events"]

/** Creates the staging tables and their appenders for the life of the scope; drops the tables afterwards. */
export const openStage = (db: DatabaseService): Effect.Effect<Stage, StoreError, Scope.Scope> =>
  Effect.gen(function*() {
    // One round trip each way: a small run is dominated by statements, not rows.
    yield* Effect.acquireRelease(
      db.execute(allCollections.map((c) => `${stageDdl(c)};`).join("\n")),
      () => Effect.ignore(db.execute(allCollections.map((c) => `DROP TABLE IF EXISTS ${stageTable(c)};`).join("\n")))
    )
    const appenders = new Map<CollectionName, DuckDBAppender>()
    for (const collection of allCollections) appenders.set(collection, yield* db.appender(stageTable(collection)))
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
      rowCount: (collection) => counts.get(collection) ?? 0
    } satisfies Stage
  })
