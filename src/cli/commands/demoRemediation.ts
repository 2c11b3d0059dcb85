/**
 * The demo's remediation loop: the sample campaign signed off, its Remove and Change role decisions planned,
 * the plan written beside the database and applied against the in-process simulator with its write token (the
 * demo's read token stays read-only), so that the next run of the demo shows each action verified.
 */
import type { HttpClient } from "@effect/platform"
import { Effect, Redacted } from "effect"
import { writeFileSync } from "node:fs"
import { applyPlan, type PlanRefused } from "../../remediation/Apply.js"
import { buildPlan, type PlanError } from "../../remediation/Plan.js"
import { planText, sealPlan } from "../../remediation/PlanFile.js"
import { recordPlan } from "../../remediation/Records.js"
import * as WriteClient from "../../remediation/WriteClient.js"
import type { ReviewError } from "../../review/ReviewError.js"
import { closeCampaign } from "../../review/SignOff.js"
import type { RunningSimulation } from "../../simulator/Simulators.js"
import type { DatabaseService, StoreError } from "../../store/Database.js"

export interface DemoRemediation {
  readonly planId: string
  readonly planPath: string
  readonly actions: number
  readonly excluded: number
  /** "3 done, 1 drifted" */
  readonly outcomes: string
}

export const demoRemediation = (
  db: DatabaseService,
  options: {
    readonly campaignId: string
    readonly sim: RunningSimulation
    readonly workspaceId: string
    readonly planPath: string
  }
): Effect.Effect<DemoRemediation, ReviewError | StoreError | PlanError | PlanRefused, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const now = () => options.sim.now()
    yield* closeCampaign(db, {
      campaignId: options.campaignId,
      signedBy: "Demo CISO",
      acceptUndecided: "demo: the sample decides only privileged items and a few others",
      now: now()
    })
    const content = yield* buildPlan(db, { campaignId: options.campaignId, useCampaign: true, now: now() })
    const file = sealPlan(content)
    yield* recordPlan(db, file)
    const text = planText(file)
    writeFileSync(options.planPath, text)
    const result = yield* applyPlan(db, {
      planText: text,
      planName: options.planPath,
      maxActions: 25,
      maxPlanAgeDays: 7,
      now,
      applyId: `demo-${file.plan_id}`
    }).pipe(
      Effect.provide(
        WriteClient.layer({
          source: file.plan.source,
          baseUrl: options.sim.url,
          workspaceId: options.workspaceId,
          token: Redacted.make(options.sim.writeToken)
        })
      )
    )
    const tally = new Map<string, number>()
    for (const r of result.results) tally.set(r.outcome, (tally.get(r.outcome) ?? 0) + 1)
    return {
      planId: file.plan_id,
      planPath: options.planPath,
      actions: content.actions.length,
      excluded: content.excluded.length,
      outcomes: [...tally].map(([o, n]) => `${n} ${o.replace("_", " ")}`).join(", ") || "nothing to do"
    }
  })
