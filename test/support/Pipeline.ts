/** Running snapshots of a fake source into a real DuckDB file, with findings, for analysis tests. */
import { Effect, Option } from "effect"
import { join } from "node:path"
import { defaultFindingSettings, type FindingSettings, recordFindings } from "../../src/analyses/Findings.js"
import { allViews } from "../../src/job/Views.js"
import { sealRun } from "../../src/history/Integrity.js"
import { AuditSource } from "../../src/source/AuditSource.js"
import { takeSnapshot } from "../../src/snapshot/TakeSnapshot.js"
import { Database } from "../../src/store/Database.js"
import { storeLayer } from "../../src/store/StoreLayer.js"
import { fakeSource, type FakeState } from "./FakeSource.js"

/** One snapshot of `state` standing at `at` (ISO), findings evaluated with `settings`. */
export const snapshotAt = (state: FakeState, at: string, settings: FindingSettings = defaultFindingSettings) =>
  Effect.gen(function*() {
    const db = yield* Database
    return yield* takeSnapshot({
      selector: Option.some("acme-capital"),
      context: { source: "ptolemy", startedAt: at, toolVersion: "test", now: () => at },
      finalize: (run) => Effect.zipRight(recordFindings(db, run, settings), sealRun(db, run.runId))
    }).pipe(Effect.provideService(AuditSource, fakeSource(() => state)))
  })

export const query = (sql: string) => Effect.flatMap(Database, (db) => db.query(sql))

/** The store in a fresh file under `dir`, with every view. */
export const testStore = (dir: string) => storeLayer({ path: join(dir, "audit.duckdb"), views: allViews })
