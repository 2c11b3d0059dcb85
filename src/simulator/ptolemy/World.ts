/**
 * The simulated Ptolemy service's state: one or more workspaces with their members, robot users and tokens,
 * invitations, webhooks, plan and access log, and a simulated clock. Every mutation keeps the documented invariants
 * (reference sections 2, 4, 5, 9, 11) and appends the access event the reference says is logged. The JSON each
 * resource renders to is the shape pinned in section 13: the server and the ground truth use the same renderers.
 */
import { Random } from "./Random.js"

export type Role = "viewer" | "member" | "editor" | "admin"
export type Dimension = "seats" | "webhooks" | "database_items" | "api_calls"
export type PlanName = "starter" | "growth" | "enterprise"
export const dimensions: ReadonlyArray<Dimension> = ["seats", "webhooks", "database_items", "api_calls"]

const DAY = 86_400_000
/** Invitations expire 7 days after creation (DOC). */
export const INVITATION_TTL = 7 * DAY
/** Event retention by plan (DOC): 90 days Starter, 365 Growth, unlimited Enterprise. */
export const RETENTION_DAYS: Record<PlanName, number | null> = { starter: 90, growth: 365, enterprise: null }

/** Timestamps as the API writes them: ISO-8601 UTC to the second, with a Z. */
export const iso = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z")
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms))

/** "ada.lovelace12@x" -> "Ada Lovelace": how a dashboard shows someone who never set a name. */
const nameFromEmail = (email: string) =>
  email.split("@")[0]!.replace(/\d+$/, "").split(/[._-]/).filter((w) => w !== "")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ")

export class WorldError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

export interface Keyed {
  readonly id: string
  readonly created_at: number
}

/**
 * List order is created_at then id, as the API shows them: timestamps are whole seconds on the wire, so two items
 * in the same second are ordered by id even if their milliseconds differ. True when `item` comes before the key
 * (or is equal to it, when `orEqual`).
 */
export const precedes = (item: Keyed, created: number, id: string, orEqual: boolean): boolean => {
  const a = Math.floor(item.created_at / 1000)
  const b = Math.floor(created / 1000)
  return a < b || (a === b && (orEqual ? item.id <= id : item.id < id))
}

/** The index of the first item of an ordered list after the key (or at it, when `inclusive`): a binary search. */
export const position = (list: ReadonlyArray<Keyed>, created: number, id: string, inclusive = false): number => {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (precedes(list[mid]!, created, id, !inclusive)) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** A collection kept in list order (created_at, then id), with lookup by id. */
export class Ordered<A extends Keyed> {
  readonly items: Array<A> = []
  private readonly byId = new Map<string, A>()

  get size(): number {
    return this.items.length
  }
  get(id: string): A | undefined {
    return this.byId.get(id)
  }
  /** The index of the first item after (created_at, id) in list order. */
  indexAfter(created: number, id: string): number {
    return position(this.items, created, id)
  }
  add(item: A): void {
    this.items.splice(this.indexAfter(item.created_at, item.id), 0, item)
    this.byId.set(item.id, item)
  }
  remove(id: string): A | undefined {
    const item = this.byId.get(id)
    if (item === undefined) return undefined
    // The item sits just before the first one after its own key: no linear scan of a 50,000-item list.
    this.items.splice(this.indexAfter(item.created_at, item.id) - 1, 1)
    this.byId.delete(id)
    return item
  }
  /** Bulk load (generation): sort once. */
  load(items: ReadonlyArray<A>): void {
    for (const item of items) {
      this.items.push(item)
      this.byId.set(item.id, item)
    }
    this.items.sort((a, b) => (precedes(a, b.created_at, b.id, false) ? -1 : precedes(b, a.created_at, a.id, false) ? 1 : 0))
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

export interface Webhook extends Keyed {
  url: string
  label: string
  active: boolean
  subscriptions: Array<{ id: string; event_type: string }>
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

/** How resources are dressed on the way out (faults): stable unknown fields, fields left out. */
export interface Presentation {
  extraFields: boolean
  omitFields: ReadonlyArray<{ readonly resource: string; readonly field: string }>
}

export type ListCollection = "memberships" | "robots" | "invitations" | "webhooks" | "events"

const addMonth = (ms: number): number => {
  const d = new Date(ms)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes())
}

export class World {
  readonly workspaces: Array<WorkspaceState> = []
  /** Robots and tokens the churn engine leaves alone (the simulator's own test principals). */
  readonly pinned = new Set<string>()
  /** Robot tokens by plaintext, for authentication. */
  readonly tokenIndex = new Map<string, { readonly workspaceId: string; readonly robotId: string; readonly tokenId: string }>()
  presentation: Presentation = { extraFields: false, omitFields: [] }
  private clock: number
  private readonly ids: Random

  constructor(start: number, seed: number) {
    this.clock = start
    this.ids = Random.of(seed, "world-ids")
  }

  // -- clock -------------------------------------------------------------------------------------------------

  now(): Date {
    return new Date(this.clock)
  }
  nowMs(): number {
    return this.clock
  }
  /** Moves the clock (never backwards): invitations past their 7 days expire, billing periods roll over. */
  setNow(at: Date | string | number): void {
    const target = new Date(at).getTime()
    if (target < this.clock) throw new Error("the simulated clock only moves forward")
    this.clock = target
    for (const ws of this.workspaces) this.settle(ws)
  }

  private settle(ws: WorkspaceState): void {
    for (const invitation of ws.invitations.items) {
      if (invitation.status === "pending" && invitation.expires_at <= this.clock) {
        invitation.status = "expired"
        this.record(ws, "invitation.expired", "invitation", invitation.id, this.system(ws), { email: invitation.email }, invitation.expires_at)
      }
    }
    while (addMonth(ws.plan.period_start) <= this.clock) {
      ws.plan.period_start = addMonth(ws.plan.period_start)
      ws.plan.api_calls = 0 // the API-call meter resets each billing period
    }
  }

  /** Indexes every robot token by its plaintext (after a world is generated). */
  indexTokens(): void {
    for (const ws of this.workspaces) {
      for (const [robotId, list] of ws.tokens) {
        for (const t of list.items) this.tokenIndex.set(t.token, { workspaceId: ws.id, robotId, tokenId: t.id })
      }
    }
  }

  findToken(plaintext: string): { ws: WorkspaceState; robotId: string; token: Token } | undefined {
    const entry = this.tokenIndex.get(plaintext)
    if (entry === undefined) return undefined
    const ws = this.workspaces.find((w) => w.id === entry.workspaceId)
    const token = ws?.tokens.get(entry.robotId)?.get(entry.tokenId)
    return ws && token ? { ws, robotId: entry.robotId, token } : undefined
  }

  // -- ids ---------------------------------------------------------------------------------------------------

  newId(): string {
    return this.ids.uuid()
  }
  newToken(): string {
    return `ptk_live_${this.ids.hex(64)}`
  }

  // -- lookups -----------------------------------------------------------------------------------------------

  workspace(idOrSlug?: string): WorkspaceState {
    const ws = idOrSlug === undefined
      ? this.workspaces[0]
      : this.workspaces.find((w) => w.id === idOrSlug || w.slug === idOrSlug)
    if (ws === undefined) throw new WorldError(404, "not_found", `No workspace ${idOrSlug}`)
    return ws
  }

  /** The first admin human: the default actor of scenario changes. */
  owner(ws: WorkspaceState): Actor {
    const admin = ws.memberships.items.find((m) => m.user_type === "human" && m.role === "admin")
    return admin ? this.actorOf(admin) : this.system(ws)
  }
  actorOf(m: Membership): Actor {
    return { id: m.user_id, type: m.user_type, display_name: m.display_name }
  }
  system(ws: WorkspaceState): Actor {
    return { id: ws.id, type: "human", display_name: "Ptolemy" }
  }

  tokenStatus(t: Token): "active" | "revoked" | "expired" {
    if (t.revoked_at !== null) return "revoked"
    if (t.expires_at !== null && t.expires_at <= this.clock) return "expired"
    return "active"
  }

  /** The human members, in list order (a live view: do not mutate). */
  humans(ws: WorkspaceState): ReadonlyArray<Membership> {
    return ws.humans.items
  }

  // -- events ------------------------------------------------------------------------------------------------

  record(
    ws: WorkspaceState,
    eventType: string,
    resourceType: string,
    resourceId: string,
    actor: Actor,
    data: Record<string, unknown>,
    at = this.clock
  ): void {
    ws.events.add({ id: this.newId(), created_at: at, event_type: eventType, resource_type: resourceType, resource_id: resourceId, actor, data })
  }

  // -- members -----------------------------------------------------------------------------------------------

  addHuman(input: { email: string; role: Role; displayName?: string }, workspace?: string, actor?: Actor): Record<string, unknown> {
    const ws = this.workspace(workspace)
    const m = this.insertHuman(ws, input.email, input.role, input.displayName)
    this.record(ws, "membership.created", "membership", m.id, actor ?? this.owner(ws), { user_type: "human", role: m.role, email: m.email })
    return this.membershipJson(m)
  }

  private insertHuman(ws: WorkspaceState, email: string, role: Role, displayName?: string): Membership {
    if (ws.emails.has(email)) throw new WorldError(409, "conflict", `${email} is already a member`)
    const seats = ws.plan.limits.seats
    // Human seats are a hard limit (DOC); the status of the refusal is not documented (403, like other hard limits).
    if (seats !== null && ws.humans.size >= seats) {
      throw new WorldError(403, "forbidden", "All human seats are in use")
    }
    const m: Membership = {
      id: this.newId(),
      user_id: this.newId(),
      user_type: "human",
      role,
      display_name: displayName ?? nameFromEmail(email),
      email,
      created_at: this.clock,
      updated_at: this.clock
    }
    ws.memberships.add(m)
    ws.humans.add(m)
    ws.emails.set(email, m.id)
    return m
  }

  changeRole(membershipId: string, role: Role, workspace?: string, actor?: Actor): Record<string, unknown> {
    const ws = this.workspace(workspace)
    const m = ws.memberships.get(membershipId)
    if (m === undefined) throw new WorldError(404, "not_found", `No membership ${membershipId}`)
    if (!["viewer", "member", "editor", "admin"].includes(role)) throw new WorldError(422, "validation_error", "Unknown role")
    if (m.user_type === "robot" && (role === "editor" || role === "admin")) {
      throw new WorldError(422, "validation_error", "Robot users may only be viewer or member")
    }
    if (m.role === "admin" && role !== "admin" && this.admins(ws) === 1) {
      throw new WorldError(409, "conflict", "The last admin cannot be demoted")
    }
    const before = m.role
    m.role = role
    m.updated_at = this.clock
    if (m.user_type === "robot") {
      const robot = ws.robots.get(m.user_id)
      if (robot) robot.role = role as Robot["role"]
    }
    this.record(ws, "membership.updated", "membership", m.id, actor ?? this.owner(ws), { role: { from: before, to: role } })
    return this.membershipJson(m)
  }

  private admins(ws: WorkspaceState): number {
    let n = 0
    for (const m of ws.humans.items) if (m.role === "admin") n++
    return n
  }

  /** Removing a robot's membership deletes the robot user and revokes all of its tokens (DOC). */
  removeMembership(membershipId: string, workspace?: string, actor?: Actor): void {
    const ws = this.workspace(workspace)
    const m = ws.memberships.get(membershipId)
    if (m === undefined) throw new WorldError(404, "not_found", `No membership ${membershipId}`)
    if (m.role === "admin" && this.admins(ws) === 1) throw new WorldError(409, "conflict", "The last admin cannot be removed")
    const by = actor ?? this.owner(ws)
    if (m.user_type === "robot") {
      for (const token of ws.tokens.get(m.user_id)?.items ?? []) {
        if (this.tokenStatus(token) === "active") {
          token.revoked_at = this.clock
          this.record(ws, "robot_token.revoked", "robot_token", token.id, by, { robot_id: m.user_id })
        }
      }
      ws.robots.remove(m.user_id)
      ws.tokens.delete(m.user_id)
    }
    ws.memberships.remove(m.id)
    if (m.user_type === "human") {
      ws.humans.remove(m.id)
      if (m.email !== null) ws.emails.delete(m.email)
    }
    this.record(ws, "membership.deleted", "membership", m.id, by, { user_type: m.user_type, role: m.role, email: m.email })
  }

  // -- robots and tokens -------------------------------------------------------------------------------------

  /** Creates the robot user and its membership in one step (DOC). */
  createRobot(
    input: { displayName: string; role: "viewer" | "member"; description?: string; upkeep?: Upkeep },
    workspace?: string,
    actor?: Actor,
    createdAt = this.clock
  ): Record<string, unknown> {
    const ws = this.workspace(workspace)
    if (input.role !== "viewer" && input.role !== "member") {
      throw new WorldError(422, "validation_error", "Robot users may only be viewer or member")
    }
    const userId = this.newId()
    const membership: Membership = {
      id: this.newId(),
      user_id: userId,
      user_type: "robot",
      role: input.role,
      display_name: input.displayName,
      email: null,
      created_at: createdAt,
      updated_at: createdAt
    }
    const robot: Robot = {
      id: userId,
      created_at: createdAt,
      membership_id: membership.id,
      display_name: input.displayName,
      description: input.description ?? null,
      role: input.role,
      upkeep: input.upkeep ?? "normal"
    }
    ws.memberships.add(membership)
    ws.robots.add(robot)
    ws.tokens.set(userId, new Ordered<Token>())
    this.record(ws, "membership.created", "membership", membership.id, actor ?? this.owner(ws), {
      user_type: "robot",
      role: input.role,
      display_name: input.displayName
    }, createdAt)
    return this.robotJson(robot)
  }

  deleteRobot(userId: string, workspace?: string, actor?: Actor): void {
    const ws = this.workspace(workspace)
    const robot = ws.robots.get(userId)
    if (robot === undefined) throw new WorldError(404, "not_found", `No robot ${userId}`)
    this.removeMembership(robot.membership_id, ws.id, actor)
  }

  /** A new token for a robot. `usage` says how the churn uses it afterwards (default daily). */
  createToken(
    userId: string,
    input: { expiresAt?: string | null; name?: string; usage?: UsageProfile } = {},
    workspace?: string,
    actor?: Actor,
    createdAt = this.clock
  ): { token: string; record: Record<string, unknown> } {
    const ws = this.workspace(workspace)
    const list = ws.tokens.get(userId)
    if (list === undefined) throw new WorldError(404, "not_found", `No robot ${userId}`)
    if (input.expiresAt !== undefined && input.expiresAt !== null && Number.isNaN(Date.parse(input.expiresAt))) {
      throw new WorldError(422, "validation_error", "expires_at must be an ISO-8601 time")
    }
    const plaintext = this.newToken()
    const token: Token = {
      id: this.newId(),
      created_at: createdAt,
      robot_id: userId,
      name: input.name ?? null,
      token: plaintext,
      usage: input.usage ?? "daily",
      expires_at: input.expiresAt === undefined || input.expiresAt === null ? null : new Date(input.expiresAt).getTime(),
      last_used_at: null,
      revoked_at: null
    }
    list.add(token)
    this.tokenIndex.set(plaintext, { workspaceId: ws.id, robotId: userId, tokenId: token.id })
    this.record(ws, "robot_token.created", "robot_token", token.id, actor ?? this.owner(ws), { robot_id: userId }, createdAt)
    return { token: plaintext, record: this.tokenJson(token) }
  }

  revokeToken(userId: string, tokenId: string, workspace?: string, actor?: Actor): void {
    const ws = this.workspace(workspace)
    const token = ws.tokens.get(userId)?.get(tokenId)
    if (token === undefined) throw new WorldError(404, "not_found", `No token ${tokenId}`)
    if (token.revoked_at !== null) return
    token.revoked_at = this.clock
    this.record(ws, "robot_token.revoked", "robot_token", token.id, actor ?? this.owner(ws), { robot_id: userId })
  }

  useToken(tokenId: string, at?: Date, workspace?: string): void {
    const ws = this.workspace(workspace)
    for (const list of ws.tokens.values()) {
      const token = list.get(tokenId)
      if (token) {
        token.last_used_at = at === undefined ? this.clock : at.getTime()
        return
      }
    }
    throw new WorldError(404, "not_found", `No token ${tokenId}`)
  }

  /** The server's path: the token is already in hand, so no search. */
  markUsed(token: Token): void {
    token.last_used_at = this.clock
  }

  // -- invitations -------------------------------------------------------------------------------------------

  sendInvitation(
    input: { email: string; role: Role; invitedBy?: string; unanswered?: boolean },
    workspace?: string,
    actor?: Actor
  ): Record<string, unknown> {
    const ws = this.workspace(workspace)
    if (!["viewer", "member", "editor", "admin"].includes(input.role)) throw new WorldError(422, "validation_error", "Unknown role")
    const by = actor ?? this.owner(ws)
    const inviter = input.invitedBy ?? ws.humans.items.find((m) => m.user_id === by.id)?.id ?? null
    const invitation: Invitation = {
      id: this.newId(),
      created_at: this.clock,
      email: input.email,
      role: input.role,
      status: "pending",
      invited_by: inviter,
      expires_at: this.clock + INVITATION_TTL,
      accepted_at: null,
      revoked_at: null,
      unanswered: input.unanswered ?? false
    }
    ws.invitations.add(invitation)
    this.record(ws, "invitation.created", "invitation", invitation.id, by, { email: input.email, role: input.role })
    return this.invitationJson(invitation)
  }

  /** The dashboard's emailed link (no API endpoint exists): the invitee becomes a human member. */
  acceptInvitation(id: string, workspace?: string): Record<string, unknown> {
    const ws = this.workspace(workspace)
    const invitation = ws.invitations.get(id)
    if (invitation === undefined) throw new WorldError(404, "not_found", `No invitation ${id}`)
    if (invitation.status !== "pending") throw new WorldError(409, "conflict", `The invitation is ${invitation.status}`)
    const m = this.insertHuman(ws, invitation.email, invitation.role)
    invitation.status = "accepted"
    invitation.accepted_at = this.clock
    const actor = this.actorOf(m)
    this.record(ws, "invitation.accepted", "invitation", invitation.id, actor, { email: invitation.email })
    this.record(ws, "membership.created", "membership", m.id, actor, { user_type: "human", role: m.role, email: m.email })
    return this.membershipJson(m)
  }

  revokeInvitation(id: string, workspace?: string, actor?: Actor): void {
    const ws = this.workspace(workspace)
    const invitation = ws.invitations.get(id)
    if (invitation === undefined) throw new WorldError(404, "not_found", `No invitation ${id}`)
    if (invitation.status !== "pending") throw new WorldError(409, "conflict", `The invitation is ${invitation.status}`)
    invitation.status = "revoked"
    invitation.revoked_at = this.clock
    this.record(ws, "invitation.revoked", "invitation", invitation.id, actor ?? this.owner(ws), { email: invitation.email })
  }

  // -- webhooks ----------------------------------------------------------------------------------------------

  createWebhook(
    input: { url: string; label: string; active: boolean; eventTypes: ReadonlyArray<string> },
    workspace?: string,
    actor?: Actor
  ): Record<string, unknown> {
    const ws = this.workspace(workspace)
    const seats = ws.plan.limits.webhooks
    if (seats !== null && ws.webhooks.size >= seats) throw new WorldError(403, "forbidden", "All webhook seats are in use")
    const webhook: Webhook = {
      id: this.newId(),
      created_at: this.clock,
      url: input.url,
      label: input.label,
      active: input.active,
      subscriptions: input.eventTypes.map((event_type) => ({ id: this.newId(), event_type }))
    }
    ws.webhooks.add(webhook)
    this.record(ws, "webhook.created", "webhook", webhook.id, actor ?? this.owner(ws), { url: input.url })
    return this.webhookJson(webhook)
  }

  updateWebhook(
    id: string,
    patch: { url?: string; label?: string; active?: boolean; eventTypes?: ReadonlyArray<string> },
    workspace?: string,
    actor?: Actor
  ): Record<string, unknown> {
    const ws = this.workspace(workspace)
    const webhook = ws.webhooks.get(id)
    if (webhook === undefined) throw new WorldError(404, "not_found", `No webhook ${id}`)
    if (patch.url !== undefined) webhook.url = patch.url
    if (patch.label !== undefined) webhook.label = patch.label
    if (patch.active !== undefined) webhook.active = patch.active
    if (patch.eventTypes !== undefined) {
      webhook.subscriptions = patch.eventTypes.map((event_type) => ({ id: this.newId(), event_type }))
    }
    this.record(ws, "webhook.updated", "webhook", webhook.id, actor ?? this.owner(ws), { ...patch })
    return this.webhookJson(webhook)
  }

  deleteWebhook(id: string, workspace?: string, actor?: Actor): void {
    const ws = this.workspace(workspace)
    if (ws.webhooks.remove(id) === undefined) throw new WorldError(404, "not_found", `No webhook ${id}`)
    this.record(ws, "webhook.deleted", "webhook", id, actor ?? this.owner(ws), {})
  }

  // -- plan --------------------------------------------------------------------------------------------------

  setPlan(input: { plan?: PlanName; overageEnabled?: boolean; limits?: Partial<Record<Dimension, number | null>> }, workspace?: string): void {
    const ws = this.workspace(workspace)
    if (input.plan !== undefined) ws.plan.plan = input.plan
    if (input.overageEnabled !== undefined) ws.plan.overage_enabled = input.overageEnabled
    if (input.limits !== undefined) Object.assign(ws.plan.limits, input.limits)
  }

  /** Sets a metered figure (seats and webhooks are counted from the world and cannot be set). */
  setUsed(dimension: "database_items" | "api_calls", used: number, workspace?: string): void {
    this.workspace(workspace).plan[dimension] = used
  }

  used(ws: WorkspaceState, dimension: Dimension): number {
    switch (dimension) {
      case "seats":
        return this.humans(ws).length // robots do not use seats (DOC)
      case "webhooks":
        return ws.webhooks.size
      default:
        return ws.plan[dimension]
    }
  }

  /** The API-call meter: every request to the workspace counts one call, whatever its status (DOC). */
  meter(ws: WorkspaceState): void {
    ws.plan.api_calls++
  }

  remaining(ws: WorkspaceState): number {
    const limit = ws.plan.limits.api_calls
    return limit === null ? 2_147_483_647 : Math.max(0, limit - ws.plan.api_calls)
  }

  quotaExhausted(ws: WorkspaceState): boolean {
    const limit = ws.plan.limits.api_calls
    return limit !== null && !ws.plan.overage_enabled && ws.plan.api_calls >= limit
  }

  /** The index of the oldest event the plan still retains (the log is in time order: a binary search). */
  retainedFrom(ws: WorkspaceState): number {
    const days = RETENTION_DAYS[ws.plan.plan]
    return days === null ? 0 : position(ws.events.items, this.clock - days * DAY, "", true)
  }

  /** Events the plan still retains (older ones are hidden). */
  retainedEvents(ws: WorkspaceState): ReadonlyArray<AccessEvent> {
    const from = this.retainedFrom(ws)
    return from === 0 ? ws.events.items : ws.events.items.slice(from)
  }

  /** One retained event by id. */
  retainedEvent(ws: WorkspaceState, id: string): AccessEvent | undefined {
    const event = ws.events.get(id)
    const days = RETENTION_DAYS[ws.plan.plan]
    return event && (days === null || !precedes(event, this.clock - days * DAY, "", false)) ? event : undefined
  }

  // -- rendering (section 13 shapes) -------------------------------------------------------------------------

  /**
   * Dresses a rendered resource as the faults say (fields left out, unknown fields added). Renderers take
   * `dressed = false` for the server's filter, which tests conditions on the real fields.
   */
  present(resource: string, json: Record<string, unknown>, dressed = true): Record<string, unknown> {
    if (!dressed) return json
    const { extraFields, omitFields } = this.presentation
    for (const { field, resource: r } of omitFields) if (r === resource) delete json[field]
    if (extraFields) {
      json["x_region"] = "eu-west-2"
      json["x_labels"] = { tier: "gold", source: "simulator" }
    }
    return json
  }

  workspaceJsonOf(ws: WorkspaceState, dressed = true): Record<string, unknown> {
    return this.present("workspace", {
      id: ws.id,
      name: ws.name,
      slug: ws.slug,
      created_at: iso(ws.created_at),
      updated_at: iso(ws.updated_at),
      settings: ws.settings
    }, dressed)
  }

  membershipJson(m: Membership, dressed = true): Record<string, unknown> {
    return this.present("membership", {
      id: m.id,
      user_id: m.user_id,
      user_type: m.user_type,
      role: m.role,
      display_name: m.display_name,
      email: m.email,
      created_at: iso(m.created_at),
      updated_at: iso(m.updated_at)
    }, dressed)
  }

  robotJson(r: Robot, dressed = true): Record<string, unknown> {
    return this.present("robot", {
      id: r.id,
      membership_id: r.membership_id,
      display_name: r.display_name,
      description: r.description,
      role: r.role,
      created_at: iso(r.created_at)
    }, dressed)
  }

  tokenJson(t: Token, dressed = true): Record<string, unknown> {
    return this.present("token", {
      id: t.id,
      name: t.name,
      token_suffix: t.token.slice(-4),
      status: this.tokenStatus(t),
      created_at: iso(t.created_at),
      expires_at: isoOrNull(t.expires_at),
      last_used_at: isoOrNull(t.last_used_at),
      revoked_at: isoOrNull(t.revoked_at)
    }, dressed)
  }

  invitationJson(i: Invitation, dressed = true): Record<string, unknown> {
    const status = i.status === "pending" && i.expires_at <= this.clock ? "expired" : i.status
    return this.present("invitation", {
      id: i.id,
      email: i.email,
      role: i.role,
      status,
      invited_by: i.invited_by,
      created_at: iso(i.created_at),
      expires_at: iso(i.expires_at),
      accepted_at: isoOrNull(i.accepted_at),
      revoked_at: isoOrNull(i.revoked_at)
    }, dressed)
  }

  webhookJson(w: Webhook, dressed = true): Record<string, unknown> {
    return this.present("webhook", { id: w.id, url: w.url, label: w.label, active: w.active, created_at: iso(w.created_at) }, dressed)
  }

  subscriptionJson(s: { id: string; event_type: string }, dressed = true): Record<string, unknown> {
    return this.present("subscription", { id: s.id, event_type: s.event_type }, dressed)
  }

  eventJson(e: AccessEvent, dressed = true): Record<string, unknown> {
    return this.present("event", {
      id: e.id,
      event_type: e.event_type,
      resource_type: e.resource_type,
      resource_id: e.resource_id,
      actor: { ...e.actor },
      created_at: iso(e.created_at),
      data: e.data
    }, dressed)
  }

  planJsonOf(ws: WorkspaceState, dressed = true): Record<string, unknown> {
    const usage: Record<string, { used: number; limit: number | null }> = {}
    for (const d of dimensions) usage[d] = { used: this.used(ws, d), limit: ws.plan.limits[d] }
    return this.present("plan", {
      plan: ws.plan.plan,
      overage_enabled: ws.plan.overage_enabled,
      billing_period: { start: iso(ws.plan.period_start), end: iso(addMonth(ws.plan.period_start)) },
      usage
    }, dressed)
  }

  // -- ground truth: exactly what the API would return now ----------------------------------------------------

  list(collection: ListCollection, workspaceId?: string): Array<Record<string, unknown>> {
    const ws = this.workspace(workspaceId)
    switch (collection) {
      case "memberships":
        return ws.memberships.items.map((m) => this.membershipJson(m))
      case "robots":
        return ws.robots.items.map((r) => this.robotJson(r))
      case "invitations":
        return ws.invitations.items.map((i) => this.invitationJson(i))
      case "webhooks":
        return ws.webhooks.items.map((w) => this.webhookJson(w))
      case "events":
        return this.retainedEvents(ws).map((e) => this.eventJson(e))
    }
  }

  tokens(userId: string, workspaceId?: string): Array<Record<string, unknown>> {
    return (this.workspace(workspaceId).tokens.get(userId)?.items ?? []).map((t) => this.tokenJson(t))
  }

  subscriptions(webhookId: string, workspaceId?: string): Array<Record<string, unknown>> {
    return (this.workspace(workspaceId).webhooks.get(webhookId)?.subscriptions ?? []).map((s) => this.subscriptionJson(s))
  }

  workspaceJson(workspaceId?: string): Record<string, unknown> {
    return this.workspaceJsonOf(this.workspace(workspaceId))
  }

  planJson(workspaceId?: string): Record<string, unknown> {
    return this.planJsonOf(this.workspace(workspaceId))
  }
}
