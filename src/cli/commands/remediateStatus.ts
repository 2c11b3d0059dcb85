/** `ptolemy-audit remediate status`: plans and their actions, with what apply did and what the runs after it show. */
import { Console, Effect, Option } from "effect"
import { Database, param } from "../../store/Database.js"
import { runFailed } from "../ExitCode.js"
import { jsonText, render } from "../Output.js"
import { readableStore } from "./common.js"

export interface RemediateStatusInput {
  readonly db: string
  readonly plan: Option.Option<string>
  readonly json: boolean
}

const planColumns = [
  "plan_id",
  "created_at",
  "source",
  "workspace",
  "run_id",
  "campaign_id",
  "actions",
  "excluded",
  "done",
  "already_done",
  "drifted",
  "refused",
  "failed",
  "verified",
  "reverted",
  "pending"
]
const actionColumns = ["plan_id", "action_id", "kind", "label", "outcome", "http_status", "verification", "detail"]

export const remediateStatus = (input: RemediateStatusInput) =>
  Effect.gen(function*() {
    const db = yield* Database
    const has = yield* db.query(
      "SELECT count(*)::INTEGER AS n FROM duckdb_views() WHERE view_name = 'remediation_plans'"
    )
    if (Number(has[0]?.["n"] ?? 0) === 0) {
      return yield* Console.log("No remediation plan yet: make one with `ptolemy-audit remediate plan`.")
    }
    const filter = Option.isSome(input.plan) ? "WHERE plan_id = $1" : ""
    const params = Option.isSome(input.plan) ? [param.text(input.plan.value)] : []
    const plans = yield* db.query(
      `SELECT *, coalesce(workspace_slug, workspace_name, workspace_id) AS workspace FROM remediation_plans ${filter} ORDER BY created_at DESC, plan_id`,
      params
    )
    const actions = yield* db.query(`SELECT * FROM remediation_actions ${filter} ORDER BY plan_id, position`, params)
    if (input.json) return yield* Console.log(jsonText({ plans, actions }))
    if (plans.length === 0) {
      return yield* Console.log("No remediation plan yet: make one with `ptolemy-audit remediate plan`.")
    }
    yield* Console.log(render("table", { columns: planColumns, rows: plans }).replace(/\n$/, ""))
    yield* Console.log("")
    yield* Console.log(render("table", { columns: actionColumns, rows: actions }).replace(/\n$/, ""))
  }).pipe(
    Effect.provide(readableStore(input.db)),
    Effect.catchTag("StoreError", (e) => Effect.fail(runFailed(e.message)))
  )
