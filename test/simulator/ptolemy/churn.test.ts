/** The churn engine (advanceDays): every kind of change, the audit findings it keeps alive, scale and determinism. */
import { describe, expect, it } from "vitest"
import type { RunningSimulator } from "../../../src/simulator/ptolemy/index.js"
import { all, call, DAY, type Json, type Row, rows, start } from "./http.js"

/** The audit findings the brief asks the demo to show, computed from the ground truth at the simulated now. */
const findings = (sim: RunningSimulator) => {
  const now = sim.now().getTime()
  const w = sim.world
  const robots = rows(w.list("robots")).filter((r) => !r.display_name.startsWith("audit-")) // not the simulator's own
  const tokens: Array<Row> = robots.flatMap((r) => rows(w.tokens(r.id)).map((t) => ({ ...t, robot: r.id })))
  const active = tokens.filter((t) => t.status === "active")
  const at = (s: string | null) => (s === null ? Number.NaN : Date.parse(s))
  const invitations = rows(w.list("invitations"))
  const humans = rows(w.list("memberships")).filter((m) => m.user_type === "human")
  const plan = w.planJson() as { usage: Record<string, { used: number; limit: number | null }> }
  const activeOf = (robot: string) => active.filter((t) => t.robot === robot)
  return {
    tokenNeverExpires: active.some((t) => t.expires_at === null),
    tokenUnused45Days: active.some((t) => at(t.last_used_at) < now - 45 * DAY),
    tokenNeverUsed: active.some((t) => t.last_used_at === null),
    tokenLifetimeOver366Days: active.some((t) => at(t.expires_at) - at(t.created_at) > 366 * DAY),
    tokenOlderThan90Days: active.some((t) => at(t.created_at) < now - 90 * DAY),
    tokenExpiringWithin14Days: active.some((t) => at(t.expires_at) < now + 14 * DAY),
    robotTwoActiveTokensOver7Days: robots.some((r) => {
      const created = activeOf(r.id).map((t) => at(t.created_at)).sort((a, b) => a - b)
      return created.length >= 2 && created[1]! < now - 7 * DAY
    }),
    robotWithoutActiveToken: robots.some((r) => activeOf(r.id).length === 0),
    invitationExpiringWithin48Hours: invitations.some((i) =>
      i.status === "pending" && at(i.expires_at) < now + 48 * 3_600_000
    ),
    invitationExpired: invitations.some((i) => i.status === "expired"),
    invitationForAdmin: invitations.some((i) => i.status === "pending" && i.role === "admin"),
    emailOutsideMainDomain: humans.some((m) => !String(m.email).endsWith("@acme-capital.example")),
    moreThanThreeAdmins: humans.filter((m) => m.role === "admin").length > 3,
    quotaAbove80Percent: Object.values(plan.usage).some((u) => u.limit !== null && u.used > 0.8 * u.limit),
    webhookOverHttp: rows(w.list("webhooks")).some((h) => h.url.startsWith("http://"))
  }
}

const ACCESS_EVENTS = [
  "membership.created",
  "membership.updated",
  "membership.deleted",
  "invitation.created",
  "invitation.accepted",
  "invitation.revoked",
  "invitation.expired",
  "robot_token.created",
  "robot_token.revoked",
  "webhook.created",
  "webhook.updated",
  "webhook.deleted"
]

describe("churn", () => {
  it("over 90 days of a demo world, every kind of change happens, each logged with an actor", async () => {
    const sim = await start({ seed: 1, size: "demo" })
    const t0 = sim.now().getTime()
    const before = new Set(rows(sim.world.list("events")).map((e) => e.id))
    const robotsBefore = new Set(rows(sim.world.list("robots")).map((r) => r.id))
    const tokensBefore = rows(sim.world.list("robots")).flatMap((r) => rows(sim.world.tokens(r.id)))
    sim.advanceDays(90)
    expect(sim.now().getTime()).toBe(t0 + 90 * DAY)
    const events = rows(sim.world.list("events")).filter((e) => !before.has(e.id))
    const types = new Set(events.map((e) => e.event_type))
    for (const t of ACCESS_EVENTS) expect(types).toContain(t)
    // Robots were created and deleted, humans joined and left.
    const kinds = new Set(events.map((e) => `${e.event_type}:${e.data.user_type ?? ""}`))
    for (
      const k of [
        "membership.created:robot",
        "membership.deleted:robot",
        "membership.created:human",
        "membership.deleted:human"
      ]
    ) {
      expect(kinds).toContain(k)
    }
    const robotsAfter = new Set(rows(sim.world.list("robots")).map((r) => r.id))
    expect([...robotsAfter].some((id) => !robotsBefore.has(id))).toBe(true)
    expect([...robotsBefore].some((id) => !robotsAfter.has(id))).toBe(true)
    // Tokens expired on their own (no event for that: their status changed).
    const statusNow = new Map(
      rows(sim.world.list("robots")).flatMap((r) => rows(sim.world.tokens(r.id)).map((t) => [t.id, t.status]))
    )
    expect(tokensBefore.some((t) => t.status === "active" && statusNow.get(t.id) === "expired")).toBe(true)
    // Every event is dated within the 90 days, listed in time order, and has an actor.
    for (const e of events) {
      expect(Date.parse(e.created_at)).toBeGreaterThan(t0 - 1000)
      expect(Date.parse(e.created_at)).toBeLessThanOrEqual(t0 + 90 * DAY)
      expect(e.actor.id).toEqual(expect.any(String))
    }
    const times = events.map((e) => e.created_at)
    expect([...times].sort()).toEqual(times)
    // Robots acted through tokens: last_used_at moved forward for the daily ones.
    const used = rows(sim.world.list("robots")).flatMap((r) => rows(sim.world.tokens(r.id))).filter((t) =>
      t.last_used_at !== null
    )
    expect(used.some((t) => Date.parse(t.last_used_at) > t0 + 89 * DAY)).toBe(true)
  })

  it("keeps every audit finding of the brief present in a demo world, at the start and every 30 days to day 90", async () => {
    for (const seed of [1, 2, 3]) {
      const sim = await start({ seed, size: "demo" })
      for (let day = 0; day <= 90; day += 30) {
        if (day > 0) sim.advanceDays(30)
        const f = findings(sim)
        const missing = Object.entries(f).filter(([, present]) => !present).map(([name]) => name)
        expect({ seed, day, missing }).toEqual({ seed, day, missing: [] })
      }
    }
  })

  it("usage grows toward the limits; database items stop at the limit with overage off", async () => {
    const sim = await start({ seed: 4, size: "small" })
    const plan = () => (sim.world.planJson() as Json).usage
    const before = plan()
    sim.advanceDays(20)
    const after = plan()
    expect(after.database_items.used).toBeGreaterThan(before.database_items.used)
    expect(after.api_calls.used).toBeGreaterThan(0)
    sim.advanceDays(200)
    expect(plan().database_items.used).toBe(plan().database_items.limit)
    sim.world.setPlan({ overageEnabled: true })
    sim.advanceDays(5)
    expect(plan().database_items.used).toBeGreaterThan(plan().database_items.limit)
  })

  it("seats always equal the active human members, through churn", async () => {
    const sim = await start({ seed: 5, size: "demo" })
    for (let i = 0; i < 3; i++) {
      sim.advanceDays(15)
      const humans = (await all(sim, "/memberships", 200)).items.filter((m: { user_type: string }) =>
        m.user_type === "human"
      ).length
      const plan = (await call(sim, "/plan")).json
      expect(plan.usage.seats.used).toBe(humans)
      expect(plan.usage.seats.used).toBeLessThanOrEqual(plan.usage.seats.limit)
    }
  })

  it("churn 0 freezes the world (only the calendar acts: invitations still expire)", async () => {
    const sim = await start({ seed: 6, size: "small", churn: 0 })
    const members = sim.world.list("memberships")
    const robots = sim.world.list("robots")
    sim.advanceDays(30)
    expect(sim.world.list("memberships")).toEqual(members)
    expect(sim.world.list("robots")).toEqual(robots)
    const newTypes = new Set(
      rows(sim.world.list("events")).filter((e) => Date.parse(e.created_at) > Date.parse("2026-01-05T09:00:00Z")).map((
        e
      ) => e.event_type)
    )
    expect([...newTypes]).toEqual(["invitation.expired"])
  })

  it("the same seed and options give the same world and the same churn; another seed another", async () => {
    const [a, b, c] = await Promise.all([
      start({ seed: 7, size: "small" }),
      start({ seed: 7, size: "small" }),
      start({ seed: 8, size: "small" })
    ])
    expect(a.world.list("events")).toEqual(b.world.list("events"))
    expect(a.tokens).toEqual(b.tokens)
    expect(a.workspace).toEqual(b.workspace)
    for (const sim of [a, b, c]) sim.advanceDays(10)
    for (const collection of ["memberships", "robots", "invitations", "webhooks", "events"] as const) {
      expect(a.world.list(collection)).toEqual(b.world.list(collection))
    }
    const tokensOf = (sim: RunningSimulator) => rows(sim.world.list("robots")).map((r) => sim.world.tokens(r.id))
    expect(tokensOf(a)).toEqual(tokensOf(b))
    expect(a.world.planJson()).toEqual(b.world.planJson())
    expect(a.world.list("memberships")).not.toEqual(c.world.list("memberships"))
    expect(a.tokens.admin).not.toBe(c.tokens.admin)
    // A different start date moves the same world in time.
    const d = await start({ seed: 7, size: "small", start: "2026-03-02T09:00:00Z" })
    const e = await start({ seed: 7, size: "small" })
    expect(rows(d.world.list("memberships")).map((m) => m.email)).toEqual(
      rows(e.world.list("memberships")).map((m) => m.email)
    )
    expect(d.now().toISOString()).toBe("2026-03-02T09:00:00.000Z")
  })

  it("a 50,000-member world churns by about 0.1% a day", async () => {
    const sim = await start({ seed: 9, size: "large" })
    const before = new Set(rows(sim.world.list("events")).map((e) => e.id))
    sim.advanceDays(7) // how long this takes is the bench's simulator tier's to measure
    const events = rows(sim.world.list("events")).filter((e) => !before.has(e.id))
    const memberChanges =
      events.filter((e) => e.event_type.startsWith("membership.") && e.data.user_type !== "robot").length
    const perDay = memberChanges / 7 / 50_000
    expect(perDay).toBeGreaterThan(0.0005)
    expect(perDay).toBeLessThan(0.004)
  })
})
