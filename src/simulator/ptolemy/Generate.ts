/**
 * A world from a seed and a size: a workspace with a realistic mix of members, robots and their tokens (healthy,
 * forgotten, never expiring, half-rotated), invitations in every state, webhooks and a plan, with an access log of
 * the last year, and the people directory that goes with it. The same seed and size always give the same world.
 */
import { Random } from "../kit/Random.js"
import { DAY } from "../kit/Time.js"
import { generateTokens, SCENARIOS, scenarioTokens } from "./GenerateTokens.js"
import {
  type AccessEvent,
  type Actor,
  type Invitation,
  type Membership,
  nameFromEmail,
  type PlanName,
  type Robot,
  type Role,
  type Token,
  type Webhook,
  type WorkspaceState
} from "./Model.js"
import { Ordered } from "./Ordered.js"
import { World } from "./World.js"

export interface WorldSize {
  /** Human memberships (at least one admin). */
  humans: number
  /** Robot users, each with a robot membership (viewer or member). */
  robots: number
  /** Average tokens per robot, of all states. */
  tokensPerRobot: number
  /** Invitations of every status. */
  invitations: number
  /** Webhooks with subscriptions (one plain-HTTP when there are three or more). */
  webhooks: number
}

export const WorldSizes: Record<"tiny" | "small" | "demo" | "large", WorldSize> = {
  tiny: { humans: 8, robots: 3, tokensPerRobot: 2, invitations: 4, webhooks: 3 },
  small: { humans: 60, robots: 8, tokensPerRobot: 2, invitations: 12, webhooks: 3 },
  demo: { humans: 150, robots: 15, tokensPerRobot: 2, invitations: 20, webhooks: 4 },
  large: { humans: 50_000, robots: 2_000, tokensPerRobot: 2, invitations: 5_000, webhooks: 20 }
}

export const MAIN_DOMAIN = "acme-capital.example"
export const OUTSIDE_DOMAINS = ["gmail.example", "contractor-mail.example"]

const FIRST = [
  "ada",
  "alan",
  "grace",
  "linus",
  "margaret",
  "ken",
  "barbara",
  "donald",
  "frances",
  "edsger",
  "radia",
  "tim",
  "sophie",
  "john",
  "karen",
  "dennis",
  "hedy",
  "claude",
  "anita",
  "guido",
  "joan",
  "niklaus",
  "lynn",
  "bjarne"
]
const LAST = [
  "lovelace",
  "turing",
  "hopper",
  "torvalds",
  "hamilton",
  "thompson",
  "liskov",
  "knuth",
  "allen",
  "dijkstra",
  "perlman",
  "berners",
  "wilson",
  "backus",
  "jones",
  "ritchie",
  "lamarr",
  "shannon",
  "borg",
  "rossum",
  "clarke",
  "wirth"
]
const ROBOT_NAMES = [
  "ci-deploy",
  "grafana-export",
  "pricing-sync",
  "risk-nightly",
  "reconciler",
  "bi-extract",
  "alerts-bridge",
  "backfill",
  "terraform",
  "airflow",
  "dbt-runner",
  "compliance-feed",
  "market-data",
  "ledger-sync"
]
export const EVENT_TYPES = [
  "instrument.created",
  "instrument.updated",
  "market.created",
  "membership.created",
  "time_series_value.created",
  "webhook.updated"
]

export interface WorkspaceSpec {
  readonly name: string
  readonly slug: string
  readonly size: WorldSize
  readonly plan: PlanName
}

/** An email unique within the workspace (the index makes it so): mostly on the main domain, ~3% outside it. */
export const emailFor = (rng: Random, index: number, outside = rng.chance(0.03)): string => {
  const name = `${rng.pick(FIRST)}.${rng.pick(LAST)}${index}`
  return `${name}@${outside ? rng.pick(OUTSIDE_DOMAINS) : MAIN_DOMAIN}`
}

type Log = (
  at: number,
  eventType: string,
  resourceType: string,
  resourceId: string,
  actor: Actor,
  data: Record<string, unknown>
) => void

/** The workspace with its plan, empty of members. */
const newWorkspace = (world: World, rng: Random, spec: WorkspaceSpec, size: WorldSize): WorkspaceState => {
  const now = world.nowMs()
  const ws: WorkspaceState = {
    id: world.newId(),
    created_at: now - 700 * DAY,
    slug: spec.slug,
    name: spec.name,
    updated_at: now - 30 * DAY,
    settings: { region: "eu-west-2", sso_enforced: false, default_role: "viewer" },
    memberships: new Ordered<Membership>(),
    humans: new Ordered<Membership>(),
    emails: new Map(),
    robots: new Ordered<Robot>(),
    tokens: new Map(),
    invitations: new Ordered<Invitation>(),
    webhooks: new Ordered<Webhook>(),
    events: new Ordered<AccessEvent>(),
    plan: {
      plan: spec.plan,
      overage_enabled: false,
      limits: {
        seats: Math.ceil(size.humans * 1.1) + 2,
        webhooks: Math.max(5, size.webhooks + 2),
        database_items: size.humans >= 10_000 ? 5_000_000 : 100_000,
        api_calls: Math.max(250_000, size.humans * 100)
      },
      database_items: 0,
      api_calls: 0,
      period_start: Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1)
    }
  }
  ws.plan.database_items = Math.round((ws.plan.limits.database_items ?? 100_000) * (0.68 + rng.next() * 0.04))
  // Robot traffic so far this billing period: about 40% of the quota over a whole month.
  ws.plan.api_calls = Math.round(
    (ws.plan.limits.api_calls ?? 250_000) * 0.4 * ((now - ws.plan.period_start) / (30 * DAY))
  )
  return ws
}

/** Humans: the first few are admins (more than three in larger workspaces: an audit finding). */
const generateHumans = (
  world: World,
  rng: Random,
  ws: WorkspaceState,
  count: number,
  admins: number
): Array<Membership> => {
  const now = world.nowMs()
  const humans: Array<Membership> = []
  for (let i = 0; i < count; i++) {
    // Every 25th member (from the fourth) is outside the main domain, so even a small world has some.
    const email = i % 25 === 3 ? emailFor(rng, i, true) : emailFor(rng, i)
    const created = i < admins ? ws.created_at + i * DAY : now - rng.int(1, 400) * DAY - rng.int(0, DAY - 1)
    const x = i < admins ? 0 : rng.next()
    const role: Role = i < admins ? "admin" : x < 0.08 ? "editor" : x < 0.53 ? "member" : "viewer"
    humans.push({
      id: world.newId(),
      user_id: world.newId(),
      user_type: "human",
      role,
      display_name: nameFromEmail(email),
      email,
      created_at: created,
      updated_at: created
    })
  }
  return humans
}

/** Robots and their tokens, with the mix an audit finds in real workspaces. */
const generateRobots = (world: World, rng: Random, ws: WorkspaceState, size: WorldSize, owner: Actor, log: Log) => {
  const now = world.nowMs()
  const memberships: Array<Membership> = []
  const robots: Array<Robot> = []
  for (let i = 0; i < size.robots; i++) {
    const scenario = SCENARIOS[i]
    // Scenario robots exist from well before their tokens (the oldest token is ~420 days old).
    const created = scenario
      ? now - rng.int(430, 500) * DAY - rng.int(0, DAY - 1)
      : now - rng.int(20, 500) * DAY - rng.int(0, DAY - 1)
    const userId = world.newId()
    const name = `${rng.pick(ROBOT_NAMES)}-${i + 1}`
    const role = rng.chance(0.6) ? "viewer" : "member"
    const membership: Membership = {
      id: world.newId(),
      user_id: userId,
      user_type: "robot",
      role,
      display_name: name,
      email: null,
      created_at: created,
      updated_at: created
    }
    memberships.push(membership)
    robots.push({
      id: userId,
      created_at: created,
      membership_id: membership.id,
      display_name: name,
      description: rng.chance(0.5) ? `Service account for ${name.replace(/-\d+$/, "")}` : null,
      role,
      upkeep: scenario === undefined
        ? "normal"
        : scenario === "monthly-a" || scenario === "monthly-b"
        ? "monthly"
        : "neglected"
    })
    log(created, "membership.created", "membership", membership.id, owner, {
      user_type: "robot",
      role,
      display_name: name
    })
    ws.tokens.set(userId, new Ordered<Token>())
  }
  for (const [i, robot] of robots.entries()) {
    const scenario = SCENARIOS[i]
    const tokens = scenario
      ? scenarioTokens(world, rng, robot, scenario, now)
      : generateTokens(world, rng, robot, size.tokensPerRobot, now)
    ws.tokens.get(robot.id)!.load(tokens)
    for (const t of tokens) {
      log(t.created_at, "robot_token.created", "robot_token", t.id, owner, { robot_id: robot.id })
      if (t.revoked_at !== null) {
        log(t.revoked_at, "robot_token.revoked", "robot_token", t.id, owner, { robot_id: robot.id })
      }
    }
  }
  return { robots, memberships }
}

/**
 * Invitations in every state. Pending ones are about a week's worth of invitations (they expire after 7 days), so
 * a large workspace's history is mostly settled ones. The first three are the unanswered ones the churn keeps
 * sending every other day (see Churn): 5.5, 3.5 and 1.5 days old, the oldest for an admin and expiring within 48
 * hours; the next two are settled as expired and revoked, so every status is there from the start.
 */
const generateInvitations = (
  world: World,
  rng: Random,
  ws: WorkspaceState,
  size: WorldSize,
  humans: ReadonlyArray<Membership>,
  admins: number,
  owner: Actor,
  log: Log
): Array<Invitation> => {
  const now = world.nowMs()
  const invitations: Array<Invitation> = []
  const pendingShare = Math.min(0.3, Math.max(3, size.humans * 0.01) / Math.max(1, size.invitations))
  for (let i = 0; i < size.invitations; i++) {
    const x = rng.next()
    const unanswered = i < 3
    const email = emailFor(rng, size.humans + 1000 + i, unanswered && i !== 0 ? true : undefined)
    const pending = unanswered || (i > 4 && x < pendingShare)
    const created = unanswered
      ? now - (5.5 - 2 * i) * DAY - rng.int(0, 3_600_000)
      : pending
      ? now - rng.int(0, 6 * 24) * 3_600_000 - rng.int(0, 3_599_999)
      : now - rng.int(8, 300) * DAY
    const y = rng.next()
    const status: Invitation["status"] = pending
      ? "pending"
      : i === 3
      ? "expired"
      : i === 4
      ? "revoked"
      : y < 0.6
      ? "accepted"
      : y < 0.85
      ? "expired"
      : "revoked"
    const inv: Invitation = {
      id: world.newId(),
      created_at: created,
      email,
      role: i === 0 ? "admin" : rng.chance(0.6) ? "member" : "viewer",
      status,
      invited_by: humans[rng.int(0, Math.max(0, admins - 1))]?.id ?? null,
      expires_at: created + 7 * DAY,
      accepted_at: status === "accepted" ? created + rng.int(1, 6 * 24) * 3_600_000 : null,
      revoked_at: status === "revoked" ? created + rng.int(1, 6 * 24) * 3_600_000 : null,
      unanswered
    }
    invitations.push(inv)
    // Actors as the World would log them: the inviter sends and revokes, the invitee accepts (a member who has
    // since left), the service expires.
    const inviter = humans.find((h) => h.id === inv.invited_by)
    const by: Actor = inviter ? world.actorOf(inviter) : owner
    log(created, "invitation.created", "invitation", inv.id, by, { email, role: inv.role })
    if (inv.accepted_at !== null) {
      const invitee: Actor = { id: world.newId(), type: "human", display_name: nameFromEmail(email) }
      log(inv.accepted_at, "invitation.accepted", "invitation", inv.id, invitee, { email })
    }
    if (inv.revoked_at !== null) log(inv.revoked_at, "invitation.revoked", "invitation", inv.id, by, { email })
    if (status === "expired") {
      log(inv.expires_at, "invitation.expired", "invitation", inv.id, world.system(ws), { email })
    }
  }
  return invitations
}

/** Webhooks: the second posts over plain HTTP (an audit finding), the last is inactive. */
const generateWebhooks = (world: World, rng: Random, size: WorldSize): Array<Webhook> => {
  const now = world.nowMs()
  const webhooks: Array<Webhook> = []
  for (let i = 0; i < size.webhooks; i++) {
    const label = `${rng.pick(["alerts", "warehouse", "slack", "siem", "ops"])}-${i + 1}`
    const insecure = size.webhooks >= 3 && i === 1
    const created = now - rng.int(30, 400) * DAY
    webhooks.push({
      id: world.newId(),
      created_at: created,
      url: `${insecure ? "http" : "https"}://hooks.${MAIN_DOMAIN}/${label}`,
      label,
      active: i !== size.webhooks - 1 || size.webhooks < 2,
      subscriptions: (rng.chance(0.3) ? ["*"] : EVENT_TYPES.filter(() => rng.chance(0.4))).map((event_type) => ({
        id: world.newId(),
        event_type
      }))
    })
  }
  return webhooks
}

/**
 * The directory's fixed parts (see Roster): the second admin has left the company but was never removed, so the
 * robots the churn has them create have an owner who left; the first member outside the company's domain who is not
 * an admin (preferably on the contractors' mail domain) is a contractor in no directory. Chosen from what the
 * world already is, so that the world is the same with or without the directory.
 */
const rosterParts = (humans: ReadonlyArray<Membership>, admins: number) => {
  const outside = humans.filter((h, i) => i >= admins && !h.email!.endsWith(`@${MAIN_DOMAIN}`))
  const contractor = outside.find((h) => h.email!.endsWith("@contractor-mail.example")) ?? outside[0]
  return { leaver: admins >= 2 ? humans[1] : undefined, contractor }
}

export const generateWorkspace = (world: World, rng: Random, spec: WorkspaceSpec): WorkspaceState => {
  // A workspace always has its creator, an admin (DOC).
  const size = { ...spec.size, humans: Math.max(1, Math.floor(spec.size.humans)) }
  const ws = newWorkspace(world, rng, spec, size)
  const events: Array<AccessEvent> = []
  const log: Log = (at, event_type, resource_type, resource_id, actor, data) => {
    events.push({ id: world.newId(), created_at: at, event_type, resource_type, resource_id, actor, data })
  }
  const admins = size.humans >= 50 ? 4 : Math.min(2, size.humans)
  const humans = generateHumans(world, rng, ws, size.humans, admins)
  const owner: Actor = { id: humans[0]!.user_id, type: "human", display_name: humans[0]!.display_name }
  for (const m of humans) {
    log(m.created_at, "membership.created", "membership", m.id, owner, {
      user_type: "human",
      role: m.role,
      email: m.email
    })
  }
  const robots = generateRobots(world, rng, ws, size, owner, log)
  ws.memberships.load([...humans, ...robots.memberships])
  ws.humans.load(humans)
  for (const h of humans) ws.emails.set(h.email!, h.id)
  ws.robots.load(robots.robots)
  ws.invitations.load(generateInvitations(world, rng, ws, size, humans, admins, owner, log))
  ws.webhooks.load(generateWebhooks(world, rng, size))
  ws.events.load(events)
  const parts = rosterParts(humans, admins)
  world.roster.seedWorkspace(ws, parts.leaver, parts.contractor)
  return ws
}

export interface WorldOptions {
  readonly seed: number
  readonly size: WorldSize
  readonly start: number
  readonly workspace: { readonly name: string; readonly slug: string }
  readonly extraWorkspaces: number
  readonly plan: PlanName
}

export const generateWorld = (options: WorldOptions): World => {
  const world = new World(options.start, options.seed)
  const rng = Random.of(options.seed, "generate")
  world.workspaces.push(generateWorkspace(world, rng, { ...options.workspace, size: options.size, plan: options.plan }))
  for (let i = 0; i < options.extraWorkspaces; i++) {
    world.workspaces.push(
      generateWorkspace(world, rng, {
        name: `${options.workspace.name} ${i + 2}`,
        slug: `${options.workspace.slug}-${i + 2}`,
        size: options.size,
        plan: options.plan
      })
    )
  }
  world.indexTokens()
  return world
}
