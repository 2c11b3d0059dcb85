/**
 * The simulated Ptolemy service: its workspaces, a simulated clock, the people directory, and the scenario methods
 * tests and the churn change it through. Each method acts at the simulated now, keeps the documented invariants
 * (reference sections 2, 4, 5, 9, 11) and appends the access event the reference says is logged, with an actor (by
 * default the workspace's first admin). The capabilities live in their own files; this is their one front.
 */
import { Random } from "../kit/Random.js"
import { retainedEvents } from "./AccessLog.js"
import {
  acceptInvitation,
  expireInvitations,
  type InvitationInput,
  revokeInvitation,
  sendInvitation
} from "./Invitations.js"
import { addHuman, changeRole, readdMember, removeMembership } from "./Members.js"
import { type PlanChange, rollPeriods, setPlan } from "./Metering.js"
import type { AccessEvent, Actor, Membership, Role, Token, WorkspaceState } from "./Model.js"
import { WorldError } from "./Model.js"
import { Presenter, tokenStatus } from "./Present.js"
import {
  createRobot,
  createToken,
  deleteRobot,
  revokeToken,
  type RobotInput,
  type TokenInput,
  useToken
} from "./Robots.js"
import { Roster } from "./Roster.js"
import { createWebhook, deleteWebhook, updateWebhook, type WebhookInput } from "./Webhooks.js"

type Json = Record<string, unknown>

export type ListCollection = "memberships" | "robots" | "invitations" | "webhooks" | "events"

export class World {
  readonly workspaces: Array<WorkspaceState> = []
  /** Robots and tokens the churn engine leaves alone (the simulator's own test principals). */
  readonly pinned = new Set<string>()
  /** Robot tokens by plaintext, for authentication. */
  readonly tokenIndex = new Map<
    string,
    { readonly workspaceId: string; readonly robotId: string; readonly tokenId: string }
  >()
  readonly render: Presenter
  readonly roster: Roster
  private clock: number
  private readonly ids: Random

  constructor(start: number, seed: number) {
    this.clock = start
    this.ids = Random.of(seed, "world-ids")
    this.render = new Presenter(() => this.clock)
    this.roster = new Roster(seed, () => this.clock)
  }

  // -- clock, ids, lookups ---------------------------------------------------------------------------------------

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
    for (const ws of this.workspaces) {
      expireInvitations(this, ws)
      rollPeriods(ws, this.clock)
    }
  }

  newId(): string {
    return this.ids.uuid()
  }
  newToken(): string {
    return `ptk_live_${this.ids.hex(64)}`
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
  /** The service itself (invitations expiring): the pinned actor type has only human and robot. */
  system(ws: WorkspaceState): Actor {
    return { id: ws.id, type: "human", display_name: "Ptolemy" }
  }

  tokenStatus(t: Token): "active" | "revoked" | "expired" {
    return tokenStatus(t, this.clock)
  }

  /** The human members, in list order (a live view: do not mutate). */
  humans(ws: WorkspaceState): ReadonlyArray<Membership> {
    return ws.humans.items
  }

  record(
    ws: WorkspaceState,
    eventType: string,
    resourceType: string,
    resourceId: string,
    actor: Actor,
    data: Json,
    at = this.clock
  ): void {
    const event: AccessEvent = {
      id: this.newId(),
      created_at: at,
      event_type: eventType,
      resource_type: resourceType,
      resource_id: resourceId,
      actor,
      data
    }
    ws.events.add(event)
  }

  // -- scenario methods (each takes an optional workspace, id or slug, and an optional actor) ----------------------

  addHuman(input: { email: string; role: Role; displayName?: string }, workspace?: string, actor?: Actor): Json {
    return this.render.membership(addHuman(this, this.workspace(workspace), input, actor))
  }
  changeRole(membershipId: string, role: Role, workspace?: string, actor?: Actor): Json {
    return this.render.membership(changeRole(this, this.workspace(workspace), membershipId, role, actor))
  }
  /** A robot's removal deletes the robot and revokes its tokens; `leaver`: the person left the company (the roster). */
  removeMembership(membershipId: string, workspace?: string, actor?: Actor, options: { leaver?: boolean } = {}): void {
    removeMembership(this, this.workspace(workspace), membershipId, actor, options.leaver)
  }
  /** A test hook: the last removed member with this email joins again, out of band (a new membership). */
  readdMember(email: string, options: { role?: Role } = {}, workspace?: string, actor?: Actor): Json {
    return this.render.membership(readdMember(this, this.workspace(workspace), email, options.role, actor))
  }
  /** A test hook: the human member with this email, as the API shows them. */
  memberByEmail(email: string, workspace?: string): Json | undefined {
    const ws = this.workspace(workspace)
    const id = ws.emails.get(email)
    const m = id === undefined ? undefined : ws.memberships.get(id)
    return m === undefined ? undefined : this.render.membership(m)
  }
  createRobot(input: RobotInput, workspace?: string, actor?: Actor, createdAt = this.clock): Json {
    return this.render.robot(createRobot(this, this.workspace(workspace), input, actor, createdAt))
  }
  deleteRobot(userId: string, workspace?: string, actor?: Actor): void {
    deleteRobot(this, this.workspace(workspace), userId, actor)
  }
  /** A new token for a robot: the plaintext (shown once) and the record. */
  createToken(
    userId: string,
    input: TokenInput = {},
    workspace?: string,
    actor?: Actor,
    createdAt = this.clock
  ): { token: string; record: Json } {
    const token = createToken(this, this.workspace(workspace), userId, input, actor, createdAt)
    return { token: token.token, record: this.render.token(token) }
  }
  revokeToken(userId: string, tokenId: string, workspace?: string, actor?: Actor): void {
    revokeToken(this, this.workspace(workspace), userId, tokenId, actor)
  }
  useToken(tokenId: string, at?: Date, workspace?: string): void {
    useToken(this.workspace(workspace), tokenId, at === undefined ? this.clock : at.getTime())
  }
  /** The server's path: the token is already in hand, so no search. */
  markUsed(token: Token): void {
    token.last_used_at = this.clock
  }
  sendInvitation(input: InvitationInput, workspace?: string, actor?: Actor): Json {
    return this.render.invitation(sendInvitation(this, this.workspace(workspace), input, actor))
  }
  /** The dashboard's emailed link (no API endpoint exists): the invitee becomes a human member. */
  acceptInvitation(id: string, workspace?: string): Json {
    return this.render.membership(acceptInvitation(this, this.workspace(workspace), id))
  }
  revokeInvitation(id: string, workspace?: string, actor?: Actor): void {
    revokeInvitation(this, this.workspace(workspace), id, actor)
  }
  createWebhook(input: WebhookInput, workspace?: string, actor?: Actor): Json {
    return this.render.webhook(createWebhook(this, this.workspace(workspace), input, actor))
  }
  updateWebhook(id: string, patch: Partial<WebhookInput>, workspace?: string, actor?: Actor): Json {
    return this.render.webhook(updateWebhook(this, this.workspace(workspace), id, patch, actor))
  }
  deleteWebhook(id: string, workspace?: string, actor?: Actor): void {
    deleteWebhook(this, this.workspace(workspace), id, actor)
  }
  setPlan(input: PlanChange, workspace?: string): void {
    setPlan(this.workspace(workspace), input)
  }
  /** Sets a metered figure (seats and webhooks are counted from the world and cannot be set). */
  setUsed(dimension: "database_items" | "api_calls", used: number, workspace?: string): void {
    this.workspace(workspace).plan[dimension] = used
  }

  // -- ground truth: exactly what the API would return now --------------------------------------------------------

  list(collection: ListCollection, workspaceId?: string): Array<Json> {
    const ws = this.workspace(workspaceId)
    switch (collection) {
      case "memberships":
        return ws.memberships.items.map((m) => this.render.membership(m))
      case "robots":
        return ws.robots.items.map((r) => this.render.robot(r))
      case "invitations":
        return ws.invitations.items.map((i) => this.render.invitation(i))
      case "webhooks":
        return ws.webhooks.items.map((w) => this.render.webhook(w))
      case "events":
        return retainedEvents(ws, this.clock).map((e) => this.render.event(e))
    }
  }
  tokens(userId: string, workspaceId?: string): Array<Json> {
    return (this.workspace(workspaceId).tokens.get(userId)?.items ?? []).map((t) => this.render.token(t))
  }
  subscriptions(webhookId: string, workspaceId?: string): Array<Json> {
    return (this.workspace(workspaceId).webhooks.get(webhookId)?.subscriptions ?? []).map((s) =>
      this.render.subscription(s)
    )
  }
  workspaceJson(workspaceId?: string): Json {
    return this.render.workspace(this.workspace(workspaceId))
  }
  planJson(workspaceId?: string): Json {
    return this.render.plan(this.workspace(workspaceId))
  }
  /** The company's people directory as CSV (`email,status,terminated_on,name,manager,department`), as of now. */
  rosterCsv(): string {
    return this.roster.csv()
  }
  /** A test hook: what the directory says of one person (added when absent). */
  setRosterEntry(
    email: string,
    patch: {
      status?: "active" | "terminated" | "suspended"
      terminatedOn?: string | null
      name?: string
      manager?: string
      department?: string
    }
  ): void {
    const { terminatedOn, ...rest } = patch
    this.roster.directory.set(email, {
      ...rest,
      ...(terminatedOn === undefined ? {} : { terminatedOn: terminatedOn === null ? null : Date.parse(terminatedOn) })
    })
  }
}
