/**
 * What remediation keeps in the history, each under its own ledger entry (so `verify` notices an edited row): a
 * plan with its actions and what it left out (`remediation.planned`), and every step apply takes
 * (`remediation.call`), each committed in its own transaction before the next call is made.
 */
import { Effect, Schema } from "effect"
import { appendEntry, sealEntry } from "../history/Ledger.js"
import { findAll, findFirst, Num, Text } from "../read/Query.js"
import { type DatabaseService, param, type StoreError } from "../store/Database.js"
import { type PlanFile, planText } from "./PlanFile.js"

const text = (v: string | null | undefined) => param.text(v)
const int = (v: number | null | undefined) => param.int(v)

const Stored = Schema.Struct({ plan_hash: Schema.String })

/** The hash a stored plan of this id has, if the plan is stored. */
export const storedPlanHash = (db: DatabaseService, planId: string) =>
  Effect.map(
    findFirst(db, Stored, "plans", "SELECT plan_hash FROM remediation_plan_log WHERE plan_id = $1", [
      param.text(planId)
    ]),
    (row) => row?.plan_hash
  )

/** Stores a plan (once: a plan already stored is left as it is). */
export const recordPlan = (db: DatabaseService, file: PlanFile): Effect.Effect<boolean, StoreError> =>
  Effect.gen(function*() {
    if ((yield* storedPlanHash(db, file.plan_id)) !== undefined) return false
    const plan = file.plan
    yield* db.transaction(
      Effect.gen(function*() {
        const entryId = yield* appendEntry(db, {
          source: plan.source,
          workspaceId: plan.workspace.id,
          kind: "remediation.planned",
          subjectId: file.plan_id,
          recordedAt: plan.created_at
        })
        yield* db.execute(
          `INSERT INTO remediation_plan_log VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [
            param.int(entryId),
            param.text(file.plan_id),
            param.text(file.hash),
            param.int(file.version),
            param.timestamp(plan.created_at),
            param.text(plan.source),
            param.text(plan.workspace.id),
            param.int(plan.run_id),
            text(plan.campaign_id),
            text(plan.policy === null ? null : JSON.stringify(plan.policy)),
            param.int(plan.actions.length),
            param.int(plan.excluded.length),
            param.text(planText(file))
          ]
        )
        for (const [i, a] of plan.actions.entries()) {
          const review = a.reason.type === "review" ? a.reason : undefined
          const policy = a.reason.type === "policy" ? a.reason : undefined
          yield* db.execute(
            `INSERT INTO remediation_action_log VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
            [
              param.int(entryId),
              param.text(file.plan_id),
              param.text(a.id),
              param.int(i + 1),
              param.text(a.kind),
              param.text(a.target.type),
              param.text(a.target.id),
              param.text(JSON.stringify(a.target.ids)),
              param.text(a.target.label),
              text(a.target.email),
              text(a.new_role),
              param.text(a.reason.type),
              param.text(a.reason.text),
              text(review?.campaign_id),
              text(review?.item_key),
              text(policy?.rule_id),
              param.text(a.call.method),
              param.text(a.call.path),
              text(a.call.body === null ? null : JSON.stringify(a.call.body)),
              param.text(JSON.stringify(a.precondition))
            ]
          )
        }
        for (const x of plan.excluded) {
          yield* db.execute("INSERT INTO remediation_excluded_log VALUES ($1, $2, $3, $4, $5, $6, $7)", [
            param.int(entryId),
            param.text(file.plan_id),
            text(x.kind),
            text(x.target_id),
            text(x.label),
            param.text(x.reason),
            param.text(x.why)
          ])
        }
        yield* sealEntry(db, entryId)
      })
    )
    return true
  }).pipe(Effect.withSpan("Remediation.recordPlan"))

export type Outcome = "done" | "already_done" | "drifted" | "refused" | "failed"

export interface Step {
  readonly planId: string
  readonly actionId: string
  readonly applyId: string
  readonly source: string
  readonly workspaceId: string
  readonly at: string
  readonly phase: "sending" | "outcome"
  readonly method: string | null
  readonly path: string | null
  readonly status?: number | null
  readonly outcome?: Outcome | null
  readonly detail?: string | null
}

/** One step of an apply, committed before this returns. */
export const recordStep = (db: DatabaseService, step: Step): Effect.Effect<void, StoreError> =>
  db.transaction(
    Effect.gen(function*() {
      const entryId = yield* appendEntry(db, {
        source: step.source,
        workspaceId: step.workspaceId,
        kind: "remediation.call",
        subjectId: step.planId,
        recordedAt: step.at
      })
      yield* db.execute(
        "INSERT INTO remediation_call_log VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ, $6, $7, $8, $9, $10, $11)",
        [
          param.int(entryId),
          param.text(step.planId),
          param.text(step.actionId),
          param.text(step.applyId),
          param.timestamp(step.at),
          param.text(step.phase),
          text(step.method),
          text(step.path),
          int(step.status),
          text(step.outcome),
          text(step.detail)
        ]
      )
      yield* sealEntry(db, entryId)
    })
  ).pipe(Effect.withSpan("Remediation.recordStep"))

const LatestStep = Schema.Struct({ action_id: Schema.String, phase: Schema.String, outcome: Text, status: Num })

/** Each action's last recorded step. */
export const lastSteps = (db: DatabaseService, planId: string) =>
  Effect.map(
    findAll(
      db,
      LatestStep,
      "remediation calls",
      `SELECT action_id, arg_max(phase, entry_id) AS phase, arg_max(outcome, entry_id) AS outcome, arg_max(status, entry_id) AS status
       FROM remediation_call_log WHERE plan_id = $1 GROUP BY action_id`,
      [param.text(planId)]
    ),
    (rows) => new Map(rows.map((r) => [r.action_id, r]))
  )
