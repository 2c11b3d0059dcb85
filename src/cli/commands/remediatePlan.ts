/** `ptolemy-audit remediate plan`: a plan from the history alone, written as JSON and printed as a table. */
import { Console, Effect, Either, Option, ParseResult, Schema } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { buildPlan } from "../../remediation/Plan.js"
import { planTable } from "../../remediation/Plan.js"
import { planText, sealPlan } from "../../remediation/PlanFile.js"
import { Policy } from "../../remediation/Policy.js"
import { recordPlan } from "../../remediation/Records.js"
import { Database } from "../../store/Database.js"
import { loadConfigFile } from "../ConfigFile.js"
import { runFailed, usageError } from "../ExitCode.js"
import { printable } from "../Output.js"
import { resolveWorkspace } from "../Resolve.js"
import { writableStore } from "./common.js"
import { now } from "./reviewCommon.js"

export interface RemediatePlanInput {
  readonly db: string
  readonly campaign: Option.Option<string>
  readonly policy: Option.Option<string>
  readonly config: Option.Option<string>
  readonly workspace: Option.Option<string>
  readonly out: string
}

/** A policy file: `{"rules": [...]}`, or a config file whose `remediation` section is one. */
export const readPolicyFile = (path: string) =>
  Effect.gen(function*() {
    let json: unknown
    try {
      json = JSON.parse(readFileSync(path, "utf8"))
    } catch (cause) {
      return yield* Effect.fail(usageError(`Cannot read the policy ${path}: ${(cause as Error).message}`))
    }
    const candidate = typeof json === "object" && json !== null && "remediation" in json
      ? (json as { remediation: unknown }).remediation
      : json
    const decoded = Schema.decodeUnknownEither(Policy, { onExcessProperty: "error", errors: "all" })(candidate)
    if (Either.isLeft(decoded)) {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(decoded.left).slice(0, 5)
        .map((i) => `  ${i.path.join(".") || "(document)"}: ${i.message}`)
      return yield* Effect.fail(usageError(`${path} is not a remediation policy:\n${issues.join("\n")}`))
    }
    return decoded.right
  })

export const remediatePlan = (input: RemediatePlanInput) =>
  Effect.gen(function*() {
    const policy = Option.isSome(input.policy)
      ? yield* readPolicyFile(input.policy.value)
      : Option.isSome(input.config)
      ? (yield* loadConfigFile(input.config.value)).remediation
      : undefined
    const plan = yield* Effect.gen(function*() {
      const db = yield* Database
      // A policy-only plan needs its workspace: the one named, else the only one stored.
      const workspace = Option.isSome(input.workspace)
        ? yield* resolveWorkspace(db, input.workspace)
        : policy !== undefined && Option.isNone(input.campaign)
        ? yield* Effect.orElseSucceed(resolveWorkspace(db, Option.none()), () => undefined)
        : undefined
      const content = yield* buildPlan(db, {
        campaignId: Option.getOrUndefined(input.campaign),
        useCampaign: true,
        workspace,
        policy,
        now: yield* now
      })
      const file = sealPlan(content)
      yield* recordPlan(db, file)
      return file
    }).pipe(
      Effect.provide(writableStore(input.db)),
      Effect.catchTags({
        PlanError: (e) => Effect.fail(usageError(e.message)),
        StoreError: (e) => Effect.fail(runFailed(e.message))
      })
    )
    yield* Effect.try({
      try: () => writeFileSync(input.out, planText(plan)),
      catch: (cause) => runFailed(`Cannot write the plan ${input.out}: ${(cause as Error).message}`)
    })
    yield* Console.log(planTable(plan.plan, plan.plan_id, printable))
    yield* Console.log(
      `\nPlan ${plan.plan_id} written to ${input.out} (${plan.hash}).\nApply it with: ptolemy-audit remediate apply ${input.out} --db ${input.db}`
    )
  })
