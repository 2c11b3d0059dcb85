/**
 * The store as layers: the database file opened (for writing, migrated and with every view installed; or read-only,
 * checked) and the audit history service on top of it; the history on a file held only while a run reads or
 * commits; and the one-writer lock.
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Layer, type Scope } from "effect"
import { AuditStore, make as makeAuditStore } from "./AuditStore.js"
import { Database, fileError, openDatabase, StoreError } from "./Database.js"
import { fileAccess, type FileAccessOptions } from "./HistoryAccess.js"
import { checkReadable, currentViewsInMemory, migrate, storeViews } from "./Migrations.js"

export interface StoreOptions {
  readonly path: string
  readonly readOnly?: boolean
  /** No file or network access from SQL (for running a user's query). */
  readonly sandboxed?: boolean
  /**
   * SQL scripts of views to install on top of the store's own (the analyses). A read-only open whose file holds
   * other views (an older version's) creates these in memory instead.
   */
  readonly views?: ReadonlyArray<string>
}

const prepareFolder = (path: string) =>
  Effect.gen(function*() {
    if (path === ":memory:") return
    const fs = yield* FileSystem.FileSystem
    const paths = yield* Path.Path
    yield* fs.makeDirectory(paths.dirname(path), { recursive: true }).pipe(
      Effect.mapError(fileError(`Cannot create the folder of ${path}`))
    )
  })

/** How long a reader waits for a run's commit to finish before it gives up. */
const READER_PATIENCE = "30 seconds"

export function databaseLayer(options: StoreOptions & { readonly readOnly: true }): Layer.Layer<Database, StoreError>
export function databaseLayer(
  options: StoreOptions
): Layer.Layer<Database, StoreError, FileSystem.FileSystem | Path.Path>
export function databaseLayer(
  options: StoreOptions
): Layer.Layer<Database, StoreError, FileSystem.FileSystem | Path.Path> {
  const opened = Database.layer({
    path: options.path,
    readOnly: options.readOnly ?? false,
    sandboxed: options.sandboxed ?? false,
    ...(options.readOnly ? { waitWhileLocked: READER_PATIENCE } : {})
  })
  const ready = Layer.effectDiscard(
    Effect.flatMap(
      Database,
      (db) =>
        options.readOnly
          ? Effect.zipRight(
            checkReadable(db),
            options.views === undefined ? Effect.void : currentViewsInMemory(db, [storeViews, ...options.views])
          )
          : migrate(db, [storeViews, ...(options.views ?? [])])
    )
  )
  const withFolder = options.readOnly ? opened : Layer.provide(opened, Layer.effectDiscard(prepareFolder(options.path)))
  return Layer.provideMerge(ready, withFolder)
}

/** The store over a database it holds open for the life of the layer. */
export function storeLayer(
  options: StoreOptions & { readonly readOnly: true }
): Layer.Layer<Database | AuditStore, StoreError>
export function storeLayer(
  options: StoreOptions
): Layer.Layer<Database | AuditStore, StoreError, FileSystem.FileSystem | Path.Path>
export function storeLayer(
  options: StoreOptions
): Layer.Layer<Database | AuditStore, StoreError, FileSystem.FileSystem | Path.Path> {
  return Layer.provideMerge(AuditStore.layer, databaseLayer(options))
}

/**
 * The one-writer lock of the database at `path`: DuckDB's own lock on a small database file beside it
 * (`<db>.lock`), held read-write for the life of the scope. It is an OS file lock, so it dies with its process, even
 * a killed one. A second writer stops at once.
 */
export const writerLock = (
  path: string
): Effect.Effect<void, StoreError, FileSystem.FileSystem | Path.Path | Scope.Scope> =>
  Effect.gen(function*() {
    if (path === ":memory:") return
    yield* prepareFolder(path)
    const lockFile = `${path}.lock`
    const take = openDatabase({ path: lockFile, describedAs: path })
    yield* take.pipe(
      // A lock file left damaged (killed while it was created) holds nothing: make it again.
      Effect.catchIf((error) => error.reason === "Corrupt", () =>
        Effect.flatMap(FileSystem.FileSystem, (fs) =>
          Effect.zipRight(
            Effect.mapError(fs.remove(lockFile, { force: true }), fileError(`Cannot remove ${lockFile}`)),
            take
          ))),
      Effect.mapError((error) =>
        error.reason === "Locked"
          ? new StoreError({
            reason: "Locked",
            message: `The audit database ${path} is in use by another process (another run, import or review holds ` +
              `${lockFile}). Only one ptolemy-audit may write at a time: wait for the other run to finish, then try again.`,
            cause: error
          })
          : error
      )
    )
  })

/** Holds the writer's lock for the life of the layer, before anything else of the store is built. */
export const writerLockLayer = (path: string): Layer.Layer<never, StoreError, FileSystem.FileSystem | Path.Path> =>
  Layer.scopedDiscard(writerLock(path))

/**
 * The store of a run on the file at `path`, holding the writer's lock for the life of the layer and the file itself
 * only while the run reads the history or commits (readers are served meanwhile).
 */
export const runStoreLayer = (
  path: string,
  options: FileAccessOptions
): Layer.Layer<AuditStore, StoreError, FileSystem.FileSystem | Path.Path> =>
  Layer.provide(
    Layer.effect(AuditStore, Effect.map(fileAccess(path, options), makeAuditStore)),
    writerLockLayer(path)
  )
