/**
 * Where a run's pages wait until the run is known to be good: connection-local TEMP tables, filled with DuckDB's
 * appender as pages arrive (bulk, never row by row through SQL). Nothing here is persistent, so a run that fails or
 * is killed while fetching leaves the stored history exactly as it was.
 */
import { LIST, listValue, VARCHAR, type DuckDBAppender } from "@duckdb/node-api"
import { Effect, type Scope } from "effect"
import type { CollectionName, CollectionRecords, Raw } from "../snapshot/Records.js"
import { canonicalJson, md5 } from "./Canonical.js"
import { type DatabaseService, StoreError } from "./Database.js"
import { type ColumnSpec, type ColumnType, eventColumns, ident, tableOf, versionedCollections } from "./Tables.js"
import { timestampValue } from "./Values.js"

export const stageTable = (collection: CollectionName) => `stage_${collection}`

const columnsDdl = (columns: ReadonlyArray<ColumnSpec<never>>) =>
  columns.map((c) => `${ident(c.name)} ${c.type}`).join(", ")

const stageDdl = (collection: CollectionName): string => {
  if (collection === "events") {
    return `CREATE OR REPLACE TEMP TABLE ${stageTable(collection)} (ord BIGINT, id VARCHAR, ${
      columnsDdl(eventColumns as never)
    }, raw VARCHAR)`
  }
  const spec = tableOf(collection)
  const observed = spec.observations
    ? `, obs_hash VARCHAR, ${columnsDdl(spec.observations.columns as never)}, raw_fragment VARCHAR`
    : ""
  return `CREATE OR REPLACE TEMP TABLE ${stageTable(collection)} (ord BIGINT, id VARCHAR, row_hash VARCHAR, ${
    columnsDdl(spec.stable as never)
  }, raw VARCHAR${observed})`
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
    case "TIMESTAMPTZ": {
      const timestamp = typeof value === "string" ? timestampValue(value) : null
      return timestamp === null ? appender.appendNull() : appender.appendTimestampTZ(timestamp)
    }
    case "VARCHAR[]":
      return Array.isArray(value)
        ? appender.appendList(listValue(value.map(String)), LIST(VARCHAR))
        : appender.appendNull()
  }
}

/** Splits the raw JSON into the stable part and the volatile keys (as a `"key":value` fragment, no braces). */
const splitRaw = (raw: Raw, volatileKeys: ReadonlyArray<string>) => {
  if (volatileKeys.length === 0) return { stable: raw, fragment: null }
  const stable: Record<string, unknown> = {}
  const volatile: Array<string> = []
  for (const [key, value] of Object.entries(raw)) {
    if (volatileKeys.includes(key)) volatile.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`)
    else stable[key] = value
  }
  return { stable, fragment: volatile.join(",") }
}

export interface Stage {
  readonly append: (collection: CollectionName, rows: ReadonlyArray<CollectionRecords[CollectionName]>) => void
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
    yield* Effect.acquireRelease(
      Effect.forEach(allCollections, (c) => db.execute(stageDdl(c)), { discard: true }),
      () => Effect.ignore(Effect.forEach(allCollections, (c) => db.execute(`DROP TABLE IF EXISTS ${stageTable(c)}`)))
    )
    const appenders = new Map<CollectionName, DuckDBAppender>()
    for (const collection of allCollections) appenders.set(collection, yield* db.appender(stageTable(collection)))
    const counts = new Map<CollectionName, number>(allCollections.map((c) => [c, 0]))
    let ord = 0n

    const appendRow = (collection: CollectionName, record: CollectionRecords[CollectionName]) => {
      const appender = appenders.get(collection)!
      appender.appendBigInt(ord++)
      appender.appendVarchar(record.id)
      if (collection === "events") {
        for (const column of eventColumns) appendValue(appender, column.type, column.get(record as never))
        appender.appendVarchar(JSON.stringify(record.raw))
        return appender.endRow()
      }
      const spec = tableOf(collection)
      const observed = spec.observations
      const { fragment, stable } = splitRaw(record.raw, observed?.rawKeys ?? [])
      const stableValues = spec.stable.map((column) => column.get(record as never))
      appender.appendVarchar(md5(canonicalJson([record.id, stableValues, stable])))
      spec.stable.forEach((column, i) => appendValue(appender, column.type, stableValues[i]))
      appender.appendVarchar(JSON.stringify(stable))
      if (observed) {
        const values = observed.columns.map((column) => column.get(record as never))
        appender.appendVarchar(md5(canonicalJson([values, fragment])))
        observed.columns.forEach((column, i) => appendValue(appender, column.type, values[i]))
        appender.appendVarchar(fragment ?? "")
      }
      appender.endRow()
    }

    const flushOne = (collection: CollectionName) =>
      Effect.try({
        try: () => appenders.get(collection)!.flushSync(),
        catch: (cause) =>
          new StoreError({ reason: "Query", message: `Could not stage ${collection}: ${String(cause)}`, cause })
      })

    return {
      append: (collection, rows) => {
        for (const row of rows) appendRow(collection, row)
        counts.set(collection, (counts.get(collection) ?? 0) + rows.length)
      },
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
