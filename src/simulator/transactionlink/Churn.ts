/**
 * The churn engine: what happens to the organisation while the simulated clock moves on. Per simulated day (scaled
 * by `churn`): people are invited and accept, invitations expire (the 7-day rule, also at churn 0), are resent or
 * cancelled, users sign in, are terminated (some keeping their memberships) or reinstated, members are promoted to
 * org admin (and so inherit access to every workspace) or demoted, and direct memberships are added, re-roled and
 * removed. Everything is drawn from the seeded "churn" stream, so the same seed and the same calls give the same world.
 */
import type { Random } from "../kit/Random.js"
import { adminRoleId, pickMemberRole } from "./Generate.js"
import { makePerson } from "./People.js"
import { DAY_MS, type UserState, type WorkspaceState, type WorldState } from "./State.js"
import { type TlWorld, worldState, worldUser } from "./World.js"

type Kind =
  | "enroll"
  | "accept"
  | "cancel"
  | "resend"
  | "terminate"
  | "reinstate"
  | "workspaceRole"
  | "orgRole"
  | "addMembership"
  | "removeMembership"
  | "login"

interface ChurnEvent {
  at: number
  kind: Kind
  user?: UserState
}

/** Expected events per simulated day at churn 1, from the state at the start of the day. */
const RATES: ReadonlyArray<readonly [Exclude<Kind, "login">, (c: Counts) => number]> = [
  ["enroll", (c) => Math.max(0.2, c.active * 0.008)],
  ["accept", (c) => c.pending * 0.2],
  ["cancel", (c) => (c.pending + c.expired) * 0.02],
  ["resend", (c) => c.expired * 0.08],
  ["terminate", (c) => Math.max(0.05, c.active * 0.003)],
  ["reinstate", (c) => c.terminated * 0.01],
  ["workspaceRole", (c) => c.memberships * 0.005],
  ["orgRole", (c) => 0.02 + c.active * 0.002],
  ["addMembership", (c) => c.active * 0.01],
  ["removeMembership", (c) => c.memberships * 0.004]
]
/** Chance per active user and day of signing in (at churn 1). */
const LOGIN_RATE = 0.55

interface Counts {
  active: number
  terminated: number
  pending: number
  expired: number
  memberships: number
}

export class TlChurn {
  readonly #world: TlWorld
  readonly #s: WorldState
  readonly #rng: Random
  readonly #rate: number

  constructor(world: TlWorld, rng: Random, rate: number) {
    if (!(rate >= 0) || !Number.isFinite(rate)) throw new Error(`churn must be a finite number >= 0, got ${rate}`)
    this.#world = world
    this.#s = worldState(world)
    this.#rng = rng
    this.#rate = rate
  }

  /** Moves the clock `days` forward (fractions allowed), one day at a time, applying churn events in time order. */
  advanceDays(days: number): void {
    if (!(days >= 0) || !Number.isFinite(days)) throw new Error(`days must be a finite number >= 0, got ${days}`)
    let remaining = Math.round(days * DAY_MS)
    while (remaining > 0) {
      const chunk = Math.min(DAY_MS, remaining)
      const end = this.#s.nowMs + chunk
      const events = this.#rate > 0 ? this.#plan(chunk) : []
      for (const event of events) {
        this.#world.setNow(event.at)
        this.#apply(event)
      }
      this.#world.setNow(end)
      remaining -= chunk
    }
  }

  #plan(chunk: number): Array<ChurnEvent> {
    const rng = this.#rng
    const start = this.#s.nowMs
    const factor = (this.#rate * chunk) / DAY_MS
    const seconds = Math.max(1, Math.floor(chunk / 1000))
    const at = () => Math.min(start + chunk, start + rng.int(1, seconds) * 1000)
    const s = this.#s
    const counts: Counts = {
      active: s.users.filter((u) => u.status === "ACTIVE").length,
      terminated: s.users.filter((u) => u.status === "TERMINATED").length,
      pending: s.enrollments.filter((e) => e.status === "PENDING").length,
      expired: s.enrollments.filter((e) => e.status === "EXPIRED").length,
      memberships: [...s.memberships.values()].reduce((sum, m) => sum + m.size, 0)
    }
    const events: Array<ChurnEvent> = []
    for (const [kind, rate] of RATES) {
      const n = rng.poisson(rate(counts) * factor)
      for (let i = 0; i < n; i++) events.push({ at: at(), kind })
    }
    const login = Math.min(1, LOGIN_RATE * factor)
    for (const u of s.users) {
      if (u.status === "ACTIVE" && rng.chance(login)) events.push({ at: at(), kind: "login", user: u })
    }
    return events.sort((a, b) => a.at - b.at)
  }

  #apply(event: ChurnEvent): void {
    const rng = this.#rng
    const world = this.#world
    const s = this.#s
    const active = () => s.users.filter((u) => u.status === "ACTIVE")
    switch (event.kind) {
      case "login": {
        if (event.user?.status === "ACTIVE") world.recordLogin(event.user.id)
        return
      }
      case "enroll": {
        const emails = new Set([...s.users, ...s.enrollments].map((x) => x.email.toLowerCase()))
        const person = makePerson(rng, (email) => emails.has(email), rng.chance(0.15))
        const orgRole = rng.chance(0.08) ? "admin" : "member"
        const workspaces = orgRole === "admin"
          ? []
          : rng.shuffle(s.workspaces).slice(0, rng.int(1, 2)).map((ws) => ({
            workspaceId: ws.id,
            role: pickMemberRole(rng, ws)
          }))
        world.createEnrollment({ ...person, orgRole, workspaces })
        return
      }
      case "accept": {
        const pending = s.enrollments.filter((e) => e.status === "PENDING")
        if (pending.length === 0) return
        const e = rng.pick(pending)
        if (world.userByEmail(e.email) !== undefined) world.cancelEnrollment(e.id)
        else world.acceptEnrollment(e.id)
        return
      }
      case "cancel": {
        const open = s.enrollments.filter((e) => e.status === "PENDING" || e.status === "EXPIRED")
        if (open.length > 0) world.cancelEnrollment(rng.pick(open).id)
        return
      }
      case "resend": {
        const expired = s.enrollments.filter((e) => e.status === "EXPIRED")
        const pending = s.enrollments.filter((e) => e.status === "PENDING")
        const from = expired.length > 0 && (pending.length === 0 || rng.chance(0.7)) ? expired : pending
        if (from.length > 0) world.resendEnrollment(rng.pick(from).id)
        return
      }
      case "terminate": {
        const candidates = active().filter((u) => u.orgRole !== "owner")
        if (candidates.length > 0) {
          world.terminateUser(rng.pick(candidates).id, { removeMemberships: rng.chance(0.6) })
        }
        return
      }
      case "reinstate": {
        const terminated = s.users.filter((u) => u.status === "TERMINATED")
        if (terminated.length > 0) world.reinstateUser(rng.pick(terminated).id)
        return
      }
      case "orgRole": {
        const promote = rng.chance(0.7)
        const candidates = active().filter((u) => u.orgRole === (promote ? "member" : "admin"))
        if (candidates.length > 0) world.setOrgRole(rng.pick(candidates).id, promote ? "admin" : "member")
        return
      }
      case "workspaceRole": {
        // A random direct membership of an active user (a few draws; skipped when none is found).
        for (let attempt = 0; attempt < 10; attempt++) {
          const found = this.#randomMembership()
          if (found === undefined) return
          const [ws, userId, roleId] = found
          if (worldUser(world, userId)?.status !== "ACTIVE") continue
          const others = ws.roles.filter((r) => r.id !== roleId)
          if (others.length > 0) world.addMembership(ws.id, userId, rng.pick(others).id)
          return
        }
        return
      }
      case "addMembership": {
        const users = active()
        if (users.length === 0) return
        const members = users.filter((u) => u.orgRole === "member")
        const user = members.length > 0 && rng.chance(0.8) ? rng.pick(members) : rng.pick(users)
        const free = s.workspaces.filter((ws) => !(s.memberships.get(ws.id)?.has(user.id) ?? false))
        if (free.length === 0) return
        const ws = rng.pick(free)
        world.addMembership(ws.id, user.id, user.orgRole === "member" ? pickMemberRole(rng, ws) : adminRoleId(ws))
        return
      }
      case "removeMembership": {
        const found = this.#randomMembership()
        if (found !== undefined) world.removeMembership(found[0].id, found[1])
        return
      }
    }
  }

  /** A uniformly random direct membership: [workspace, userId, roleId]. */
  #randomMembership(): readonly [WorkspaceState, string, string] | undefined {
    const s = this.#s
    const total = s.workspaces.reduce((sum, ws) => sum + (s.memberships.get(ws.id)?.size ?? 0), 0)
    if (total === 0) return undefined
    let index = this.#rng.int(0, total - 1)
    for (const ws of s.workspaces) {
      const members = s.memberships.get(ws.id)
      if (members === undefined) continue
      if (index >= members.size) {
        index -= members.size
        continue
      }
      for (const [userId, roleId] of members) {
        if (index-- === 0) return [ws, userId, roleId]
      }
    }
    return undefined
  }
}
