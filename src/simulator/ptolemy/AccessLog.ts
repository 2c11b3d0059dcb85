/**
 * The access log's retention (DOC: 90 days on Starter, 365 on Growth, unlimited on Enterprise): older events are
 * kept in the state but hidden from every event endpoint and from the ground truth.
 */
import { DAY } from "../kit/Time.js"
import { type AccessEvent, RETENTION_DAYS, type WorkspaceState } from "./Model.js"
import { position, precedes } from "./Ordered.js"

/** The index of the oldest event the plan still retains (the log is in time order: a binary search). */
export const retainedFrom = (ws: WorkspaceState, now: number): number => {
  const days = RETENTION_DAYS[ws.plan.plan]
  return days === null ? 0 : position(ws.events.items, now - days * DAY, "", true)
}

export const retainedEvents = (ws: WorkspaceState, now: number): ReadonlyArray<AccessEvent> => {
  const from = retainedFrom(ws, now)
  return from === 0 ? ws.events.items : ws.events.items.slice(from)
}

export const retainedEvent = (ws: WorkspaceState, id: string, now: number): AccessEvent | undefined => {
  const event = ws.events.get(id)
  const days = RETENTION_DAYS[ws.plan.plan]
  return event && (days === null || !precedes(event, now - days * DAY, "", false)) ? event : undefined
}
