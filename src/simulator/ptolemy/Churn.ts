/**
 * The simulated clock moving a day at a time, with the churn of a real workspace at random moments of each day:
 * invitations sent, accepted, revoked and expiring; members leaving and changing role; robots created and deleted;
 * tokens used, going stale, rotated (sometimes with the old one forgotten) and expiring; usage growing toward the
 * plan's limits. Rates scale with the workspace, so a 50,000-member one changes by about 0.1% a day.
 */
import { emailFor, EVENT_TYPES, MAIN_DOMAIN } from "./Generate.js"
import { Random } from "./Random.js"
import type { Actor, Membership, Role, World, WorkspaceState } from "./World.js"

const DAY = 86_400_000

interface Pending {
  readonly at: number
  readonly run: () => void
}

export class Churn {
  private readonly rng: Random
  /** Old tokens due to be revoked once their successor is in use (rotation's second half). */
  private readonly revocations: Array<{ at: number; ws: string; robot: string; token: string }> = []
  private counter = 0

  constructor(private readonly world: World, seed: number, private readonly multiplier: number) {
    this.rng = Random.of(seed, "churn")
  }

  advanceDays(days: number): void {
    for (let d = 0; d < days; d++) this.day()
  }

  private day(): void {
    const start = this.world.nowMs()
    const actions: Array<Pending> = []
    if (this.multiplier > 0) for (const ws of this.world.workspaces) this.plan(ws, start, actions)
    for (const r of this.revocations.splice(0)) {
      if (r.at < start + DAY) actions.push({ at: r.at, run: () => this.tryIt(() => this.world.revokeToken(r.robot, r.token, r.ws)) })
      else this.revocations.push(r)
    }
    actions.sort((a, b) => a.at - b.at)
    for (const action of actions) {
      this.world.setNow(Math.max(action.at, this.world.nowMs()))
      action.run()
    }
    this.world.setNow(start + DAY)
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

  private times(rate: number): number {
    return this.rng.poisson(rate * this.multiplier)
  }

  /** The admins of the day (worked out once per day: they rarely change). */
  private admins = new Map<WorkspaceState, Array<Membership>>()

  private adminMember(ws: WorkspaceState): Membership | undefined {
    const admins = this.admins.get(ws) ?? []
    return admins.length > 0 ? this.rng.pick(admins) : undefined
  }

  private adminActor(ws: WorkspaceState): Actor {
    const admin = this.adminMember(ws)
    return admin ? this.world.actorOf(admin) : this.world.system(ws)
  }

  private plan(ws: WorkspaceState, start: number, actions: Array<Pending>): void {
    const rng = this.rng
    const world = this.world
    this.admins.set(ws, world.humans(ws).filter((m) => m.role === "admin"))
    const humans = world.humans(ws).length
    const robots = ws.robots.size
    const add = (run: () => void) => actions.push({ at: this.at(start), run: () => this.tryIt(run) })

    for (let i = this.times(Math.max(0.5, humans * 0.0015)); i > 0; i--) {
      add(() => {
        const role: Role = rng.chance(0.03) ? "admin" : rng.chance(0.6) ? "member" : "viewer"
        const admin = this.adminMember(ws)
        world.sendInvitation(
          { email: emailFor(rng, 200_000 + this.counter++), role, ...(admin ? { invitedBy: admin.id } : {}) },
          ws.id,
          admin ? world.actorOf(admin) : world.system(ws)
        )
      })
    }
    for (const invitation of ws.invitations.items) {
      if (invitation.status !== "pending") continue
      if (rng.chance(0.25 * this.multiplier)) {
        add(() => {
          const seats = ws.plan.limits.seats
          // Seats are a hard limit: an admin raises it before the newcomer can join.
          if (seats !== null && world.humans(ws).length >= seats) ws.plan.limits.seats = Math.ceil(seats * 1.1)
          world.acceptInvitation(invitation.id, ws.id)
        })
      } else if (rng.chance(0.03 * this.multiplier)) {
        add(() => world.revokeInvitation(invitation.id, ws.id, this.adminActor(ws)))
      }
    }
    for (let i = this.times(Math.max(0.15, humans * 0.0008)); i > 0; i--) {
      add(() => {
        const candidates = world.humans(ws).filter((m) => m.role !== "admin" || rng.chance(0.2))
        if (candidates.length > 1) world.removeMembership(rng.pick(candidates).id, ws.id, this.adminActor(ws))
      })
    }
    for (let i = this.times(Math.max(0.12, humans * 0.0004)); i > 0; i--) {
      add(() => {
        const member: Membership = rng.pick(world.humans(ws))
        const roles: Array<Role> = ["viewer", "member", "editor", ...(rng.chance(0.1) ? (["admin"] as const) : [])]
        const next = rng.pick(roles.filter((r) => r !== member.role))
        world.changeRole(member.id, next, ws.id, this.adminActor(ws))
      })
    }
    for (let i = this.times(Math.max(0.04, robots * 0.0005)); i > 0; i--) {
      add(() => {
        const robot = world.createRobot(
          { displayName: `${rng.pick(["etl", "sync", "export", "monitor"])}-bot-${this.counter++}`, role: rng.chance(0.6) ? "viewer" : "member" },
          ws.id,
          this.adminActor(ws)
        )
        const lifetime = rng.chance(0.1) ? null : rng.int(90, 365)
        const created = world.createToken(
          String(robot["id"]),
          { expiresAt: lifetime === null ? null : new Date(world.nowMs() + lifetime * 86_400_000).toISOString() },
          ws.id,
          this.adminActor(ws)
        )
        const token = ws.tokens.get(String(robot["id"]))?.get(String(created.record["id"]))
        if (token) token.usage = rng.chance(0.85) ? "daily" : "never"
      })
    }
    for (let i = this.times(Math.max(0.03, robots * 0.0004)); i > 0; i--) {
      add(() => {
        const candidates = ws.robots.items.filter((r) => !world.pinned.has(r.id))
        if (candidates.length > 1) world.deleteRobot(rng.pick(candidates).id, ws.id, this.adminActor(ws))
      })
    }

    // Tokens: used as their profile says; now and then rotated, and sometimes the old one is forgotten.
    let calls = 0
    for (const robot of ws.robots.items) {
      const list = ws.tokens.get(robot.id)
      if (list === undefined) continue
      const active = list.items.filter((t) => world.tokenStatus(t) === "active")
      for (const token of active) {
        if (world.pinned.has(token.id)) continue
        if (token.usage === "daily" && rng.chance(0.002)) token.usage = "stale"
        if (token.usage === "daily" || (token.usage === "weekly" && rng.chance(1 / 7))) {
          token.last_used_at = this.at(start)
          calls += rng.int(10, 60)
        }
      }
      const newest = active[active.length - 1]
      if (
        newest !== undefined && !world.pinned.has(robot.id) && newest.created_at < start - 90 * DAY &&
        rng.chance(0.03 * this.multiplier)
      ) {
        add(() => {
          const lifetime = rng.chance(0.1) ? null : rng.int(90, 365)
          const created = world.createToken(
            robot.id,
            { expiresAt: lifetime === null ? null : new Date(world.nowMs() + lifetime * DAY).toISOString() },
            ws.id,
            this.adminActor(ws)
          )
          const fresh = list.get(String(created.record["id"]))
          if (fresh) fresh.usage = newest.usage === "never" ? "never" : "daily"
          newest.usage = "stale"
          if (rng.chance(0.8)) {
            this.revocations.push({ at: world.nowMs() + rng.int(1, 10) * DAY, ws: ws.id, robot: robot.id, token: newest.id })
          }
        })
      }
    }

    // Webhooks now and then: a new one, a change, one removed.
    if (rng.chance(0.01 * this.multiplier)) {
      add(() => {
        const label = `hook-${this.counter++}`
        world.createWebhook(
          { url: `https://hooks.${MAIN_DOMAIN}/${label}`, label, active: true, eventTypes: [rng.pick(EVENT_TYPES)] },
          ws.id,
          this.adminActor(ws)
        )
      })
    }
    if (rng.chance(0.015 * this.multiplier) && ws.webhooks.size > 0) {
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
    if (rng.chance(0.004 * this.multiplier) && ws.webhooks.size > 2) {
      add(() => world.deleteWebhook(rng.pick(ws.webhooks.items).id, ws.id, this.adminActor(ws)))
    }

    // Usage grows toward the limits: database items by about 0.25% of the limit a day; API calls by robot traffic.
    const limit = ws.plan.limits.database_items
    if (limit !== null) ws.plan.database_items += Math.round(limit * 0.0025 * (0.5 + rng.next()) * Math.max(this.multiplier, 0.2))
    ws.plan.api_calls += calls
  }
}
