/**
 * The DuckDB database as a scoped service: one instance, one connection, statements serialised by a semaphore, a
 * transaction combinator, and a tagged error that says what failed and to which file. Modelled on
 * `@effect/sql-sqlite-node`'s SqliteClient (no Effect 3 DuckDB client exists).
 */
import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  DuckDBInstance,
  INTEGER,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBResultReader,
  type DuckDBType,
  type DuckDBValue
} from "@duckdb/node-api"
import { Context, Data, Effect, FiberRef, Layer, Option, Scope, Stream } from "effect"
import { toJsValue } from "./Values.js"

export type StoreErrorReason = "Locked" | "Open" | "Query" | "Decode" | "ReadOnly" | "Corrupt" | "Integrity"

export class StoreError extends Data.TaggedError("StoreError")<{
  readonly reason: StoreErrorReason
  readonly message: string
  readonly cause?: unknown
}> {}

/** A bound parameter with an explicit DuckDB type: inference fails on nulls and guesses wrong on numbers. */
export interface Param {
  readonly value: DuckDBValue
  readonly type: DuckDBType
}

export const param = {
  text: (value: string | null | undefined): Param => ({ value: value ?? null, type: VARCHAR }),
  int: (value: number | null | undefined): Param => ({ value: value ?? null, type: INTEGER }),
  bigint: (value: number | null | undefined): Param => ({
    value: value === null || value === undefined ? null : BigInt(Math.trunc(value)),
    type: BIGINT
  }),
  double: (value: number | null | undefined): Param => ({ value: value ?? null, type: DOUBLE }),
  bool: (value: boolean | null | undefined): Param => ({ value: value ?? null, type: BOOLEAN }),
  /** Bound as text and cast in SQL (`$1::TIMESTAMPTZ`) so that the session time zone never shifts it. */
  timestamp: (value: string | Date | null | undefined): Param => ({
    value: value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : value,
    type: VARCHAR
  })
} as const

export type Row = Record<string, unknown>

export interface ResultTable {
  readonly columns: ReadonlyArray<string>
  /** Columns of DuckDB's JSON type, whose values are JSON text. */
  readonly jsonColumns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<Row>
}

export interface DatabaseOptions {
  readonly path: string
  readonly readOnly?: boolean
  /** No file or network access from SQL (COPY TO, read_csv, ATTACH): for running other people's queries. */
  readonly sandboxed?: boolean
}

export interface DatabaseService {
  readonly path: string
  readonly readOnly: boolean
  /** Runs one or more statements (no parameters when several). */
  readonly execute: (sql: string, params?: ReadonlyArray<Param>) => Effect.Effect<void, StoreError>
  /** Runs a query and returns its rows as plain JS values (numbers, ISO-8601 strings, arrays, objects). */
  readonly query: (sql: string, params?: ReadonlyArray<Param>) => Effect.Effect<ReadonlyArray<Row>, StoreError>
  /** Runs a query and returns its columns (with JSON columns named) and rows as plain JS values. */
  readonly table: (sql: string, params?: ReadonlyArray<Param>) => Effect.Effect<ResultTable, StoreError>
  /** Streams a query's rows in chunks (about 2,048 rows each), holding the connection until the stream ends. */
  readonly streamRows: (sql: string, params?: ReadonlyArray<Param>) => Stream.Stream<ReadonlyArray<Row>, StoreError>
  /** Runs a query and returns the reader, for callers that need column types. */
  readonly read: (sql: string, params?: ReadonlyArray<Param>) => Effect.Effect<DuckDBResultReader, StoreError>
  /** Runs `effect` inside BEGIN/COMMIT; any failure, defect or interruption rolls back. */
  readonly transaction: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreError, R>
  /** A bulk appender on `table`, flushed and closed when the scope closes. */
  readonly appender: (table: string) => Effect.Effect<DuckDBAppender, StoreError, Scope.Scope>
}

export class Database extends Context.Tag("ptolemy-audit/Database")<Database, DatabaseService>() {
  static readonly layer = (options: DatabaseOptions): Layer.Layer<Database, StoreError> =>
    Layer.scoped(Database, make(options))
}

/** True while the current fiber holds the connection (inside `transaction`), so nested statements skip the lock. */
const holdsConnection = FiberRef.unsafeMake(false)

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

const classifyOpenError = (path: string, cause: unknown): StoreError => {
  const text = describe(cause)
  if (/lock/i.test(text)) {
    return new StoreError({
      reason: "Locked",
      message:
        `The audit database ${path} is in use by another process (${text.replace(/\s+/g, " ").slice(0, 200)}). ` +
        "Only one ptolemy-audit may write at a time: wait for the other run to finish, then try again.",
      cause
    })
  }
  if (/not a valid DuckDB database|Corrupt|checksum/i.test(text)) {
    return new StoreError({
      reason: "Corrupt",
      message: `${path} is not a readable DuckDB database (${text}). Restore it from the exported history (ptolemy-audit import).`,
      cause
    })
  }
  return new StoreError({ reason: "Open", message: `Could not open the audit database ${path}: ${text}`, cause })
}

export const queryError = (sql: string, cause: unknown): StoreError => {
  const text = describe(cause)
  const readOnly = /read-only|read only|Cannot execute statement of type/i.test(text)
  return new StoreError({
    reason: readOnly ? "ReadOnly" : "Query",
    message: readOnly
      ? `The audit database is opened read-only here, and this statement would change it: ${text}`
      : `${text}${sql.length < 200 ? ` (in: ${sql.trim()})` : ""}`,
    cause
  })
}

const make = (options: DatabaseOptions): Effect.Effect<DatabaseService, StoreError, Scope.Scope> =>
  Effect.gen(function*() {
    const readOnly = options.readOnly ?? false
    const instance = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          DuckDBInstance.create(options.path, {
            access_mode: readOnly ? "READ_ONLY" : "READ_WRITE",
            // Nothing may be downloaded at run time; the json and parquet extensions are built in.
            autoinstall_known_extensions: "false",
            autoload_known_extensions: "false"
          }),
        catch: (cause) => classifyOpenError(options.path, cause)
      }),
      (instance) => Effect.sync(() => instance.closeSync())
    )
    const connection: DuckDBConnection = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => instance.connect(),
        catch: (cause) => classifyOpenError(options.path, cause)
      }),
      (connection) => Effect.sync(() => connection.closeSync())
    )
    // Timestamps print in UTC whatever the machine's zone; a sandbox forbids SQL from touching files or the network.
    const settings = [
      "SET TimeZone = 'UTC'",
      ...(options.sandboxed ? ["SET enable_external_access = false", "SET lock_configuration = true"] : [])
    ]
    for (const statement of settings) {
      yield* Effect.tryPromise({ try: () => connection.run(statement), catch: (cause) => classifyOpenError(options.path, cause) })
    }
    const lock = yield* Effect.makeSemaphore(1)
    const exclusively = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.flatMap(FiberRef.get(holdsConnection), (held) => (held ? effect : lock.withPermits(1)(effect)))

    const bind = (params: ReadonlyArray<Param> | undefined) =>
      params && params.length > 0
        ? ([params.map((p) => p.value), params.map((p) => p.type)] as const)
        : ([undefined, undefined] as const)

    const read = (sql: string, params?: ReadonlyArray<Param>) =>
      exclusively(
        Effect.tryPromise({
          try: () => {
            const [values, types] = bind(params)
            return connection.runAndReadAll(sql, values, types)
          },
          catch: (cause) => queryError(sql, cause)
        })
      )

    const execute = (sql: string, params?: ReadonlyArray<Param>) =>
      exclusively(
        Effect.tryPromise({
          try: async () => {
            const [values, types] = bind(params)
            await connection.run(sql, values, types)
          },
          catch: (cause) => queryError(sql, cause)
        })
      )

    const table = (sql: string, params?: ReadonlyArray<Param>) =>
      Effect.map(read(sql, params), (reader): ResultTable => {
        const names = reader.columnNames()
        const types = reader.columnTypes()
        return {
          columns: names,
          jsonColumns: names.filter((_, i) => types[i]?.alias === "JSON"),
          rows: reader.getRows().map((values) => {
            const row: Row = {}
            for (let i = 0; i < names.length; i++) row[names[i]!] = toJsValue(values[i] ?? null)
            return row
          })
        }
      })

    const query = (sql: string, params?: ReadonlyArray<Param>) => Effect.map(table(sql, params), (t) => t.rows)

    const streamRows = (sql: string, params?: ReadonlyArray<Param>) =>
      Stream.unwrapScoped(
        Effect.gen(function*() {
          const held = yield* FiberRef.get(holdsConnection)
          if (!held) yield* Effect.acquireRelease(lock.take(1), () => lock.release(1))
          const result = yield* Effect.tryPromise({
            try: () => {
              const [values, types] = bind(params)
              return connection.stream(sql, values, types)
            },
            catch: (cause) => queryError(sql, cause)
          })
          const names = result.columnNames()
          return Stream.repeatEffectOption(
            Effect.tryPromise({ try: () => result.fetchChunk(), catch: (cause) => Option.some(queryError(sql, cause)) }).pipe(
              Effect.flatMap((chunk) =>
                chunk === null || chunk.rowCount === 0
                  ? Effect.fail(Option.none())
                  : Effect.succeed(chunk.getRows().map((values) => {
                    const row: Row = {}
                    for (let i = 0; i < names.length; i++) row[names[i]!] = toJsValue(values[i] ?? null)
                    return row
                  }))
              )
            )
          )
        })
      )

    const run = (sql: string) =>
      Effect.tryPromise({ try: () => connection.run(sql), catch: (cause) => queryError(sql, cause) })

    const transaction = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | StoreError, R> =>
      Effect.flatMap(FiberRef.get(holdsConnection), (held) =>
        held
          ? effect // already inside a transaction: DuckDB has no nested transactions, so join it
          : lock.withPermits(1)(
            Effect.uninterruptibleMask((restore) =>
              Effect.gen(function*() {
                yield* run("BEGIN TRANSACTION")
                const exit = yield* Effect.exit(restore(Effect.locally(effect, holdsConnection, true)))
                if (exit._tag === "Success") {
                  const committed = yield* Effect.exit(run("COMMIT"))
                  if (committed._tag === "Failure") {
                    yield* Effect.ignore(run("ROLLBACK"))
                    return yield* Effect.failCause(committed.cause)
                  }
                } else {
                  yield* Effect.ignore(run("ROLLBACK"))
                }
                return yield* exit
              })
            )
          ))

    const appender = (table: string) =>
      Effect.acquireRelease(
        exclusively(
          Effect.tryPromise({
            try: () => connection.createAppender(table),
            catch: (cause) => queryError(`appender on ${table}`, cause)
          })
        ),
        (appender) => Effect.sync(() => appender.closeSync())
      )

    return { path: options.path, readOnly, execute, query, table, streamRows, read, transaction, appender } satisfies DatabaseService
  })

/** The first row's first column, or none. */
export const scalar = (rows: ReadonlyArray<Row>): Option.Option<unknown> => {
  const first = rows[0]
  if (first === undefined) return Option.none()
  const value = Object.values(first)[0]
  return value === null || value === undefined ? Option.none() : Option.some(value)
}
