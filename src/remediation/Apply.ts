/**
 * Carrying a plan out, as a plain function over the store and the write client. The plan is refused whole (nothing
 * sent) when it does not match its hash, is older than `maxPlanAgeDays`, belongs to another source, or holds more
 * actions to carry out than `maxActions`. Then, action by action: what an earlier apply finished is skipped without a
 * request; the target is read again and skipped as `already_done` or `drifted` when it no longer matches the
 * precondition (never forced); a removal or demotion of the last admin, checked live, is `refused`; otherwise a
 * `sending` step is committed, the call made, and its outcome committed, before the next action starts. A 404 on a
 * delete is `already_done`; `quota_exceeded` stops the apply.
 */
import { Data, Effect } from "effect"
import { crashPoint } from "../store/CrashPoints.js"
import type { DatabaseService, StoreError } from "../store/Database.js"
import { type Action, type PlanFile, readPlan } from "./PlanFile.js"
import { lastSteps, type Outcome, recordPlan, recordStep, storedPlanHash } from "./Records.js"
import { type LiveState, type WriteApiError, WriteClient } from "./WriteClient.js"

export class PlanRefused extends Data.TaggedError("PlanRefused")<{ readonly message: string }> {}

export interface ApplyOptions {
  readonly planText: string
  readonly planName: string
  readonly maxActions: number
  readonly maxPlanAgeDays: number
  readonly now: () => Date
  readonly applyId: string
}

export interface ActionResult {
  readonly action: Action
  readonly outcome: Outcome | "skipped_earlier" | "not_attempted"
  readonly status: number | null
  readonly detail: string | null
}

export interface ApplyResult {
  readonly plan: PlanFile
  readonly results: ReadonlyArray<ActionResult>
  readonly stoppedBy: string | null
}

const TERMINAL = new Set(["done", "already_done", "drifted", "refused"])

/** A plan checked before anything is sent. */
export const checkPlan = (
  db: DatabaseService,
  options: Pick<ApplyOptions, "planText" | "planName" | "maxPlanAgeDays" | "now">
) =>
  Effect.gen(function*() {
    const read = readPlan(options.planText, options.planName)
    if (read._tag === "Left") return yield* Effect.fail(new PlanRefused({ message: read.left }))
    const file = read.right
    const age = (options.now().getTime() - Date.parse(file.plan.created_at)) / 86_400_000
    if (!(age <= options.maxPlanAgeDays)) {
      return yield* Effect.fail(
        new PlanRefused({
          message: `${options.planName} was planned ${
            Math.floor(age)
          } days ago (${file.plan.created_at}), more than --max-plan-age ${options.maxPlanAgeDays}: the workspace has moved on since. Make a new plan.`
        })
      )
    }
    const stored = yield* storedPlanHash(db, file.plan_id)
    if (stored !== undefined && stored !== file.hash) {
      return yield* Effect.fail(
        new PlanRefused({
          message: `The database holds another plan ${file.plan_id} (hash ${stored}); refusing ${options.planName}.`
        })
      )
    }
    return file
  })

const errorText = (e: WriteApiError) => e.message

/** What the live state says about an action before any write. */
const judge = (action: Action, live: LiveState): { outcome: Outcome; detail: string } | null => {
  const pre = action.precondition
  switch (action.kind) {
    case "remove_member":
    case "remove_workspace_member":
      if (!live.exists) return { outcome: "already_done", detail: "no longer a member" }
      if ((live.role ?? null) !== null && pre.role !== null && live.role!.toLowerCase() !== pre.role.toLowerCase()) {
        return { outcome: "drifted", detail: `the role is ${live.role} now, ${pre.role} when planned` }
      }
      return null
    case "change_role":
    case "set_workspace_role":
      if (!live.exists) return { outcome: "drifted", detail: "no longer a member" }
      if ((live.role ?? "").toLowerCase() === (action.new_role ?? "").toLowerCase()) {
        return { outcome: "already_done", detail: `already ${live.role}` }
      }
      if (pre.role !== null && (live.role ?? "").toLowerCase() !== pre.role.toLowerCase()) {
        return { outcome: "drifted", detail: `the role is ${live.role} now, ${pre.role} when planned` }
      }
      return null
    case "revoke_token":
      if (!live.exists) return { outcome: "already_done", detail: "the token (or its robot) is gone" }
      if (live.status !== "active") return { outcome: "already_done", detail: `the token is ${live.status}` }
      return null
    case "revoke_invitation":
    case "cancel_enrollment": {
      if (!live.exists) return { outcome: "already_done", detail: "the invitation is gone" }
      const status = (live.status ?? "").toLowerCase()
      if (status === "revoked" || status === "cancelled") {
        return { outcome: "already_done", detail: `the invitation is ${status}` }
      }
      if (status !== "pending") {
        return { outcome: "drifted", detail: `the invitation is ${status} now, pending when planned` }
      }
      return null
    }
  }
}

const demotes = (action: Action) =>
  action.kind === "remove_member" || action.kind === "remove_workspace_member" ||
  ((action.kind === "change_role" || action.kind === "set_workspace_role") &&
    !(action.new_role ?? "").toLowerCase().includes("admin"))

export const applyPlan = (db: DatabaseService, options: ApplyOptions) =>
  Effect.gen(function*() {
    const writer = yield* WriteClient
    const file = yield* checkPlan(db, options)
    const plan = file.plan
    if (plan.source !== writer.source) {
      return yield* Effect.fail(
        new PlanRefused({
          message: `${options.planName} is a ${plan.source} plan; the write client is for ${writer.source}.`
        })
      )
    }
    yield* recordPlan(db, file)
    const earlier = yield* lastSteps(db, file.plan_id)
    const todo = plan.actions.filter((a) => {
      const last = earlier.get(a.id)
      return !(last?.phase === "outcome" && TERMINAL.has(last.outcome ?? ""))
    })
    if (todo.length > options.maxActions) {
      return yield* Effect.fail(
        new PlanRefused({
          message:
            `${options.planName} has ${todo.length} actions to carry out, more than --max-actions ${options.maxActions}: nothing was sent. Raise --max-actions if that many is intended.`
        })
      )
    }
    const step = (
      action: Action,
      fields: { phase: "sending" | "outcome"; status?: number | null; outcome?: Outcome; detail?: string | null }
    ) =>
      recordStep(db, {
        planId: file.plan_id,
        actionId: action.id,
        applyId: options.applyId,
        source: plan.source,
        workspaceId: plan.workspace.id,
        at: options.now().toISOString(),
        method: action.call.method,
        path: action.call.path,
        ...fields
      })
    const results: Array<ActionResult> = []
    let stoppedBy: string | null = null
    const finish = (action: Action, outcome: Outcome, status: number | null, detail: string | null) =>
      Effect.as(
        step(action, { phase: "outcome", outcome, status, detail }),
        results.push({ action, outcome, status, detail })
      )

    for (const action of plan.actions) {
      if (!todo.includes(action)) {
        results.push({
          action,
          outcome: "skipped_earlier",
          status: null,
          detail: earlier.get(action.id)?.outcome ?? null
        })
        continue
      }
      if (stoppedBy !== null) {
        results.push({ action, outcome: "not_attempted", status: null, detail: stoppedBy })
        continue
      }
      const quota = (e: WriteApiError) => {
        if (e.reason === "QuotaExceeded") stoppedBy = `the API-call quota is spent: ${e.message}`
      }
      // 1. The target as it is now.
      const live = yield* Effect.either(writer.read(action))
      if (live._tag === "Left") {
        quota(live.left)
        yield* finish(
          action,
          "failed",
          live.left.status ?? null,
          `reading the target again failed: ${errorText(live.left)}`
        )
        continue
      }
      const verdict = judge(action, live.right)
      if (verdict !== null) {
        yield* finish(action, verdict.outcome, null, verdict.detail)
        continue
      }
      // 2. The last admin, live.
      if (demotes(action)) {
        const admins = yield* Effect.either(writer.admins)
        if (admins._tag === "Left") {
          quota(admins.left)
          yield* finish(
            action,
            "failed",
            admins.left.status ?? null,
            `counting the admins failed: ${errorText(admins.left)}`
          )
          continue
        }
        if (admins.right.has(action.target.id) && admins.right.size <= 1) {
          yield* finish(action, "refused", null, `${action.target.label} is the last admin of the workspace now`)
          continue
        }
      }
      // 3. The call: recorded before it is sent, its outcome as soon as it is answered.
      yield* step(action, { phase: "sending" })
      const sent = yield* Effect.either(writer.send(action.call))
      yield* crashPoint("remediation-sent")
      if (sent._tag === "Right") {
        yield* finish(action, "done", sent.right, null)
      } else {
        const e = sent.left
        quota(e)
        if (e.reason === "NotFound" && action.call.method === "DELETE") {
          yield* finish(action, "already_done", 404, "the API answered 404: it is gone")
        } else if (e.status === 409 && action.kind === "cancel_enrollment") {
          // Cancelling twice is a conflict: see whether it is cancelled now.
          const again = yield* Effect.either(writer.read(action))
          const status = again._tag === "Right" ? (again.right.status ?? "").toLowerCase() : ""
          yield* status === "cancelled"
            ? finish(action, "already_done", 409, "the enrollment is cancelled")
            : finish(action, "failed", 409, errorText(e))
        } else {
          yield* finish(action, "failed", e.status ?? null, errorText(e))
        }
      }
      yield* crashPoint("remediation-recorded")
    }
    return { plan: file, results, stoppedBy } satisfies ApplyResult
  })

export type ApplyError = PlanRefused | StoreError
