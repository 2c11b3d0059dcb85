/**
 * `ptolemy-audit remediate apply PLAN`: the only command that writes to an API. The write token comes from
 * `--write-token` or PTOLEMY_WRITE_TOKEN / TRANSACTIONLINK_WRITE_TOKEN (the plan names its source), `Redacted` to the
 * header and never logged. Refused with exit 2 and nothing sent: no write token, a plan that does not match its
 * hash or is too old, more actions than --max-actions, no confirmation. Exit 3 when an action failed.
 */
import { Config, Console, Effect, Option, Redacted } from "effect"
import { randomUUID } from "node:crypto"
import { readFileSync } from "node:fs"
import { createInterface } from "node:readline/promises"
import { applyPlan, type ApplyResult, checkPlan } from "../../remediation/Apply.js"
import { planTable } from "../../remediation/Plan.js"
import * as WriteClient from "../../remediation/WriteClient.js"
import { Database } from "../../store/Database.js"
import { CommandExit, ExitCode, runFailed, usageError } from "../ExitCode.js"
import { printable } from "../Output.js"
import { checkEnvironment, defaultApiUrl, validateApiUrl, validateToken } from "../Settings.js"
import { writableStore } from "./common.js"

export interface RemediateApplyInput {
  readonly plan: string
  readonly db: string
  readonly yes: boolean
  readonly maxActions: number
  readonly maxPlanAge: number
  readonly writeToken: Option.Option<Redacted.Redacted<string>>
  readonly apiUrl: Option.Option<string>
}

const tokenVariable = { ptolemy: "PTOLEMY_WRITE_TOKEN", transactionlink: "TRANSACTIONLINK_WRITE_TOKEN" } as const
const urlVariable = { ptolemy: "PTOLEMY_API_URL", transactionlink: "TRANSACTIONLINK_API_URL" } as const

const optional = <A>(config: Config.Config<A>) => Effect.orElseSucceed(Config.option(config), () => Option.none<A>())

/** Asks on the terminal; refused outright when stdin is not one (a script must say --yes). */
const confirm = (question: string) =>
  Effect.gen(function*() {
    if (!process.stdin.isTTY) {
      return yield* Effect.fail(
        usageError(
          "Not applied: stdin is not a terminal, so there is no one to confirm; pass --yes to apply without asking. Nothing was sent."
        )
      )
    }
    const answer = yield* Effect.promise(async () => {
      const rl = createInterface({ input: process.stdin, output: process.stderr })
      try {
        return await rl.question(question)
      } finally {
        rl.close()
      }
    })
    if (answer.trim().toLowerCase() !== "yes") {
      return yield* Effect.fail(usageError("Not applied (the answer was not \"yes\"). Nothing was sent."))
    }
  })

const describe = (result: ApplyResult) =>
  result.results.map((r) =>
    `  ${r.action.id.padEnd(4)} ${r.action.kind.padEnd(23)} ${
      printable(r.action.target.label).padEnd(32)
    } ${r.outcome}${r.status === null ? "" : ` (${r.status})`}${
      r.detail && r.outcome !== "done" ? `: ${printable(r.detail)}` : ""
    }`
  ).join("\n")

export const remediateApply = (input: RemediateApplyInput) =>
  Effect.gen(function*() {
    yield* checkEnvironment
    let text: string
    try {
      text = readFileSync(input.plan, "utf8")
    } catch (cause) {
      return yield* Effect.fail(usageError(`Cannot read the plan ${input.plan}: ${(cause as Error).message}`))
    }
    // The plan's source says which token and API; a plan that cannot be read is refused below, with its reason.
    const source = (() => {
      try {
        const s = (JSON.parse(text) as { plan?: { source?: unknown } }).plan?.source
        return s === "transactionlink" ? "transactionlink" as const : "ptolemy" as const
      } catch {
        return "ptolemy" as const
      }
    })()
    const env = yield* optional(Config.redacted(tokenVariable[source]))
    const pasted = Option.map(Option.orElse(input.writeToken, () => env), (t) => Redacted.value(t).trim())
    if (Option.isNone(pasted) || pasted.value === "") {
      return yield* Effect.fail(
        usageError(
          `No write token: set ${
            tokenVariable[source]
          } (or pass --write-token). It is a separate credential from the scheduled job's read token, which stays read-only. Nothing was sent.`
        )
      )
    }
    const token = yield* validateToken(
      pasted.value,
      Option.isSome(input.writeToken) ? "--write-token" : tokenVariable[source]
    )
    const envUrl = yield* optional(Config.string(urlVariable[source]))
    const apiUrl = yield* validateApiUrl(
      Option.getOrElse(Option.orElse(input.apiUrl, () => envUrl), () => defaultApiUrl[source]),
      Option.isSome(input.apiUrl) ? "--api-url" : Option.isSome(envUrl) ? urlVariable[source] : "default"
    )
    const now = () => new Date()
    yield* Effect.gen(function*() {
      const db = yield* Database
      const file = yield* checkPlan(db, { planText: text, planName: input.plan, maxPlanAgeDays: input.maxPlanAge, now })
      if (!input.yes) {
        yield* Console.error(planTable(file.plan, file.plan_id, printable))
        yield* confirm(
          `\nApply plan ${file.plan_id} to ${file.plan.source} workspace ${
            file.plan.workspace.slug ?? file.plan.workspace.id
          } at ${apiUrl}? Type yes: `
        )
      }
      const result = yield* applyPlan(db, {
        planText: text,
        planName: input.plan,
        maxActions: input.maxActions,
        maxPlanAgeDays: input.maxPlanAge,
        now,
        applyId: randomUUID()
      }).pipe(
        Effect.provide(
          WriteClient.layer({ source: file.plan.source, baseUrl: apiUrl, workspaceId: file.plan.workspace.id, token })
        )
      )
      yield* Console.log(`Plan ${file.plan_id}:\n${describe(result)}`)
      const count = (o: string) => result.results.filter((r) => r.outcome === o).length
      yield* Console.log(
        `\n${count("done")} done, ${count("already_done")} already done, ${count("drifted")} drifted, ${
          count("refused")
        } refused, ${count("failed")} failed${
          count("skipped_earlier") > 0 ? `, ${count("skipped_earlier")} finished by an earlier apply` : ""
        }${
          count("not_attempted") > 0 ? `, ${count("not_attempted")} not attempted` : ""
        }. The next complete run verifies them: ptolemy-audit remediate status --db ${input.db}`
      )
      if (result.stoppedBy !== null) yield* Console.error(`Stopped: ${result.stoppedBy}`)
      if (count("failed") > 0 || count("not_attempted") > 0) {
        return yield* Effect.fail(
          new CommandExit({
            code: ExitCode.failed,
            message: `${count("failed")} action(s) failed; apply the plan again to retry them.`
          })
        )
      }
    }).pipe(
      Effect.provide(writableStore(input.db)),
      Effect.catchTags({
        PlanRefused: (e) => Effect.fail(usageError(`${e.message} Nothing was sent.`)),
        StoreError: (e) => Effect.fail(runFailed(e.message))
      })
    )
  })
