/**
 * The DuckDB database as a scoped service: one instance, one connection, statements serialised by a semaphore, a
 * transaction combinator, and a tagged error that says what failed and to which file. Modelled on
 * `@effect/sql-sqlite-node`'s SqliteClient (no Effect 3 DuckDB client exists).
 */
import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBResultReader,
  type DuckDBType,
  type DuckDBValue,
  INTEGER,
  ResultReturnType,
  VARCHAR
} from "@duckdb/node-api"
import { Context, Data, Duration, Effect, FiberRef, Layer, Option, Schedule, type Scope, Stream } from "effect"
import { toJsValue } from "./Values.js"

/**
 * Why the store failed: `Locked` another process holds the file; `Corrupt` the file is not a readable DuckDB
 * database; `Open` it could not be opened otherwise; `Query` a statement failed; `ReadOnly` a statement would write
 * to a read-only open; `Decode` a row did not have the expected shape; `Integrity` two histories disagree; `Files`
 * a file of the exported history (Parquet, its folders) could not be read or written.
 */
export type StoreErrorReason =
  | "Locked"
  | "Open"
  | "Query"
  | "Decode"
  | "ReadOnly"
  | "Corrupt"
  | "Integrity"
  | "Files"
  | "Memory"

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

/** One statement's result in a script: `returnsRows` is false for statements that only do something (SET, CREATE). */
export interface StatementResult extends ResultTable {
  readonly returnsRows: boolean
}

export interface DatabaseOptions {
  readonly path: string
  readonly readOnly?: boolean
  /** No file or network access from SQL (COPY TO, read_csv, ATTACH): for running other people's queries. */
  readonly sandboxed?: boolean
  /** The file errors should name, when it is not `path` (a file attached to an in-memory database). */
  readonly describedAs?: string
  /** How long to wait while another process holds the file (none: fail at once). */
  readonly waitWhileLocked?: Duration.DurationInput
  /** Where DuckDB may spill what does not fit in memory (DuckDB's default for an in-memory database is `./.tmp`). */
  readonly tempDirectory?: string
  /** DuckDB's `memory_limit` (its default is 80% of the machine's memory); past it, DuckDB spills to `tempDirectory`. */
  readonly memoryLimit?: string
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
  /** Runs every statement of a script in turn and returns each one's result. */
  readonly statements: (sql: string) => Effect.Effect<ReadonlyArray<StatementResult>, StoreError>
  /** Runs a query and returns the reader, for callers that need column types. */
  readonly read: (sql: string, params?: ReadonlyArray<Param>) => Effect.Effect<DuckDBResultReader, StoreError>
  /** Runs `effect` inside BEGIN/COMMIT; any failure, defect or interruption rolls back. */
  readonly transaction: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreError, R>
  /** A bulk appender on `table` (of an attached database `catalog`), flushed and closed when the scope closes. */
  readonly appender: (table: string, catalog?: string) => Effect.Effect<DuckDBAppender, StoreError, Scope.Scope>
}

export class Database extends Context.Tag("ptolemy-audit/Database")<Database, DatabaseService>() {
  static readonly layer = (options: DatabaseOptions): Layer.Layer<Database, StoreError> =>
    Layer.scoped(Database, make(options))
}

/** A database opened for the life of the scope (for work that needs a connection of its own, e.g. `:memory:`). */
export const openDatabase = (options: DatabaseOptions): Effect.Effect<DatabaseService, StoreError, Scope.Scope> =>
  make(options)

/** A file operation's failure, as a store error naming the file. */
export const fileError = (message: string) => (cause: { readonly message: string }): StoreError =>
  new StoreError({ reason: "Files", message: `${message}: ${cause.message}`, cause })

/** A string literal for SQL (paths in ATTACH, COPY, read_parquet). */
export const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`

/** True while the current fiber holds the connection (inside `transaction`), so nested statements skip the lock. */
const holdsConnection = FiberRef.unsafeMake(false)

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/**
 * A DuckDB error as its type and text. The binding throws plain `Error`s whose message starts with DuckDB's
 * exception type ("IO Error: ...", "Catalog Error: ..."; a pending result prefixes its own words), so the type is
 * read from there, once, rather than searching the whole message for words that may occur anywhere in it
 * ("block" contains "lock").
 */
export interface DuckDBFailure {
  /** DuckDB's exception type: `IO`, `Catalog`, `Invalid Input`, `Permission`, `Serialization`, ... */
  readonly type: string
  readonly text: string
}

export const duckdbFailure = (cause: unknown): DuckDBFailure => {
  const message = describe(cause).replace(/^(?:Failure running pending result task|Failed to extract statements): /, "")
  const match = /^([A-Za-z][A-Za-z_ -]{0,40}?) Error: ([\s\S]*)$/.exec(message)
  return match === null ? { type: "Unknown", text: message } : { type: match[1]!, text: match[2]! }
}

/** Another process holds the file (DuckDB's lock is an OS file lock: it dies with its process). */
const isLockConflict = (failure: DuckDBFailure) =>
  failure.type === "IO" && failure.text.startsWith("Could not set lock on file")

/** The file is damaged or is not a DuckDB database at all. */
const isCorruption = (failure: DuckDBFailure) =>
  (failure.type === "IO" &&
    (failure.text.startsWith("Corrupt database file") ||
      failure.text.includes("is not a valid DuckDB database file"))) ||
  failure.type === "Serialization"

/** A statement that would write, run on a read-only open. */
const isReadOnlyRefusal = (failure: DuckDBFailure) =>
  failure.type === "Invalid Input" && /read-only mode|Cannot execute statement of type/.test(failure.text)

const oneLine = (text: string) => text.replace(/\s+/g, " ").slice(0, 300)

const lockedError = (path: string, failure: DuckDBFailure, cause: unknown) =>
  new StoreError({
    reason: "Locked",
    message: `The audit database ${path} is in use by another process (${oneLine(failure.text)}). ` +
      "Only one ptolemy-audit may write at a time: wait for the other run to finish, then try again.",
    cause
  })

const corruptError = (path: string, failure: DuckDBFailure, cause: unknown) =>
  new StoreError({
    reason: "Corrupt",
    message: `${path} is not a readable DuckDB database (${oneLine(failure.text)}). ` +
      "Restore it from the exported history (ptolemy-audit import into a new file), or from a backup.",
    cause
  })

export const classifyOpenError = (path: string, cause: unknown): StoreError => {
  const failure = duckdbFailure(cause)
  if (isLockConflict(failure)) return lockedError(path, failure, cause)
  if (isCorruption(failure)) return corruptError(path, failure, cause)
  return new StoreError({
    reason: "Open",
    message: `Could not open the audit database ${path}: ${describe(cause)}`,
    cause
  })
}

/** A failed statement; `path` names the file when the failure is about it (damaged, locked). */
export const queryError = (sql: string, cause: unknown, path = "the audit database"): StoreError => {
  const failure = duckdbFailure(cause)
  if (isCorruption(failure)) return corruptError(path, failure, cause)
  if (isLockConflict(failure)) return lockedError(path, failure, cause)
  if (isReadOnlyRefusal(failure)) {
    return new StoreError({
      reason: "ReadOnly",
      message: `The audit database is opened read-only here, and this statement would change it: ${describe(cause)}`,
      cause
    })
  }
  if (failure.type === "Out of Memory") {
    return new StoreError({
      reason: "Memory",
      message: `DuckDB needed more memory than it may use: ${
        failure.text.split("\n")[0]
      } Raise PTOLEMY_AUDIT_MEMORY_LIMIT, or unset it for DuckDB's default (docs/performance.md).`,
      cause
    })
  }
  const text = describe(cause)
  return new StoreError({ reason: "Query", message: `${text}${sql.length < 200 ? ` (in: ${sql.trim()})` : ""}`, cause })
}

/**
 * Retries `open` while another process holds the file, up to `patience`, saying once that it waits: a run's commit
 * takes seconds, and a reader should outwait it rather than fail.
 */
export const whileLocked = <A, R>(
  open: Effect.Effect<A, StoreError, R>,
  path: string,
  patience: Duration.DurationInput | undefined
): Effect.Effect<A, StoreError, R> =>
  patience === undefined
    ? open
    : Effect.suspend(() => {
      let told = false
      return open.pipe(
        Effect.tapError((error) =>
          error.reason === "Locked" && !told
            ? Effect.sync(() => (told = true)).pipe(
              Effect.zipRight(
                Effect.logInfo(
                  `${path} is in use by another process; waiting up to ${Duration.format(patience)} for it`
                )
              )
            )
            : Effect.void
        ),
        Effect.retry({
          while: (error) => error.reason === "Locked",
          schedule: Schedule.spaced("250 millis").pipe(Schedule.upTo(patience))
        })
      )
    })

const rowsOf = (reader: DuckDBResultReader): ResultTable => {
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
}

const make = (options: DatabaseOptions): Effect.Effect<DatabaseService, StoreError, Scope.Scope> =>
  Effect.gen(function*() {
    const readOnly = options.readOnly ?? false
    const instance = yield* Effect.acquireRelease(
      whileLocked(
        Effect.tryPromise({
          try: () =>
            DuckDBInstance.create(options.path, {
              access_mode: readOnly ? "READ_ONLY" : "READ_WRITE",
              // Nothing may be downloaded at run time; the json and parquet extensions are built in.
              autoinstall_known_extensions: "false",
              autoload_known_extensions: "false",
              ...(options.tempDirectory === undefined ? {} : { temp_directory: options.tempDirectory }),
              ...(options.memoryLimit === undefined ? {} : { memory_limit: options.memoryLimit })
            }),
          catch: (cause) => classifyOpenError(options.path, cause)
        }),
        options.path,
        options.waitWhileLocked
      ),
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
      yield* Effect.tryPromise({
        try: () => connection.run(statement),
        catch: (cause) => classifyOpenError(options.path, cause)
      })
    }
    const lock = yield* Effect.makeSemaphore(1)
    const exclusively = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.flatMap(FiberRef.get(holdsConnection), (held) => (held ? effect : lock.withPermits(1)(effect)))

    /**
     * One call into DuckDB. Uninterruptible: the native call runs to its end whatever happens to the fiber, so an
     * interruption (a signal) never lets the next statement, a ROLLBACK, run on the connection while it is busy.
     */
    const call = <A>(sql: string, f: () => Promise<A>) =>
      Effect.uninterruptible(
        Effect.tryPromise({ try: f, catch: (cause) => queryError(sql, cause, options.describedAs ?? options.path) })
      )

    const bind = (params: ReadonlyArray<Param> | undefined) =>
      params && params.length > 0
        ? ([params.map((p) => p.value), params.map((p) => p.type)] as const)
        : ([undefined, undefined] as const)

    const runAndRead = (sql: string, params?: ReadonlyArray<Param>) =>
      exclusively(call(sql, () => {
        const [values, types] = bind(params)
        return connection.runAndReadAll(sql, values, types)
      }))

    // The service's methods, each its own span (one per statement: the readers below share `runAndRead` unspanned).
    const read = Effect.fn("Database.read")(runAndRead)

    const execute = Effect.fn("Database.execute")((sql: string, params?: ReadonlyArray<Param>) =>
      exclusively(call(sql, async () => {
        const [values, types] = bind(params)
        await connection.run(sql, values, types)
      }))
    )

    const table = Effect.fn("Database.table")((sql: string, params?: ReadonlyArray<Param>) =>
      Effect.map(runAndRead(sql, params), rowsOf)
    )

    const query = Effect.fn("Database.query")((sql: string, params?: ReadonlyArray<Param>) =>
      Effect.map(runAndRead(sql, params), (t) => rowsOf(t).rows)
    )

    const statements = Effect.fn("Database.statements")((sql: string) =>
      exclusively(call(sql, async () => {
        // The binding throws this bare message when the text holds no statement at all (blank, only comments).
        const extracted = await connection.extractStatements(sql).catch((cause: unknown) => {
          if (describe(cause) === "Error in native callback") return null
          throw cause
        })
        if (extracted === null) return []
        const results: Array<StatementResult> = []
        for (let i = 0; i < extracted.count; i++) {
          const prepared = await extracted.prepare(i)
          const reader = await prepared.runAndReadAll()
          results.push({ ...rowsOf(reader), returnsRows: reader.returnType === ResultReturnType.QUERY_RESULT })
        }
        return results
      }))
    )

    const streamRows = (sql: string, params?: ReadonlyArray<Param>) =>
      Stream.unwrapScoped(
        Effect.gen(function*() {
          const held = yield* FiberRef.get(holdsConnection)
          if (!held) yield* Effect.acquireRelease(lock.take(1), () => lock.release(1))
          const result = yield* call(sql, () => {
            const [values, types] = bind(params)
            return connection.stream(sql, values, types)
          })
          const names = result.columnNames()
          return Stream.repeatEffectOption(
            call(sql, () => result.fetchChunk()).pipe(
              Effect.mapError(Option.some),
              Effect.flatMap((chunk) =>
                chunk === null || chunk.rowCount === 0
                  ? Effect.fail(Option.none())
                  : Effect.succeed(
                    chunk.getRows().map((values) => {
                      const row: Row = {}
                      for (let i = 0; i < names.length; i++) row[names[i]!] = toJsValue(values[i] ?? null)
                      return row
                    })
                  )
              )
            )
          )
        })
      )

    const run = (sql: string) => call(sql, () => connection.run(sql))

    // Generic in what it runs, which Effect.fn would not keep: spanned by hand.
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
          )).pipe(Effect.withSpan("Database.transaction"))

    const appender = Effect.fn("Database.appender")((table: string, catalog?: string) =>
      Effect.acquireRelease(
        exclusively(call(`appender on ${table}`, () => connection.createAppender(table, null, catalog ?? null))),
        (appender) => Effect.sync(() => appender.closeSync())
      )
    )

    return {
      path: options.path,
      readOnly,
      execute,
      query,
      table,
      statements,
      streamRows,
      read,
      transaction,
      appender
    } satisfies DatabaseService
  })

/** The first row's first column, or none. */
export const scalar = (rows: ReadonlyArray<Row>): Option.Option<unknown> => {
  const first = rows[0]
  if (first === undefined) return Option.none()
  const value = Object.values(first)[0]
  return value === null || value === undefined ? Option.none() : Option.some(value)
}
