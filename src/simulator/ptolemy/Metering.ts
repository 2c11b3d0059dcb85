/**
 * The plan's meters (reference section 9): every request to a workspace counts one API call whatever its answer
 * (DOC), `X-RateLimit-Remaining` is what is left, a spent quota with overage off refuses requests, and the API-call
 * meter resets each monthly billing period. Seats and webhook seats are counted from the world.
 */
import { addMonth, type Dimension, type PlanName, type WorkspaceState } from "./Model.js"

export const used = (ws: WorkspaceState, dimension: Dimension): number => {
  switch (dimension) {
    case "seats":
      return ws.humans.size // robots do not use seats (DOC)
    case "webhooks":
      return ws.webhooks.size
    default:
      return ws.plan[dimension]
  }
}

export const meter = (ws: WorkspaceState): void => {
  ws.plan.api_calls++
}

/** With no API-call limit (null) the header says 2147483647. */
export const remaining = (ws: WorkspaceState): number => {
  const limit = ws.plan.limits.api_calls
  return limit === null ? 2_147_483_647 : Math.max(0, limit - ws.plan.api_calls)
}

export const quotaExhausted = (ws: WorkspaceState): boolean => {
  const limit = ws.plan.limits.api_calls
  return limit !== null && !ws.plan.overage_enabled && ws.plan.api_calls >= limit
}

/** Billing periods that have ended by `now` roll over; the API-call meter starts again. */
export const rollPeriods = (ws: WorkspaceState, now: number): void => {
  while (addMonth(ws.plan.period_start) <= now) {
    ws.plan.period_start = addMonth(ws.plan.period_start)
    ws.plan.api_calls = 0
  }
}

export interface PlanChange {
  readonly plan?: PlanName
  readonly overageEnabled?: boolean
  readonly limits?: Partial<Record<Dimension, number | null>>
}

export const setPlan = (ws: WorkspaceState, input: PlanChange): void => {
  if (input.plan !== undefined) ws.plan.plan = input.plan
  if (input.overageEnabled !== undefined) ws.plan.overage_enabled = input.overageEnabled
  if (input.limits !== undefined) Object.assign(ws.plan.limits, input.limits)
}
