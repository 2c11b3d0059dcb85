/**
 * The store as layers: the database file opened (for writing, migrated and with every view installed; or read-only,
 * checked) and the audit history service on top of it.
 */
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { Effect, Layer } from "effect"
import { AuditStore } from "./AuditStore.js"
import { Database, StoreError } from "./Database.js"
import { checkReadable, migrate, storeViews } from "./Migrations.js"

export interface StoreOptions {
  readonly path: string
  readonly readOnly?: boolean
  /** No file or network access from SQL (for running a user's query). */
  readonly sandboxed?: boolean
  /** SQL scripts of views to install on top of the store's own (the analyses). */
  readonly views?: ReadonlyArray<string>
}

const prepareFolder = (path: string) =>
  Effect.try({
    try: () => {
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true })
    },
    catch: (cause) =>
      new StoreError({ reason: "Open", message: `Cannot create the folder of ${path}: ${String(cause)}`, cause })
  })

export const databaseLayer = (options: StoreOptions): Layer.Layer<Database, StoreError> => {
  const opened = Database.layer({
    path: options.path,
    readOnly: options.readOnly ?? false,
    sandboxed: options.sandboxed ?? false
  })
  const ready = Layer.effectDiscard(
    Effect.flatMap(Database, (db) =>
      options.readOnly ? checkReadable(db) : migrate(db, [storeViews, ...(options.views ?? [])]))
  )
  const withFolder = options.readOnly ? opened : Layer.provide(opened, Layer.effectDiscard(prepareFolder(options.path)))
  return Layer.provideMerge(ready, withFolder)
}

export const storeLayer = (options: StoreOptions): Layer.Layer<Database | AuditStore, StoreError> =>
  Layer.provideMerge(AuditStore.layer, databaseLayer(options))
