/** Running the real job (client, store, findings, sealing) against a simulator over loopback into a real DuckDB file. */
import { NodeHttpClient } from "@effect/platform-node"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect, Layer, Logger, LogLevel, Option, Redacted } from "effect"
import { join } from "node:path"
import { defaultFindingSettings, type FindingSettings } from "../../src/analyses/Findings.js"
import { runAudit } from "../../src/job/AuditJob.js"
import { allViews } from "../../src/job/Views.js"
import type { SourceName } from "../../src/snapshot/Records.js"
import { makeSource, type SourceSettings, workspaceSelector } from "../../src/source/Sources.js"
import { Database } from "../../src/store/Database.js"
import { storeLayer } from "../../src/store/StoreLayer.js"

export interface AuditTarget {
  readonly source?: SourceName
  readonly url: string
  readonly token: string
  readonly workspace?: string
  /** The instant the run stands for (the simulator's clock). */
  readonly now: () => Date
}

const connection = (target: AuditTarget) => ({ apiUrl: target.url, token: Redacted.make(target.token) })

export const auditOnce = (
  target: AuditTarget,
  options: { readonly concurrency?: number; readonly findings?: FindingSettings; readonly retries?: number } = {}
) =>
  Effect.gen(function*() {
    const settings: SourceSettings = target.source === "transactionlink"
      ? { source: "transactionlink", ...connection(target), workspace: Option.fromNullable(target.workspace) }
      : { source: "ptolemy", ...connection(target), workspace: target.workspace ?? "" }
    const source = yield* makeSource(
      settings,
      {
        concurrency: options.concurrency ?? 10,
        retryBase: "5 millis",
        requestTimeout: "3 seconds",
        ...(options.retries === undefined ? {} : { retries: options.retries })
      }
    )
    return yield* runAudit([{ source, workspace: workspaceSelector(settings) }], {
      toolVersion: "test",
      now: () => target.now().toISOString(),
      findings: options.findings ?? defaultFindingSettings
    })
  }).pipe(Logger.withMinimumLogLevel(LogLevel.Warning))

export const query = (sql: string) => Effect.flatMap(Database, (db) => db.query(sql))

/** A real DuckDB file under `dir` with every view, and the Node HTTP client. */
export const auditLayer = (dir: string) =>
  Layer.merge(
    Layer.provide(storeLayer({ path: join(dir, "audit.duckdb"), views: allViews }), NodeContext.layer),
    NodeHttpClient.layerUndici
  )
