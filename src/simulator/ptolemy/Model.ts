/**
 * The simulated Ptolemy service's state, as records: workspaces with their members, robot users and tokens,
 * invitations, webhooks, plan and access log. Timestamps are epoch milliseconds; `Present.ts` renders the section 13
 * shapes.
 */
import { DAY } from "../kit/Time.js"
import type { Keyed, Ordered } from "./Ordered.js"

export type Role = "viewer" | "member" | "editor" | "admin"
export const ROLES: ReadonlyArray<Role> = ["viewer", "member", "editor", "admin"]
export type Dimension = "seats" | "webhooks" | "database_items" | "api_calls"
export type PlanName = "starter" | "growth" | "enterprise"
export const dimensions: ReadonlyArray<Dimension> = ["seats", "webhooks", "database_items", "api_calls"]

/** Invitations expire 7 days after creation (DOC). */
export const INVITATION_TTL = 7 * DAY
/** Event retention by plan (DOC): 90 days Starter, 365 Growth, unlimited Enterprise. */
export const RETENTION_DAYS: Record<PlanName, number | null> = { starter: 90, growth: 365, enterprise: null }

/** A refusal the API would answer with this status and code. */
export class WorldError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

export interface Membership extends Keyed {
  user_id: string
  user_type: "human" | "robot"
  role: Role
  display_name: string
  email: string | null
  updated_at: number
}

/**
 * How the churn treats a robot: `normal` ones are rotated now and then and may be deleted; `neglected` ones are
 * forgotten integrations nobody touches (their findings persist); `monthly` ones get a 28-day token renewed 3 days
 * before it expires (so one is always close to expiry). Not part of the API's shape.
 */
export type Upkeep = "normal" | "neglected" | "monthly"

export interface Robot extends Keyed {
  membership_id: string
  display_name: string
  description: string | null
  role: "viewer" | "member"
  upkeep: Upkeep
}

/** How a token is used in the simulated world: every day, weekly, no longer (stale), or never. */
export type UsageProfile = "daily" | "weekly" | "stale" | "never"

export interface Token extends Keyed {
  robot_id: string
  usage: UsageProfile
  name: string | null
  /** The plaintext: shown once at creation by the real API, kept here so the simulator can authenticate it. */
  token: string
  expires_at: number | null
  last_used_at: number | null
  revoked_at: number | null
}

export interface Invitation extends Keyed {
  email: string
  role: Role
  status: "pending" | "accepted" | "expired" | "revoked"
  invited_by: string | null
  expires_at: number
  accepted_at: number | null
  revoked_at: number | null
  /** An invitee who never clicks the link: the churn neither accepts nor revokes it, so it runs to expiry. */
  unanswered: boolean
}

export interface Subscription {
  id: string
  event_type: string
}

export interface Webhook extends Keyed {
  url: string
  label: string
  active: boolean
  subscriptions: Array<Subscription>
}

export interface Actor {
  readonly id: string
  readonly type: "human" | "robot"
  readonly display_name: string
}

export interface AccessEvent extends Keyed {
  event_type: string
  resource_type: string
  resource_id: string
  actor: Actor
  data: Record<string, unknown>
}

export interface Plan {
  plan: PlanName
  overage_enabled: boolean
  limits: Record<Dimension, number | null>
  database_items: number
  api_calls: number
  /** The current monthly billing period's start. */
  period_start: number
}

export interface WorkspaceState extends Keyed {
  slug: string
  name: string
  updated_at: number
  settings: Record<string, unknown>
  memberships: Ordered<Membership>
  /** The human memberships, kept alongside (seats, churn's picks) so nothing filters 50,000 members per change. */
  humans: Ordered<Membership>
  /** Human members by email (one membership per email). */
  emails: Map<string, string>
  robots: Ordered<Robot>
  tokens: Map<string, Ordered<Token>>
  invitations: Ordered<Invitation>
  webhooks: Ordered<Webhook>
  events: Ordered<AccessEvent>
  plan: Plan
}

/** The next monthly billing period's start. */
export const addMonth = (ms: number): number => {
  const d = new Date(ms)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes())
}

/** "ada.lovelace12@x" -> "Ada Lovelace": how a dashboard shows someone who never set a name. */
export const nameFromEmail = (email: string): string =>
  email.split("@")[0]!.replace(/\d+$/, "").split(/[._-]/).filter((w) => w !== "")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ")
