/**
 * Typed queries over the store's views (the shape of `@effect/sql`'s SqlSchema): SQL text, bound parameters, and a
 * Schema that decodes every row, so a view that changed shape fails loudly here rather than deep inside a report.
 */
import { Effect, Schema, Stream } from "effect"
import { type DatabaseService, type Param, StoreError } from "../store/Database.js"

const shapeError = (what: string, cause: unknown) =>
  new StoreError({
    reason: "Decode",
    message: `The stored ${what} have an unexpected shape: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause
  })

/** Every row of a query, decoded. `what` names the rows in an error ("findings", "runs"). */
export const findAll = <A, I>(
  db: DatabaseService,
  schema: Schema.Schema<A, I>,
  what: string,
  sql: string,
  params: ReadonlyArray<Param> = []
): Effect.Effect<ReadonlyArray<A>, StoreError> =>
  db.query(sql, params).pipe(
    Effect.flatMap((rows) =>
      Effect.mapError(Schema.decodeUnknown(Schema.Array(schema))(rows), (e) => shapeError(what, e))
    )
  )

/** The first row of a query, decoded, if there is one. */
export const findFirst = <A, I>(
  db: DatabaseService,
  schema: Schema.Schema<A, I>,
  what: string,
  sql: string,
  params: ReadonlyArray<Param> = []
): Effect.Effect<A | undefined, StoreError> => Effect.map(findAll(db, schema, what, sql, params), (rows) => rows[0])

/** A query's rows in chunks, decoded chunk by chunk (a 50,000-member run never sits in memory at once). */
export const streamAll = <A, I>(
  db: DatabaseService,
  schema: Schema.Schema<A, I>,
  what: string,
  sql: string,
  params: ReadonlyArray<Param> = []
): Stream.Stream<ReadonlyArray<A>, StoreError> =>
  db.streamRows(sql, params).pipe(
    Stream.mapEffect((chunk) =>
      Effect.mapError(Schema.decodeUnknown(Schema.Array(schema))(chunk), (e) => shapeError(what, e))
    )
  )

/** Nullable columns, as DuckDB returns them. */
export const Text = Schema.NullOr(Schema.String)
export const Num = Schema.NullOr(Schema.Number)
export const Bool = Schema.NullOr(Schema.Boolean)
