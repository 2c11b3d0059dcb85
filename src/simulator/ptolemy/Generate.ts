/**
 * A world from a seed and a size: a workspace with a realistic mix of members, robots and their tokens (healthy,
 * forgotten, never expiring, half-rotated), invitations in every state, webhooks and a plan, with an access log of
 * the last year. The same seed and size always give the same world.
 */
import { Random } from "./Random.js"
import {
  type AccessEvent,
  type Actor,
  type Invitation,
  type Membership,
  Ordered,
  type PlanName,
  type Robot,
  type Role,
  type Token,
  type UsageProfile,
  type Webhook,
  World,
  type WorkspaceState
} from "./World.js"

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

const DAY = 86_400_000

const FIRST = ["ada", "alan", "grace", "linus", "margaret", "ken", "barbara", "donald", "frances", "edsger", "radia",
  "tim", "sophie", "john", "karen", "dennis", "hedy", "claude", "anita", "guido", "joan", "niklaus", "lynn", "bjarne"]
const LAST = ["lovelace", "turing", "hopper", "torvalds", "hamilton", "thompson", "liskov", "knuth", "allen", "dijkstra",
  "perlman", "berners", "wilson", "backus", "jones", "ritchie", "lamarr", "shannon", "borg", "rossum", "clarke", "wirth"]
const ROBOT_NAMES = ["ci-deploy", "grafana-export", "pricing-sync", "risk-nightly", "reconciler", "bi-extract",
  "alerts-bridge", "backfill", "terraform", "airflow", "dbt-runner", "compliance-feed", "market-data", "ledger-sync"]
export const EVENT_TYPES = ["instrument.created", "instrument.updated", "market.created", "membership.created",
  "time_series_value.created", "webhook.updated"]

export interface WorkspaceSpec {
  readonly name: string
  readonly slug: string
  readonly size: WorldSize
  readonly plan: PlanName
}

const humanRole = (rng: Random, index: number, admins: number): Role => {
  if (index < admins) return "admin"
  const x = rng.next()
  return x < 0.08 ? "editor" : x < 0.53 ? "member" : "viewer"
}

/** An email unique within the workspace (the index makes it so): mostly on the main domain, ~3% outside it. */
export const emailFor = (rng: Random, index: number, outside = rng.chance(0.03)): string => {
  const name = `${rng.pick(FIRST)}.${rng.pick(LAST)}${index}`
  return `${name}@${outside ? rng.pick(OUTSIDE_DOMAINS) : MAIN_DOMAIN}`
}

const displayName = (email: string) =>
  email.split("@")[0]!.replace(/\d+$/, "").split(".").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ")

export const generateWorkspace = (world: World, rng: Random, spec: WorkspaceSpec): WorkspaceState => {
  const now = world.nowMs()
  // A workspace always has its creator, an admin (DOC).
  const size = { ...spec.size, humans: Math.max(1, Math.floor(spec.size.humans)) }
  const id = world.newId()
  const ws: WorkspaceState = {
    id,
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
  ws.plan.api_calls = Math.round((ws.plan.limits.api_calls ?? 250_000) * 0.4 * ((now - ws.plan.period_start) / (30 * DAY)))
  const events: Array<AccessEvent> = []
  const log = (at: number, event_type: string, resource_type: string, resource_id: string, actor: Actor, data: Record<string, unknown>) =>
    events.push({ id: world.newId(), created_at: at, event_type, resource_type, resource_id, actor, data })

  // Humans: the first few are admins (more than three in larger workspaces: an audit finding).
  const admins = size.humans >= 50 ? 4 : Math.min(2, size.humans)
  const humans: Array<Membership> = []
  for (let i = 0; i < size.humans; i++) {
    // Every 25th member (from the fourth) is outside the main domain, so even a small world has some.
    const email = i % 25 === 3 ? emailFor(rng, i, true) : emailFor(rng, i)
    const created = i < admins ? ws.created_at + i * DAY : now - rng.int(1, 400) * DAY - rng.int(0, DAY - 1)
    humans.push({
      id: world.newId(),
      user_id: world.newId(),
      user_type: "human",
      role: humanRole(rng, i, admins),
      display_name: displayName(email),
      email,
      created_at: created,
      updated_at: created
    })
  }
  const owner: Actor = { id: humans[0]!.user_id, type: "human", display_name: humans[0]!.display_name }
  for (const m of humans) {
    log(m.created_at, "membership.created", "membership", m.id, owner, { user_type: "human", role: m.role, email: m.email })
  }

  // Robots and their tokens, with the mix an audit finds in real workspaces.
  const robotMemberships: Array<Membership> = []
  const robots: Array<Robot> = []
  for (let i = 0; i < size.robots; i++) {
    const scenario = SCENARIOS[i]
    // Scenario robots exist from well before their tokens (the oldest token is ~420 days old).
    const created = scenario ? now - rng.int(430, 500) * DAY - rng.int(0, DAY - 1) : now - rng.int(20, 500) * DAY - rng.int(0, DAY - 1)
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
    robotMemberships.push(membership)
    robots.push({
      id: userId,
      created_at: created,
      membership_id: membership.id,
      display_name: name,
      description: rng.chance(0.5) ? `Service account for ${name.replace(/-\d+$/, "")}` : null,
      role,
      upkeep: scenario === undefined ? "normal" : scenario === "monthly-a" || scenario === "monthly-b" ? "monthly" : "neglected"
    })
    log(created, "membership.created", "membership", membership.id, owner, { user_type: "robot", role, display_name: name })
    ws.tokens.set(userId, new Ordered<Token>())
  }
  for (const [i, robot] of robots.entries()) {
    const scenario = SCENARIOS[i]
    const tokens = scenario ? scenarioTokens(world, rng, robot, scenario, now) : generateTokens(world, rng, robot, size.tokensPerRobot, now)
    ws.tokens.get(robot.id)!.load(tokens)
    for (const t of tokens) {
      log(t.created_at, "robot_token.created", "robot_token", t.id, owner, { robot_id: robot.id })
      if (t.revoked_at !== null) log(t.revoked_at, "robot_token.revoked", "robot_token", t.id, owner, { robot_id: robot.id })
    }
  }
  ws.memberships.load([...humans, ...robotMemberships])
  ws.humans.load(humans)
  for (const h of humans) ws.emails.set(h.email!, h.id)
  ws.robots.load(robots)

  // Invitations in every state. Pending ones are about a week's worth of invitations (they expire after 7 days), so
  // a large workspace's history is mostly settled ones. The first three are the unanswered ones the churn keeps
  // sending every other day (see Churn): 5.5, 3.5 and 1.5 days old, the oldest for an admin and expiring within 48
  // hours; the next two are settled as expired and revoked, so every status is there from the start.
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
      const invitee: Actor = { id: world.newId(), type: "human", display_name: displayName(email) }
      log(inv.accepted_at, "invitation.accepted", "invitation", inv.id, invitee, { email })
    }
    if (inv.revoked_at !== null) log(inv.revoked_at, "invitation.revoked", "invitation", inv.id, by, { email })
    if (status === "expired") log(inv.expires_at, "invitation.expired", "invitation", inv.id, world.system(ws), { email })
  }
  ws.invitations.load(invitations)

  // Webhooks: the second posts over plain HTTP (an audit finding), the last is inactive.
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
  ws.webhooks.load(webhooks)
  ws.events.load(events)
  return ws
}

/**
 * The first robots of every workspace play fixed parts, so that each token and robot finding an audit looks for is
 * there from day one and stays there through churn (a `neglected` robot is never rotated or deleted; the two
 * `monthly` ones renew 25 days into a 28-day token, 14 days apart, so a token is always within 14 days of expiry).
 * The remaining robots draw their state at random.
 */
export type Scenario =
  | "never-expires"
  | "long-lived"
  | "stale"
  | "never-used"
  | "half-rotated"
  | "idle"
  | "monthly-a"
  | "monthly-b"
export const SCENARIOS: ReadonlyArray<Scenario> = [
  "never-expires", "long-lived", "stale", "never-used", "half-rotated", "idle", "monthly-a", "monthly-b"
]
/** Monthly robots: a 28-day token, its successor made 25 days in. */
export const MONTHLY_LIFETIME = 28 * DAY
export const MONTHLY_RENEWAL = 25 * DAY

const scenarioTokens = (world: World, rng: Random, robot: Robot, scenario: Scenario, now: number): Array<Token> => {
  const hour = () => rng.int(0, 3_600_000)
  const make = (created: number, lifetime: number | null, usage: UsageProfile, lastUsed: number | null): Token => ({
    id: world.newId(),
    created_at: created,
    robot_id: robot.id,
    usage,
    name: `${robot.display_name}-${scenario}`,
    token: world.newToken(),
    expires_at: lifetime === null ? null : created + lifetime,
    last_used_at: lastUsed,
    revoked_at: null
  })
  const recently = () => now - rng.int(1, 20) * 3_600_000
  switch (scenario) {
    case "never-expires":
      return [make(now - 420 * DAY - hour(), null, "daily", recently())]
    case "long-lived":
      return [make(now - rng.int(100, 150) * DAY - hour(), 540 * DAY, "weekly", now - rng.int(1, 5) * DAY)]
    case "stale":
      return [make(now - rng.int(200, 260) * DAY - hour(), 365 * DAY, "stale", now - rng.int(50, 70) * DAY)]
    case "never-used":
      return [make(now - rng.int(20, 40) * DAY - hour(), 365 * DAY, "never", null)]
    case "half-rotated":
      return [
        make(now - rng.int(150, 200) * DAY - hour(), 365 * DAY, "daily", recently()),
        make(now - rng.int(10, 20) * DAY - hour(), 365 * DAY, "daily", recently())
      ]
    case "idle": {
      const old = make(now - rng.int(300, 360) * DAY, 180 * DAY, "stale", null)
      old.last_used_at = old.expires_at! - rng.int(1, 10) * DAY
      const last = make(now - rng.int(100, 200) * DAY, 365 * DAY, "stale", null)
      last.revoked_at = now - rng.int(5, 30) * DAY
      last.last_used_at = last.revoked_at - rng.int(0, DAY)
      return [old, last]
    }
    case "monthly-a":
    case "monthly-b": {
      // The current token is 20 (a) or 6 (b) days old; three predecessors, each replaced 25 days in, then expired.
      const current = now - (scenario === "monthly-a" ? 20 : 6) * DAY - hour()
      const tokens: Array<Token> = []
      for (let k = 3; k >= 0; k--) {
        const created = current - k * MONTHLY_RENEWAL
        tokens.push(make(created, MONTHLY_LIFETIME, k === 0 ? "daily" : "stale", k === 0 ? recently() : created + MONTHLY_RENEWAL))
      }
      return tokens
    }
  }
}

/** A robot's tokens: a history of rotated ones, then its current state, drawn from the mix audits find. */
const generateTokens = (world: World, rng: Random, robot: Robot, average: number, now: number): Array<Token> => {
  const count = Math.max(1, Math.round(average + (rng.next() - 0.5) * 2))
  const profile = rng.next()
  const tokens: Array<Token> = []
  const make = (created: number, lifetimeDays: number | null, usage: UsageProfile): Token => ({
    id: world.newId(),
    created_at: created,
    robot_id: robot.id,
    usage,
    name: rng.chance(0.5) ? `${robot.display_name}-${new Date(created).getUTCFullYear()}` : null,
    token: world.newToken(),
    expires_at: lifetimeDays === null ? null : created + lifetimeDays * DAY,
    last_used_at: null,
    revoked_at: null
  })
  // Older, rotated tokens: revoked a few days after their successor, or simply expired.
  let at = Math.max(robot.created_at, now - 400 * DAY)
  for (let i = 0; i < count - 1; i++) {
    const t = make(at, rng.int(60, 180), "daily")
    at = Math.min(now - 20 * DAY, at + rng.int(40, 120) * DAY)
    // Revoked a few days after its successor came, unless it had expired by then.
    const revokeAt = Math.min(now - DAY, at + rng.int(1, 5) * DAY)
    if (rng.chance(0.7) && revokeAt < t.expires_at!) t.revoked_at = revokeAt
    t.last_used_at = Math.min(t.revoked_at ?? t.expires_at ?? at, at)
    tokens.push(t)
  }
  const u = rng.next()
  const usage: UsageProfile = u < 0.6 ? "daily" : u < 0.7 ? "weekly" : u < 0.9 ? "stale" : "never"
  // A stale token was last used long ago, so it must be older still.
  const created = Math.max(at, now - rng.int(usage === "stale" ? 60 : 10, usage === "stale" ? 300 : 200) * DAY)
  const l = rng.next()
  const lifetime = l < 0.12 ? null : l < 0.27 ? rng.int(400, 730) : rng.int(90, 365)
  const current = make(created, lifetime, usage)
  // Keep the current token valid at the start; some expire within the next weeks (an integration about to break).
  if (current.expires_at !== null && current.expires_at <= now + DAY) current.expires_at = now + rng.int(3, 40) * DAY
  current.last_used_at = usage === "never"
    ? null
    : usage === "stale"
    ? Math.max(created, now - rng.int(50, 200) * DAY)
    : Math.max(created, now - rng.int(0, usage === "weekly" ? 6 : 1) * DAY - rng.int(0, DAY - 1))
  tokens.push(current)
  if (profile < 0.08) {
    // An idle robot: its last token was revoked and never replaced.
    current.revoked_at = now - rng.int(2, 30) * DAY
  } else if (profile < 0.18) {
    // A rotation left half done: a second active token for over a week.
    const next = make(now - rng.int(8, 30) * DAY, rng.int(90, 365), "daily")
    next.last_used_at = now - rng.int(0, DAY - 1)
    tokens.push(next)
  }
  return tokens
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
