/**
 * How a run reaches the history and where it stages its pages. Held: the store holds the database open (tests, the
 * demo, the bench, import) and the stage is an in-memory database attached to it. On a file: the run works on a
 * connection of its own, stages in a file beside the database (`<db>.staging`, attached as `run_stage`), and holds
 * the database only for two short moments: read-only, to read what the run needs before it fetches (the open
 * versions), and for writing, to commit. So `sql`, `findings` and `report` answer while a run fetches, and a run that
 * finds a reader holding the file at its commit waits for it.
 *
 * Either way SQL names the history's tables unqualified (the file is attached as `history` and made the default) and
 * the stage's as `run_stage.<table>`.
 */
import { FileSystem, Path } from "@effect/platform"
import { type Duration, Effect, type Scope } from "effect"
import { type DatabaseService, fileError, openDatabase, sqlString, type StoreError, whileLocked } from "./Database.js"
import { appliedVersion, latestVersion, migrate, storeViews, tooNew } from "./Migrations.js"
import { STAGE } from "./Staging.js"

export interface HistoryAccess {
  /** The connection a run stages on and commits through, for the life of the scope. */
  readonly connection: Effect.Effect<DatabaseService, StoreError, Scope.Scope>
  /** Attaches an empty stage to `db` as `run_stage` for the life of the scope. */
  readonly attachStage: (db: DatabaseService) => Effect.Effect<void, StoreError, Scope.Scope>
  /** Runs `use` with the history readable through `db` by unqualified names. */
  readonly reading: <A, E, R>(db: DatabaseService, use: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreError, R>
  /** Runs `use` with the history writable through `db` by unqualified names, migrated and with every view. */
  readonly writing: <A, E, R>(db: DatabaseService, use: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreError, R>
}

/** The history in a database the store holds open: the stage is in memory, beside it. */
export const heldAccess = (held: DatabaseService): HistoryAccess => ({
  connection: Effect.succeed(held),
  attachStage: (db) =>
    Effect.asVoid(Effect.acquireRelease(
      db.execute(`ATTACH ':memory:' AS ${STAGE}`),
      () => Effect.ignore(db.execute(`DETACH ${STAGE}`))
    )),
  reading: (_, use) => use,
  writing: (_, use) => use
})

export interface FileAccessOptions {
  /** SQL scripts of views installed on top of the store's own when the run commits. */
  readonly views: ReadonlyArray<string>
  /** How long a run waits at its commit for readers to close the file. */
  readonly writePatience?: Duration.DurationInput
  /** How long a run waits to read the history while another process writes it. */
  readonly readPatience?: Duration.DurationInput
  /**
   * DuckDB's memory_limit for the run's connection (none: DuckDB's own default, 80% of the machine's memory). A cap
   * is the user's to set (PTOLEMY_AUDIT_MEMORY_LIMIT): some of the run's operators cannot spill to disk, and a
   * 128 MB cap that held for a 50,000-member run in one version failed it in the next (docs/performance.md).
   */
  readonly memoryLimit?: string
}

/** What a run leaves beside the database while it works: removed before a run starts and after it ends. */
export const stagingFiles = (path: string) => {
  const staging = `${path}.staging`
  return { staging, all: [staging, `${staging}.wal`, `${staging}.tmp`] }
}

/**
 * The history in the file at `path`, held only while it is read or committed. Only one process may use this at a
 * time on one database (it removes the stage a killed run left): the caller holds the writer's lock.
 */
export const fileAccess = (
  path: string,
  options: FileAccessOptions
): Effect.Effect<HistoryAccess, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const paths = yield* Path.Path
    const { all, staging } = stagingFiles(path)
    const removeStage = Effect.forEach(all, (file) => fs.remove(file, { recursive: true, force: true }), {
      discard: true
    })
      .pipe(Effect.mapError(fileError(`Cannot remove the staging files of ${path}`)))

    const detachHistory = (db: DatabaseService) =>
      Effect.ignore(Effect.zipRight(db.execute("USE memory"), db.execute("DETACH DATABASE IF EXISTS history")))

    /** No history yet (no file, or a file with no schema): an empty one in memory answers "nothing stored". */
    const attachEmpty = (db: DatabaseService) =>
      Effect.gen(function*() {
        yield* db.execute("ATTACH ':memory:' AS history")
        yield* db.execute("USE history")
        yield* migrate(db, [])
      })

    const attachForReading = (db: DatabaseService) =>
      Effect.gen(function*() {
        if (!(yield* fs.exists(path).pipe(Effect.mapError(fileError(`Cannot look for ${path}`))))) {
          return yield* attachEmpty(db)
        }
        yield* whileLocked(
          db.execute(`ATTACH ${sqlString(path)} AS history (READ_ONLY)`),
          path,
          options.readPatience ?? "30 seconds"
        )
        yield* db.execute("USE history")
        const version = yield* appliedVersion(db)
        if (version > latestVersion) return yield* Effect.fail(tooNew({ path }, version))
        if (version === 0) {
          yield* detachHistory(db)
          yield* attachEmpty(db)
        }
      })

    const attachForWriting = (db: DatabaseService) =>
      Effect.gen(function*() {
        yield* fs.makeDirectory(paths.dirname(path), { recursive: true }).pipe(
          Effect.mapError(fileError(`Cannot create the folder of ${path}`))
        )
        yield* whileLocked(
          db.execute(`ATTACH ${sqlString(path)} AS history`),
          path,
          options.writePatience ?? "60 seconds"
        )
        yield* db.execute("USE history")
        yield* migrate(db, [storeViews, ...options.views])
      })

    return {
      connection: Effect.gen(function*() {
        yield* fs.makeDirectory(paths.dirname(path), { recursive: true }).pipe(
          Effect.mapError(fileError(`Cannot create the folder of ${path}`))
        )
        return yield* openDatabase({
          path: ":memory:",
          describedAs: path,
          tempDirectory: `${staging}.tmp`,
          ...(options.memoryLimit === undefined ? {} : { memoryLimit: options.memoryLimit })
        })
      }),
      attachStage: (db) =>
        Effect.asVoid(Effect.acquireRelease(
          Effect.zipRight(removeStage, db.execute(`ATTACH ${sqlString(staging)} AS ${STAGE}`)),
          () => Effect.ignore(Effect.zipRight(db.execute(`DETACH ${STAGE}`), removeStage))
        )),
      reading: (db, use) =>
        Effect.acquireUseRelease(
          Effect.tapError(attachForReading(db), () => detachHistory(db)),
          () => use,
          () => detachHistory(db)
        ),
      writing: (db, use) =>
        Effect.acquireUseRelease(
          Effect.tapError(attachForWriting(db), () => detachHistory(db)),
          () => use,
          () => detachHistory(db)
        )
    } satisfies HistoryAccess
  })
