/** Metering, the monthly quota and burst throttling (reference sections 9 and 13), with plain fetch. */
import { describe, expect, it } from "vitest"
import { call, type Json, remainingOf, start } from "./http.js"

describe("metering", () => {
  it("X-RateLimit-Remaining is on every response, errors included, and falls by one a request", async () => {
    const sim = await start({ size: "tiny", churn: 0 })
    const nobody = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    const answers = [
      await call(sim, "/plan"),
      await call(sim, "/memberships", { token: null }), // 401
      await call(sim, "/memberships", { token: sim.tokens.robotViewer }), // 403
      await call(sim, `/memberships/${nobody}`), // 404
      await call(sim, "/memberships?limit=999"), // 400
      await call(sim, "/invitations", { method: "POST", body: {} }), // 405
      await call(sim, "/events"),
      await call(sim, "/plan")
    ]
    expect(answers.map((a) => a.status)).toEqual([200, 401, 403, 404, 400, 405, 200, 200])
    const remaining = answers.map(remainingOf)
    for (const [i, r] of remaining.entries()) expect(r).toBe(remaining[0]! - i)
    // The plan agrees: used rose by one a request, and limit - used is what the header said.
    const [first, last] = [answers[0]!.json.usage.api_calls, answers[answers.length - 1]!.json.usage.api_calls]
    expect(last.used).toBe(first.used + answers.length - 1)
    expect(last.limit - last.used).toBe(remaining[remaining.length - 1])
    expect(sim.world.planJson()).toMatchObject({ usage: { api_calls: { used: last.used } } })
  })

  it("the plan has the pinned shape, with seats = active human members", async () => {
    const sim = await start({ size: "small", churn: 0 })
    const plan = (await call(sim, "/plan")).json
    expect(Object.keys(plan).sort()).toEqual(["billing_period", "overage_enabled", "plan", "usage"])
    expect(Object.keys(plan.usage).sort()).toEqual(["api_calls", "database_items", "seats", "webhooks"])
    expect(plan.plan).toBe("growth")
    expect(plan.overage_enabled).toBe(false)
    const humans = sim.world.list("memberships").filter((m: Json) => m.user_type === "human").length
    expect(plan.usage.seats.used).toBe(humans)
    expect(plan.usage.webhooks.used).toBe(sim.world.list("webhooks").length)
    expect(plan.billing_period).toEqual({ start: "2026-01-01T00:00:00Z", end: "2026-02-01T00:00:00Z" })
    for (const u of Object.values(plan.usage) as Array<{ used: number; limit: number | null }>) {
      expect(Number.isInteger(u.used)).toBe(true)
      expect(u.limit === null || Number.isInteger(u.limit)).toBe(true)
    }
    sim.world.setPlan({ limits: { database_items: null } })
    expect((await call(sim, "/plan")).json.usage.database_items.limit).toBeNull()
  })

  it("the API-call meter resets with each monthly billing period", async () => {
    const sim = await start({ size: "tiny", churn: 0, start: "2026-01-30T09:00:00Z" })
    const before = (await call(sim, "/plan")).json
    expect(before.usage.api_calls.used).toBeGreaterThan(1000)
    sim.advanceDays(3)
    const after = (await call(sim, "/plan")).json
    expect(after.billing_period.start).toBe("2026-02-01T00:00:00Z")
    expect(after.usage.api_calls.used).toBe(1) // this very request
  })

  it("with the quota spent and overage off: 429 quota_exceeded, no Retry-After, remaining 0; overage on lifts it", async () => {
    const sim = await start({ size: "tiny", churn: 0 })
    const used = (sim.world.planJson() as Json).usage.api_calls.used
    sim.world.setPlan({ limits: { api_calls: used + 2 } })
    expect((await call(sim, "/plan")).status).toBe(200)
    const last = await call(sim, "/plan")
    expect([last.status, remainingOf(last)]).toEqual([200, 0])
    for (const path of ["/plan", "/memberships", "/events"]) {
      const r = await call(sim, path)
      expect([r.status, r.json.error.code, r.headers.get("retry-after"), remainingOf(r)]).toEqual([
        429,
        "quota_exceeded",
        null,
        0
      ])
    }
    // Refused requests still count (DOC: errors count too).
    expect((sim.world.planJson() as Json).usage.api_calls.used).toBe(used + 5)
    sim.world.setPlan({ overageEnabled: true })
    expect((await call(sim, "/plan")).status).toBe(200)
    sim.world.setPlan({ overageEnabled: false })
    sim.world.setUsed("api_calls", 0)
    expect((await call(sim, "/plan")).status).toBe(200)
  })

  it("a burst over maxInFlight concurrent requests per token: the excess get 429 rate_limited with Retry-After", async () => {
    const sim = await start({ size: "tiny", churn: 0, burst: { maxInFlight: 3 }, faults: { latencyMs: 150 } })
    const results = await Promise.all(Array.from({ length: 8 }, () => call(sim, "/plan")))
    const ok = results.filter((r) => r.status === 200)
    const limited = results.filter((r) => r.status === 429)
    expect([ok.length, limited.length]).toEqual([3, 5])
    for (const r of limited) {
      expect(r.json.error.code).toBe("rate_limited")
      expect(r.headers.get("retry-after")).toBe("1")
      expect(r.headers.get("x-ratelimit-remaining")).not.toBeNull()
    }
    expect(sim.stats.maxInFlight).toBe(8)
    // Per token: another token's burst is not affected by this one's.
    const mixed = await Promise.all([
      ...Array.from({ length: 3 }, () => call(sim, "/plan")),
      ...Array.from({ length: 3 }, () => call(sim, "/plan", { token: sim.tokens.robotViewer }))
    ])
    expect(mixed.every((r) => r.status === 200)).toBe(true)
    // Once the burst is over, requests pass again.
    expect((await call(sim, "/plan")).status).toBe(200)
  })

  it("the default burst limit is 20 concurrent requests", async () => {
    const sim = await start({ size: "tiny", churn: 0, faults: { latencyMs: 150 } })
    const results = await Promise.all(Array.from({ length: 24 }, () => call(sim, "/plan")))
    expect(results.filter((r) => r.status === 429).length).toBe(4)
  })

  it("stats record every request (method, path, query, status, authorization, token, write, body) and can be reset", async () => {
    const sim = await start({ size: "tiny", churn: 0 })
    sim.stats.reset()
    await call(sim, "/memberships?limit=5")
    await call(sim, "/events/filter", { body: { limit: 3 } })
    await call(sim, "/plan", { token: null })
    const admin = sim.tokens.admin
    // Each stamped when it arrived and when it was answered, in that order, the next after the last was answered.
    const stamps = sim.stats.requests.map((r) => [r.receivedAt, r.answeredAt] as const)
    for (const [i, [received, answered]] of stamps.entries()) {
      expect(answered).toBeGreaterThanOrEqual(received)
      if (i > 0) expect(received).toBeGreaterThanOrEqual(stamps[i - 1]![1])
    }
    expect(sim.stats.requests.map(({ answeredAt: _a, receivedAt: _r, ...r }) => r)).toEqual([
      {
        method: "GET",
        path: "/v1/workspaces/acme-capital/memberships",
        query: "limit=5",
        status: 200,
        authorization: `Bearer ${admin}`,
        token: admin,
        write: false
      },
      {
        method: "POST",
        path: "/v1/workspaces/acme-capital/events/filter",
        query: "",
        status: 200,
        authorization: `Bearer ${admin}`,
        token: admin,
        write: false,
        body: { limit: 3 }
      },
      {
        method: "GET",
        path: "/v1/workspaces/acme-capital/plan",
        query: "",
        status: 401,
        authorization: undefined,
        token: null,
        write: false
      }
    ])
    expect(sim.stats.writes).toEqual([])
    expect(sim.stats.maxInFlight).toBe(1)
    sim.stats.reset()
    expect([sim.stats.requests.length, sim.stats.maxInFlight]).toEqual([0, 0])
  })

  it("seats are a hard limit for new members", async () => {
    const sim = await start({ size: "tiny", churn: 0 })
    const seats = (sim.world.planJson() as Json).usage.seats
    sim.world.setPlan({ limits: { seats: seats.used } })
    expect(() => sim.world.addHuman({ email: "one.more@acme-capital.example", role: "viewer" })).toThrow(/seats/)
    sim.world.setPlan({ limits: { seats: seats.used + 1 } })
    sim.world.addHuman({ email: "one.more@acme-capital.example", role: "viewer" })
    expect((sim.world.planJson() as Json).usage.seats.used).toBe(seats.used + 1)
  })
})
