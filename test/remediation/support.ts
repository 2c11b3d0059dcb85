/**
 * The remediation tests' harness: a simulator over loopback, audit runs into a real DuckDB file, a review campaign
 * decided in its workbook (as a reviewer would) and signed off, plans made and applied through the real write
 * client.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, Redacted } from "effect"
import { join } from "node:path"
import { type ApplyOptions, applyPlan } from "../../src/remediation/Apply.js"
import { buildPlan, type PlanInput } from "../../src/remediation/Plan.js"
import { type PlanFile, planText, sealPlan } from "../../src/remediation/PlanFile.js"
import { recordPlan } from "../../src/remediation/Records.js"
import * as WriteClient from "../../src/remediation/WriteClient.js"
import { startCampaign } from "../../src/review/Freeze.js"
import { importDecisions } from "../../src/review/RecordDecisions.js"
import { closeCampaign } from "../../src/review/SignOff.js"
import { Database } from "../../src/store/Database.js"
import { fillWorkbook, type Inputs } from "../review/support.js"
import { auditOnce, type AuditTarget } from "../support/Audit.js"

export const db = Database

export const audit = (target: AuditTarget) =>
  Effect.map(auditOnce(target), (result) => {
    const run = result.runs[result.runs.length - 1]!
    if (run.status !== "complete") throw new Error(`run ${run.runId} is ${run.status}: ${run.error ?? ""}`)
    return run.runId
  })

/** A campaign on `runId` with these decisions (by item key), imported from its filled-in workbook and signed off. */
export const decide = (runId: number, dir: string, now: Date, decisions: Record<string, Inputs>) =>
  Effect.gen(function*() {
    const database = yield* Database
    const started = yield* startCampaign(database, {
      runId,
      period: null,
      reviewers: [],
      dueOn: null,
      now,
      reports: dir
    })
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
    const filled = Object.fromEntries(
      Object.entries(decisions).map((
        [key, inputs]
      ) => [key, { Reviewer: "ciso@acme-capital.example", "Reviewed on": day, ...inputs }])
    )
    const file = yield* Effect.promise(() =>
      fillWorkbook(started.files.workbook, join(dir, `filled-${started.campaignId}.xlsx`), filled)
    )
    const imported = yield* importDecisions(database, { file, campaignId: null, reviewer: null, now })
    if (imported.rejected.length > 0) throw new Error(`rows rejected: ${JSON.stringify(imported.rejected)}`)
    yield* closeCampaign(database, {
      campaignId: started.campaignId,
      signedBy: "Grace Hopper, CISO",
      acceptUndecided: "test",
      now
    })
    return started.campaignId
  })

/** A plan made and stored, as `remediate plan` does. */
export const plan = (input: Omit<PlanInput, "useCampaign"> & { useCampaign?: boolean }) =>
  Effect.gen(function*() {
    const database = yield* Database
    const content = yield* buildPlan(database, { useCampaign: true, ...input })
    const file = sealPlan(content)
    yield* recordPlan(database, file)
    return file
  })

export interface WriteTarget {
  readonly source: "ptolemy" | "transactionlink"
  readonly url: string
  readonly workspaceId: string
  readonly token: string
}

export const writeLayer = (target: WriteTarget) =>
  WriteClient.layer({
    source: target.source,
    baseUrl: target.url,
    workspaceId: target.workspaceId,
    token: Redacted.make(target.token),
    retryBase: "5 millis",
    requestTimeout: "3 seconds"
  }).pipe(Layer.provide(NodeHttpClient.layerUndici))

let applies = 0

export const apply = (target: WriteTarget, file: PlanFile | string, options: Partial<ApplyOptions> = {}) =>
  Effect.flatMap(Database, (database) =>
    applyPlan(database, {
      planText: typeof file === "string" ? file : planText(file),
      planName: "plan.json",
      maxActions: 25,
      maxPlanAgeDays: 7,
      now: () => new Date(),
      applyId: `test-${++applies}`,
      ...options
    })).pipe(Effect.provide(writeLayer(target)))

export const rows = (sql: string) => Effect.flatMap(Database, (database) => database.query(sql))

/** Rows and plans read loosely, field by field, as the tests check them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>
