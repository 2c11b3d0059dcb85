/** Running the audit job over a fake source into a real DuckDB file, with findings, for analysis tests. */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Option } from "effect"
import { Effect, Layer } from "effect"
import { join } from "node:path"
import { defaultFindingSettings, type FindingSettings } from "../../src/analyses/Findings.js"
import { runAudit } from "../../src/job/AuditJob.js"
import { allViews } from "../../src/job/Views.js"
import { Database } from "../../src/store/Database.js"
import { storeLayer } from "../../src/store/StoreLayer.js"
import { fakeSource, type FakeState } from "./FakeSource.js"
import { member } from "./Records.js"
import { tempDir } from "./TempDir.js"

/** One run of the job over `state` standing at `at` (ISO), findings evaluated with `settings`. */
export const snapshotAt = (state: FakeState, at: string, settings: FindingSettings = defaultFindingSettings) =>
  runAudit([{ source: fakeSource(() => state), workspace: Option.some("acme-capital") }], {
    toolVersion: "test",
    now: () => at,
    findings: settings
  })

export const query = (sql: string) => Effect.flatMap(Database, (db) => db.query(sql))

/** The store in a fresh file under `dir`, with every view, and the platform's FileSystem (reports write through it). */
export const testStore = (dir: string) =>
  Layer.provideMerge(storeLayer({ path: join(dir, "audit.duckdb"), views: allViews }), NodeContext.layer)

/** A database file of one run of two members (an admin, a viewer), in a temporary folder; its path. */
export const oneRunDatabase = Effect.gen(function*() {
  const path = join(yield* tempDir, "audit.duckdb")
  yield* Effect.provide(
    snapshotAt({ members: [member("m1", "admin"), member("m2", "viewer")] }, "2026-03-01T06:00:00Z"),
    storeLayer({ path, views: allViews })
  )
  return path
})
