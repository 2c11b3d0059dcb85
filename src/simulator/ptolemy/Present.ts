/**
 * The JSON each resource renders to, in the shapes pinned in section 13, and how faults dress it (unknown fields
 * added, fields left out). The server and the ground truth use the same renderers. Renderers take `dressed = false`
 * for the server's filter, which tests conditions on the real fields.
 */
import { iso } from "../kit/Time.js"
import { used } from "./Metering.js"
import {
  type AccessEvent,
  addMonth,
  dimensions,
  type Invitation,
  type Membership,
  type Robot,
  type Subscription,
  type Token,
  type Webhook,
  type WorkspaceState
} from "./Model.js"

type Json = Record<string, unknown>

/** How resources are dressed on the way out (faults): stable unknown fields, fields left out. */
export interface Presentation {
  extraFields: boolean
  omitFields: ReadonlyArray<{ readonly resource: string; readonly field: string }>
}

/** The named timestamps of a record as the API writes them (null stays null), in the order named. */
const times = <R, K extends keyof R>(record: R, ...keys: ReadonlyArray<K>): Record<K, string | null> => {
  const out = {} as Record<K, string | null>
  for (const k of keys) out[k] = record[k] === null ? null : iso(record[k] as number)
  return out
}

/** A token's status now: revoked wins; expired means `expires_at` is at or before now. */
export const tokenStatus = (t: Token, now: number): "active" | "revoked" | "expired" => {
  if (t.revoked_at !== null) return "revoked"
  if (t.expires_at !== null && t.expires_at <= now) return "expired"
  return "active"
}

/** An invitation's status now (one past its expiry reads as expired even before the clock settles it). */
export const invitationStatus = (i: Invitation, now: number): Invitation["status"] =>
  i.status === "pending" && i.expires_at <= now ? "expired" : i.status

export class Presenter {
  presentation: Presentation = { extraFields: false, omitFields: [] }

  constructor(private readonly now: () => number) {}

  /** Dresses a rendered resource as the faults say. */
  present(resource: string, json: Json, dressed = true): Json {
    if (!dressed) return json
    const { extraFields, omitFields } = this.presentation
    for (const { field, resource: r } of omitFields) if (r === resource) delete json[field]
    if (extraFields) {
      json["x_region"] = "eu-west-2"
      json["x_labels"] = { tier: "gold", source: "simulator" }
    }
    return json
  }

  workspace(ws: WorkspaceState, dressed = true): Json {
    const { id, name, slug, settings } = ws
    return this.present("workspace", { id, name, slug, ...times(ws, "created_at", "updated_at"), settings }, dressed)
  }

  membership(m: Membership, dressed = true): Json {
    const { id, user_id, user_type, role, display_name, email } = m
    return this.present("membership", {
      id,
      user_id,
      user_type,
      role,
      display_name,
      email,
      ...times(m, "created_at", "updated_at")
    }, dressed)
  }

  robot(r: Robot, dressed = true): Json {
    const { id, membership_id, display_name, description, role } = r
    return this.present(
      "robot",
      { id, membership_id, display_name, description, role, created_at: iso(r.created_at) },
      dressed
    )
  }

  token(t: Token, dressed = true): Json {
    const status = tokenStatus(t, this.now())
    const stamps = times(t, "created_at", "expires_at", "last_used_at", "revoked_at")
    return this.present(
      "token",
      { id: t.id, name: t.name, token_suffix: t.token.slice(-4), status, ...stamps },
      dressed
    )
  }

  invitation(i: Invitation, dressed = true): Json {
    const { id, email, role, invited_by } = i
    const status = invitationStatus(i, this.now())
    return this.present("invitation", {
      id,
      email,
      role,
      status,
      invited_by,
      ...times(i, "created_at", "expires_at", "accepted_at", "revoked_at")
    }, dressed)
  }

  webhook(w: Webhook, dressed = true): Json {
    const { id, url, label, active } = w
    return this.present("webhook", { id, url, label, active, created_at: iso(w.created_at) }, dressed)
  }

  subscription(s: Subscription, dressed = true): Json {
    return this.present("subscription", { id: s.id, event_type: s.event_type }, dressed)
  }

  event(e: AccessEvent, dressed = true): Json {
    const { id, event_type, resource_type, resource_id, data } = e
    return this.present("event", {
      id,
      event_type,
      resource_type,
      resource_id,
      actor: { ...e.actor },
      created_at: iso(e.created_at),
      data
    }, dressed)
  }

  plan(ws: WorkspaceState, dressed = true): Json {
    const usage: Record<string, { used: number; limit: number | null }> = {}
    for (const d of dimensions) usage[d] = { used: used(ws, d), limit: ws.plan.limits[d] }
    return this.present("plan", {
      plan: ws.plan.plan,
      overage_enabled: ws.plan.overage_enabled,
      billing_period: { start: iso(ws.plan.period_start), end: iso(addMonth(ws.plan.period_start)) },
      usage
    }, dressed)
  }
}
