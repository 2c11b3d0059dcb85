/**
 * The simulated clock moving a day at a time, with the churn of a real workspace at random moments of each day:
 * invitations sent, accepted, revoked and expiring; members leaving and changing role; robots created and deleted;
 * tokens used, going stale, rotated (sometimes with the old one forgotten), revoked and expiring; webhooks added,
 * changed and removed; usage growing toward the plan's limits. Rates scale with the workspace, so a 50,000-member
 * one changes by about 0.1% a day, while a demo-sized one still shows every kind of change within 90 days.
 */
import { Random } from "../kit/Random.js"
import { DAY } from "../kit/Time.js"
import { emailFor, EVENT_TYPES, MAIN_DOMAIN } from "./Generate.js"
import { MONTHLY_LIFETIME, MONTHLY_RENEWAL } from "./GenerateTokens.js"
import type { Actor, Membership, Role, Token, WorkspaceState } from "./Model.js"
import type { World } from "./World.js"

interface Pending {
  readonly at: number
  readonly run: () => void
}

/** Roles of the unanswered invitations, in turn: an admin one every six days keeps one pending at all times. */
const UNANSWERED_ROLES: ReadonlyArray<Role> = ["admin", "member", "viewer"]

/** The churn does not let admins step down or leave below this many. */
const MIN_ADMINS = 4

export class Churn {
  private readonly rng: Random
  /** Old tokens due to be revoked once their successor is in use (rotation's second half). */
  private readonly revocations: Array<{ at: number; ws: string; robot: string; token: string }> = []
  private counter = 0
  /** Days advanced so far: the unanswered invitations go out every other day. */
  private days = 0
  /** The admins of the day, per workspace (worked out once a day: they rarely change). */
  private readonly admins = new Map<WorkspaceState, Array<Membership>>()

  constructor(private readonly world: World, seed: number, private readonly multiplier: number) {
    this.rng = Random.of(seed, "churn")
  }

  advanceDays(days: number): void {
    for (let d = 0; d < days; d++) this.day()
  }

  private day(): void {
    const start = this.world.nowMs()
    const actions: Array<Pending> = []
    if (this.multiplier > 0) { for (const ws of this.world.workspaces) this.plan(ws, start, actions) }
    for (const r of this.revocations.splice(0)) {
      if (r.at < start + DAY) {
        actions.push({
          at: r.at,
          run: () => this.tryIt(() => this.world.revokeToken(r.robot, r.token, r.ws))
        })
      } else this.revocations.push(r)
    }
    // Stable sort: actions at the same instant keep the order they were planned in (determinism).
    actions.sort((a, b) => a.at - b.at)
    for (const action of actions) {
      this.world.setNow(Math.max(action.at, this.world.nowMs()))
      action.run()
    }
    this.world.setNow(start + DAY)
    this.days++
  }

  /** An action that may meet a documented refusal (last admin, seats full): the world stays consistent. */
  private tryIt(run: () => void): void {
    try {
      run()
    } catch {
      // refused by an invariant: nothing happened
    }
  }

  private at(start: number): number {
    return start + this.rng.int(60_000, DAY - 60_000)
  }

  /** How many times something with this daily rate happens today. */
  private times(rate: number): number {
    return this.rng.poisson(rate * this.multiplier)
  }

  private adminMember(ws: WorkspaceState): Membership | undefined {
    const admins = this.admins.get(ws) ?? []
    return admins.length > 0 ? this.rng.pick(admins) : undefined
  }

  private adminActor(ws: WorkspaceState): Actor {
    const admin = this.adminMember(ws)
    return admin ? this.world.actorOf(admin) : this.world.system(ws)
  }

  private invite(ws: WorkspaceState, email: string, role: Role, unanswered: boolean): void {
    const admin = this.adminMember(ws)
    this.world.sendInvitation(
      { email, role, unanswered, ...(admin ? { invitedBy: admin.id } : {}) },
      ws.id,
      admin ? this.world.actorOf(admin) : this.world.system(ws)
    )
  }

  private plan(ws: WorkspaceState, start: number, actions: Array<Pending>): void {
    const rng = this.rng
    const world = this.world
    const humans = world.humans(ws)
    this.admins.set(ws, humans.filter((m) => m.role === "admin"))
    const robots = ws.robots.size
    const add = (run: () => void, at = this.at(start)) => actions.push({ at, run: () => this.tryIt(run) })

    // Invitations: sent (3% for an admin), accepted within days, now and then revoked; every other day one goes to
    // someone who never answers (often outside the company), so one is always close to expiring.
    for (let i = this.times(Math.max(0.5, humans.length * 0.0006)); i > 0; i--) {
      add(() => {
        const role: Role = rng.chance(0.03) ? "admin" : rng.chance(0.6) ? "member" : "viewer"
        this.invite(ws, emailFor(rng, 200_000 + this.counter++), role, false)
      })
    }
    if (this.days % 2 === 0) {
      const n = this.days / 2
      add(() => this.invite(ws, emailFor(rng, 300_000 + this.counter++, n % 2 === 1), UNANSWERED_ROLES[n % 3]!, true))
    }
    for (const invitation of ws.invitations.items) {
      if (invitation.status !== "pending" || invitation.unanswered) continue
      if (rng.chance(0.25 * this.multiplier)) {
        add(() => {
          const seats = ws.plan.limits.seats
          // Seats are a hard limit: an admin buys more before the newcomer can join.
          if (seats !== null && world.humans(ws).length >= seats) ws.plan.limits.seats = Math.ceil(seats * 1.1)
          world.acceptInvitation(invitation.id, ws.id)
        })
      } else if (rng.chance(0.03 * this.multiplier)) {
        add(() => world.revokeInvitation(invitation.id, ws.id, this.adminActor(ws)))
      }
    }

    // Members leave and change role. Admins rarely step down, and never below four (where there were four): the
    // "more than three admins" finding stays true in the demo.
    const adminMayGo = () => {
      let admins = 0
      for (const m of world.humans(ws)) if (m.role === "admin") admins++
      return admins > MIN_ADMINS && rng.chance(0.2)
    }
    for (let i = this.times(Math.max(0.15, humans.length * 0.0004)); i > 0; i--) {
      add(() => {
        const all = world.humans(ws)
        const member = rng.pick(all)
        if (all.length > 1 && (member.role !== "admin" || adminMayGo())) {
          world.removeMembership(member.id, ws.id, this.adminActor(ws), { leaver: true }) // they left the company
        }
      })
    }
    for (let i = this.times(Math.max(0.12, humans.length * 0.0002)); i > 0; i--) {
      add(() => {
        const member = rng.pick(world.humans(ws))
        if (member.role === "admin" && !adminMayGo()) return
        const roles: Array<Role> = ["viewer", "member", "editor", ...(rng.chance(0.1) ? (["admin"] as const) : [])]
        world.changeRole(member.id, rng.pick(roles.filter((r) => r !== member.role)), ws.id, this.adminActor(ws))
      })
    }

    // Robots: new integrations (with a first token) and retired ones. The simulator's own robots and the scenario
    // robots (see Generate) are left alone.
    for (let i = this.times(Math.max(0.06, robots * 0.0005)); i > 0; i--) {
      add(() => {
        const actor = this.adminActor(ws)
        const robot = world.createRobot(
          {
            displayName: `${rng.pick(["etl", "sync", "export", "monitor"])}-bot-${this.counter++}`,
            role: rng.chance(0.6) ? "viewer" : "member"
          },
          ws.id,
          actor
        )
        world.createToken(
          String(robot["id"]),
          { expiresAt: this.expiry(), usage: rng.chance(0.85) ? "daily" : "never" },
          ws.id,
          actor
        )
      })
    }
    for (let i = this.times(Math.max(0.05, robots * 0.0004)); i > 0; i--) {
      add(() => {
        const candidates = ws.robots.items.filter((r) => r.upkeep === "normal" && !world.pinned.has(r.id))
        if (candidates.length > 1) world.deleteRobot(rng.pick(candidates).id, ws.id, this.adminActor(ws))
      })
    }

    // Tokens: used as their profile says; rotated now and then (the old one revoked days later, or forgotten);
    // monthly robots renew on schedule; once in a while a token is revoked outright (a leak, a decommission).
    let calls = 0
    for (const robot of ws.robots.items) {
      const list = ws.tokens.get(robot.id)
      if (list === undefined || world.pinned.has(robot.id)) continue
      const active = list.items.filter((t) => world.tokenStatus(t) === "active")
      for (const token of active) {
        if (token.usage === "daily" && robot.upkeep === "normal" && rng.chance(0.002)) token.usage = "stale"
        if (token.usage === "daily" || (token.usage === "weekly" && rng.chance(1 / 7))) {
          token.last_used_at = this.at(start)
          calls += rng.int(10, 60)
        }
      }
      const newest = active[active.length - 1]
      if (newest === undefined) continue
      if (robot.upkeep === "monthly") {
        const due = newest.created_at + MONTHLY_RENEWAL
        if (due >= start && due < start + DAY) {
          add(() => {
            const expiresAt = new Date(world.nowMs() + MONTHLY_LIFETIME).toISOString()
            world.createToken(robot.id, { expiresAt, name: newest.name ?? undefined }, ws.id, this.adminActor(ws))
            newest.usage = "stale" // the job switched to the new token; the old one runs out
          }, due)
        }
      } else if (
        robot.upkeep === "normal" && newest.created_at < start - 90 * DAY && rng.chance(0.03 * this.multiplier)
      ) {
        add(() => this.rotate(ws, robot.id, newest))
      }
    }
    for (let i = this.times(Math.max(0.02, robots * 0.0003)); i > 0; i--) {
      add(() => {
        const robot = rng.pick(ws.robots.items.filter((r) => r.upkeep === "normal" && !world.pinned.has(r.id)))
        const token = robot && ws.tokens.get(robot.id)?.items.find((t) => world.tokenStatus(t) === "active")
        if (robot && token) world.revokeToken(robot.id, token.id, ws.id, this.adminActor(ws))
      })
    }

    // Webhooks: each month one added (day 9), one changed (day 19) and one removed (day 29), plus the odd random
    // change; never is the plain-HTTP one removed (nobody fixes it).
    const month = this.days % 30
    if (month === 9 || rng.chance(0.01 * this.multiplier)) {
      add(() => {
        const label = `hook-${this.counter++}`
        world.createWebhook(
          { url: `https://hooks.${MAIN_DOMAIN}/${label}`, label, active: true, eventTypes: [rng.pick(EVENT_TYPES)] },
          ws.id,
          this.adminActor(ws)
        )
      })
    }
    if ((month === 19 || rng.chance(0.01 * this.multiplier)) && ws.webhooks.size > 0) {
      add(() => {
        const hook = rng.pick(ws.webhooks.items)
        world.updateWebhook(
          hook.id,
          rng.chance(0.5) ? { active: !hook.active } : { eventTypes: EVENT_TYPES.filter(() => rng.chance(0.5)) },
          ws.id,
          this.adminActor(ws)
        )
      })
    }
    if (month === 29 || rng.chance(0.005 * this.multiplier)) {
      add(() => {
        const candidates = ws.webhooks.items.filter((w) => w.url.startsWith("https:"))
        if (ws.webhooks.size > 2 && candidates.length > 0) {
          world.deleteWebhook(rng.pick(candidates).id, ws.id, this.adminActor(ws))
        }
      })
    }

    // Usage grows toward the limits: database items by about 0.25% of the limit a day, API calls by robot traffic.
    // With overage off nothing goes past a soft limit (the service refuses the excess: DOC).
    const cap = (
      value: number,
      limit: number | null
    ) => (limit === null || ws.plan.overage_enabled ? value : Math.min(value, limit))
    const items = ws.plan.limits.database_items
    if (items !== null) {
      ws.plan.database_items = cap(
        ws.plan.database_items + Math.round(items * 0.0025 * (0.5 + rng.next()) * Math.max(this.multiplier, 0.2)),
        items
      )
    }
    ws.plan.api_calls = cap(ws.plan.api_calls + calls, ws.plan.limits.api_calls)
  }

  /** A new token's expiry: mostly 90 to 365 days, one in ten never. */
  private expiry(): string | null {
    return this.rng.chance(0.1) ? null : new Date(this.world.nowMs() + this.rng.int(90, 365) * DAY).toISOString()
  }

  /** Rotation: a new token first, the old one revoked 1 to 10 days later (or, one time in five, forgotten). */
  private rotate(ws: WorkspaceState, robotId: string, old: Token): void {
    const world = this.world
    world.createToken(
      robotId,
      { expiresAt: this.expiry(), usage: old.usage === "never" ? "never" : "daily" },
      ws.id,
      this.adminActor(ws)
    )
    old.usage = "stale"
    if (this.rng.chance(0.8)) {
      this.revocations.push({ at: world.nowMs() + this.rng.int(1, 10) * DAY, ws: ws.id, robot: robotId, token: old.id })
    }
  }
}
