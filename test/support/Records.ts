/** Snapshot records for unit tests, built the way an adapter would (raw = the API's object). */
import type {
  EventRecord,
  InvitationRecord,
  MemberRecord,
  PlanUsageRecord,
  RobotRecord,
  TokenRecord,
  WebhookRecord
} from "../../src/snapshot/Records.js"

export const member = (id: string, role: string, over: Partial<MemberRecord> = {}): MemberRecord => {
  const base = {
    id,
    user_id: `u-${id}`,
    user_type: "human" as const,
    role,
    display_name: id.toUpperCase(),
    email: `${id}@acme.test`,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: null,
    access: "direct" as const,
    org_role: null,
    user_status: null,
    last_login_at: null,
    ...over
  }
  return { ...base, raw: { id, user_id: base.user_id, user_type: base.user_type, role, email: base.email } }
}

export const robot = (id: string, role = "viewer", over: Partial<RobotRecord> = {}): RobotRecord => ({
  id,
  membership_id: `m-${id}`,
  display_name: `${id}-bot`,
  description: null,
  role,
  created_at: "2026-01-01T00:00:00Z",
  raw: { id, role, display_name: `${id}-bot` },
  ...over
})

export const token = (id: string, robotId: string, over: Partial<TokenRecord> = {}): TokenRecord => {
  const t = {
    id,
    robot_id: robotId,
    name: null,
    token_suffix: id.slice(-4).padStart(4, "0"),
    status: "active",
    created_at: "2026-01-01T00:00:00Z",
    expires_at: "2026-12-01T00:00:00Z",
    revoked_at: null,
    last_used_at: "2026-01-20T00:00:00Z",
    last_used_reported: true,
    ...over
  }
  const raw: Record<string, unknown> = {
    id,
    token_suffix: t.token_suffix,
    status: t.status,
    created_at: t.created_at,
    expires_at: t.expires_at,
    revoked_at: t.revoked_at
  }
  if (t.last_used_reported) raw["last_used_at"] = t.last_used_at
  return { ...t, raw }
}

export const invitation = (id: string, over: Partial<InvitationRecord> = {}): InvitationRecord => {
  const i = {
    id,
    email: `${id}@acme.test`,
    role: "member",
    status: "pending",
    invited_by: null,
    created_at: "2026-01-28T00:00:00Z",
    expires_at: "2026-02-04T00:00:00Z",
    accepted_at: null,
    revoked_at: null,
    ...over
  }
  return { ...i, raw: { id, email: i.email, role: i.role, status: i.status, expires_at: i.expires_at } }
}

export const webhook = (id: string, url: string, over: Partial<WebhookRecord> = {}): WebhookRecord => ({
  id,
  url,
  label: id,
  active: true,
  created_at: "2026-01-01T00:00:00Z",
  event_types: ["*"],
  raw: { id, url, label: id, active: true },
  ...over
})

export const usage = (dimension: string, used: number, limit: number | null, plan = "growth"): PlanUsageRecord => ({
  id: dimension,
  plan,
  overage_enabled: false,
  billing_period_start: "2026-02-01T00:00:00Z",
  billing_period_end: "2026-03-01T00:00:00Z",
  used,
  limit,
  raw: { plan, usage: { used, limit } }
})

export const event = (
  id: string,
  type: string,
  resourceId: string,
  at: string,
  actor = "admin-1"
): EventRecord => ({
  id,
  event_type: type,
  resource_type: type.split(".")[0]!,
  resource_id: resourceId,
  actor_id: actor,
  actor_type: "human",
  actor_display_name: `Ada (${actor})`,
  created_at: at,
  raw: { id, event_type: type, resource_id: resourceId, created_at: at, actor: { id: actor } }
})
