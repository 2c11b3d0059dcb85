/** Webhooks and their subscriptions; webhook seats are a hard limit (DOC). */
import { type Actor, type Webhook, type WorkspaceState, WorldError } from "./Model.js"
import type { World } from "./World.js"

export interface WebhookInput {
  readonly url: string
  readonly label: string
  readonly active: boolean
  readonly eventTypes: ReadonlyArray<string>
}

export const createWebhook = (world: World, ws: WorkspaceState, input: WebhookInput, actor?: Actor): Webhook => {
  const seats = ws.plan.limits.webhooks
  if (seats !== null && ws.webhooks.size >= seats) {
    throw new WorldError(403, "forbidden", "All webhook seats are in use")
  }
  const webhook: Webhook = {
    id: world.newId(),
    created_at: world.nowMs(),
    url: input.url,
    label: input.label,
    active: input.active,
    subscriptions: input.eventTypes.map((event_type) => ({ id: world.newId(), event_type }))
  }
  ws.webhooks.add(webhook)
  world.record(ws, "webhook.created", "webhook", webhook.id, actor ?? world.owner(ws), { url: input.url })
  return webhook
}

export const updateWebhook = (
  world: World,
  ws: WorkspaceState,
  id: string,
  patch: Partial<WebhookInput>,
  actor?: Actor
): Webhook => {
  const webhook = ws.webhooks.get(id)
  if (webhook === undefined) throw new WorldError(404, "not_found", `No webhook ${id}`)
  if (patch.url !== undefined) webhook.url = patch.url
  if (patch.label !== undefined) webhook.label = patch.label
  if (patch.active !== undefined) webhook.active = patch.active
  if (patch.eventTypes !== undefined) {
    webhook.subscriptions = patch.eventTypes.map((event_type) => ({ id: world.newId(), event_type }))
  }
  world.record(ws, "webhook.updated", "webhook", webhook.id, actor ?? world.owner(ws), { ...patch })
  return webhook
}

export const deleteWebhook = (world: World, ws: WorkspaceState, id: string, actor?: Actor): void => {
  if (ws.webhooks.remove(id) === undefined) throw new WorldError(404, "not_found", `No webhook ${id}`)
  world.record(ws, "webhook.deleted", "webhook", id, actor ?? world.owner(ws), {})
}
