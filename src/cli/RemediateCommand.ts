/**
 * `ptolemy-audit remediate plan|apply|status`: carrying review decisions and policy rules out through the APIs'
 * write endpoints (docs/remediation.md). The handlers are loaded when a remediate command runs; only `apply`
 * builds the writing client (and the HTTP client under it).
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect, Layer } from "effect"
import * as O from "./Options.js"

const planCommand = Command.make(
  "plan",
  {
    db: O.db,
    campaign: Options.text("campaign").pipe(
      Options.withPseudoName("ID"),
      Options.withDescription("Plan from this review campaign's decisions (default: the latest signed-off campaign)."),
      Options.optional
    ),
    policy: Options.text("policy").pipe(
      Options.withPseudoName("FILE"),
      Options.withDescription(
        "A JSON policy: findings to act on without a review decision (default: the config file's remediation section)."
      ),
      Options.optional
    ),
    config: O.config,
    workspace: O.storedWorkspace,
    out: Options.text("out").pipe(
      Options.withPseudoName("FILE"),
      Options.withDescription("Where to write the plan (JSON). Default: remediation-plan.json."),
      Options.withDefault("remediation-plan.json")
    )
  },
  (options) =>
    Effect.flatMap(Effect.promise(() => import("./commands/remediatePlan.js")), (m) => m.remediatePlan(options))
).pipe(
  Command.withDescription(
    "Make a remediation plan (no API call): one action per Remove or Change role decision of a signed-off campaign and per finding a policy names, with the reason, the exact call and a precondition; never the last admin. Writes the plan (JSON, with its own hash) and prints it as a table."
  )
)

/** The HTTP client, loaded only by `apply`. */
const httpClient = Layer.unwrapEffect(
  Effect.promise(() => import("../source/http/HttpClientLayer.js")).pipe(Effect.map((http) => http.httpClientLayer))
)

const applyCommand = Command.make(
  "apply",
  {
    plan: Args.text({ name: "PLAN" }).pipe(Args.withDescription("The plan file `remediate plan` wrote.")),
    db: O.db,
    yes: Options.boolean("yes").pipe(
      Options.withDescription("Carry the plan out without asking (needed when stdin is not a terminal).")
    ),
    maxActions: Options.integer("max-actions").pipe(
      Options.withPseudoName("N"),
      Options.withSchema(O.wholeNumber("max-actions", 1, 10000)),
      Options.withDescription("Refuse (nothing sent) a plan with more actions to carry out than this. Default: 25."),
      Options.withDefault(25)
    ),
    maxPlanAge: Options.integer("max-plan-age").pipe(
      Options.withPseudoName("DAYS"),
      Options.withSchema(O.wholeNumber("max-plan-age", 0, 3650)),
      Options.withDescription("Refuse (nothing sent) a plan made more than this many days ago. Default: 7."),
      Options.withDefault(7)
    ),
    writeToken: Options.redacted("write-token").pipe(
      Options.withPseudoName("TOKEN"),
      Options.withDescription(
        "The write credential. Prefer the environment: PTOLEMY_WRITE_TOKEN or TRANSACTIONLINK_WRITE_TOKEN (the scheduled job's read token stays read-only)."
      ),
      Options.optional
    ),
    apiUrl: O.apiUrl
  },
  (options) =>
    Effect.flatMap(
      Effect.promise(() => import("./commands/remediateApply.js")),
      (m) => Effect.provide(m.remediateApply(options), httpClient)
    )
).pipe(
  Command.withDescription(
    "Carry a plan out with the write token: each target read again first (drifted or already done: skipped, never forced), never the last admin, every call recorded as it happens. Exit 0 all done or skipped, 2 plan refused (nothing sent), 3 an action failed."
  )
)

const statusCommand = Command.make(
  "status",
  {
    db: O.db,
    plan: Options.text("plan").pipe(
      Options.withPseudoName("ID"),
      Options.withDescription("Only this plan (its id)."),
      Options.optional
    ),
    json: Options.boolean("json").pipe(Options.withDescription("Print JSON instead of tables."))
  },
  (options) =>
    Effect.flatMap(Effect.promise(() => import("./commands/remediateStatus.js")), (m) => m.remediateStatus(options))
).pipe(
  Command.withDescription(
    "Plans and their actions: what apply did, and what the complete runs after it show (verified, reverted, pending)."
  )
)

/** In the order of the job, as `remediate --help` lists them: a plan is made before it is applied. */
export const remediateSubcommands = [planCommand, applyCommand, statusCommand] as const

export const remediateCommand = Command.make("remediate").pipe(
  Command.withDescription(
    "Carry access-review decisions and policy rules out through the APIs' write endpoints, with guard rails, verified by the next run (docs/remediation.md)."
  ),
  Command.withSubcommands(remediateSubcommands)
)
