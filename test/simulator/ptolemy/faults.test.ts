/** Fault injection, one fault at a time, with plain fetch. */
import { describe, expect, it } from "vitest"
import { all, call, errorBody, type Json, remainingOf, rows, start } from "./http.js"

const statuses = async (sim: Awaited<ReturnType<typeof start>>, n: number, path = "/plan") => {
  const out: Array<number> = []
  for (let i = 0; i < n; i++) out.push((await call(sim, path)).status)
  return out
}

describe("random faults", () => {
  it("latencyMs delays every answer, by a fixed time or within a range", async () => {
    const sim = await start({ size: "tiny", churn: 0, faults: { latencyMs: 120 } })
    let t = performance.now()
    expect((await call(sim, "/plan")).status).toBe(200)
    expect(performance.now() - t).toBeGreaterThanOrEqual(110)
    sim.setFaults({ latencyMs: { min: 40, max: 60 } })
    for (let i = 0; i < 3; i++) {
      t = performance.now()
      await call(sim, "/plan")
      expect(performance.now() - t).toBeGreaterThanOrEqual(35)
    }
  })

  it("throttleRate answers 429 rate_limited with Retry-After (retryAfterSeconds, default 1, may be 0)", async () => {
    const sim = await start({ size: "tiny", churn: 0, faults: { throttleRate: 1 } })
    const r = await call(sim, "/memberships")
    expect([r.status, r.json, r.headers.get("retry-after")]).toEqual([429, errorBody("rate_limited"), "1"])
    expect(r.headers.get("x-ratelimit-remaining")).not.toBeNull()
    sim.setFaults({ throttleRate: 1, retryAfterSeconds: 0 })
    expect((await call(sim, "/plan")).headers.get("retry-after")).toBe("0")
    sim.setFaults({ throttleRate: 1, retryAfterSeconds: 7 })
    expect((await call(sim, "/plan")).headers.get("retry-after")).toBe("7")
    sim.setFaults({})
    expect((await call(sim, "/plan")).status).toBe(200)
  })

  it("rates are seeded: the same seed faults the same requests, and a rate of one half faults about half", async () => {
    const a = await start({ seed: 41, size: "tiny", churn: 0, faults: { throttleRate: 0.5 } })
    const b = await start({ seed: 41, size: "tiny", churn: 0, faults: { throttleRate: 0.5 } })
    const [sa, sb] = [await statuses(a, 40), await statuses(b, 40)]
    expect(sa).toEqual(sb)
    const limited = sa.filter((s) => s === 429).length
    expect(limited).toBeGreaterThan(8)
    expect(limited).toBeLessThan(32)
  })

  it("serverErrorRate answers 500, 502 or 503 with an error body", async () => {
    const sim = await start({ size: "tiny", churn: 0, faults: { serverErrorRate: 1 } })
    const seen = new Set<number>()
    for (let i = 0; i < 30; i++) {
      const r = await call(sim, "/plan")
      seen.add(r.status)
      expect(r.json).toEqual(errorBody("internal_error"))
      expect(r.headers.get("x-ratelimit-remaining")).not.toBeNull()
    }
    expect(seen).toEqual(new Set([500, 502, 503]))
  })

  it("dropRate destroys the connection without an answer (and the request still counts)", async () => {
    const sim = await start({ size: "tiny", churn: 0, faults: { dropRate: 1 } })
    const used = (sim.world.planJson() as Json).usage.api_calls.used
    await expect(call(sim, "/plan")).rejects.toThrow()
    expect((sim.world.planJson() as Json).usage.api_calls.used).toBe(used + 1)
    await new Promise((r) => setTimeout(r, 20))
    expect(sim.stats.requests.map((r) => r.status)).toEqual([0])
  })

  it("malformedRate answers 200 with a truncated JSON body", async () => {
    const sim = await start({ size: "tiny", churn: 0, faults: { malformedRate: 1 } })
    const r = await call(sim, "/memberships")
    expect(r.status).toBe(200)
    expect(r.text.length).toBeGreaterThan(20)
    expect(() => JSON.parse(r.text)).toThrow()
    expect(r.text.startsWith("{\"data\":[")).toBe(true)
  })

  it("hangRate never answers; close() still returns, and the hanging request ends", async () => {
    const sim = await start({ size: "tiny", churn: 0, faults: { hangRate: 1 } })
    await expect(call(sim, "/plan", { signal: AbortSignal.timeout(300) })).rejects.toThrow()
    const pending = call(sim, "/plan").catch((e: unknown) => e)
    await new Promise((r) => setTimeout(r, 50))
    await sim.close() // a hanging request does not hold it open (the test's own timeout would catch that)
    expect(await pending).toBeInstanceOf(Error)
  })
})

describe("shape faults", () => {
  it("extraFields: every entity carries the same unknown fields, in the API and the ground truth", async () => {
    const sim = await start({ seed: 42, size: "small", churn: 0, faults: { extraFields: true } })
    const robot = rows(sim.world.list("robots"))[0]!
    const hook = rows(sim.world.list("webhooks")).find((h) => sim.world.subscriptions(h.id).length > 0)!
    const extra = { x_region: "eu-west-2", x_labels: { tier: "gold", source: "simulator" } }
    const payloads = [
      (await call(sim, "")).json,
      (await call(sim, "/plan")).json,
      (await call(sim, "/memberships")).json.data[0],
      (await call(sim, "/memberships/robots")).json.data[0],
      (await call(sim, `/memberships/robots/${robot.id}/tokens`)).json.data[0],
      (await call(sim, "/invitations")).json.data[0],
      (await call(sim, "/events")).json.data[0],
      (await call(sim, "/events/filter", { body: { limit: 1 } })).json.data[0],
      (await call(sim, "/webhooks")).json.data[0],
      (await call(sim, `/webhooks/${hook.id}/subscriptions`)).json.data[0]
    ]
    for (const p of payloads) expect(p).toMatchObject(extra)
    // Stable: the same again, and the ground truth says the same.
    expect((await call(sim, "/memberships")).json.data[0]).toEqual(payloads[2])
    expect(rows(sim.world.list("memberships"))[0]).toEqual(payloads[2])
    sim.setFaults({})
    expect((await call(sim, "/memberships")).json.data[0]).not.toHaveProperty("x_region")
  })

  it("omitFields drops a field from every payload of that resource only; filters still see the real field", async () => {
    const sim = await start({
      seed: 43,
      size: "small",
      churn: 0,
      faults: { omitFields: [{ resource: "token", field: "last_used_at" }, { resource: "membership", field: "email" }] }
    })
    for (const robot of rows(sim.world.list("robots"))) {
      for (const t of (await all(sim, `/memberships/robots/${robot.id}/tokens`)).items) {
        expect(t).not.toHaveProperty("last_used_at")
        expect(t).toHaveProperty("expires_at")
      }
    }
    const members = (await all(sim, "/memberships", 200)).items
    for (const m of members) expect(m).not.toHaveProperty("email")
    expect((await call(sim, "/invitations")).json.data[0]).toHaveProperty("email")
    const body = { filter: { field: "email", op: "like", value: "@acme-capital.example" }, limit: 200 }
    const found = await call(sim, "/memberships/filter", { body })
    for (const m of found.json.data) expect(m).not.toHaveProperty("email")
    sim.setFaults({})
    const plain = await call(sim, "/memberships/filter", { body })
    expect(plain.json.data.length).toBeGreaterThan(0)
    expect(found.json.data.map((m: { id: string }) => m.id)).toEqual(plain.json.data.map((m: { id: string }) => m.id))
  })

  it("forbid: those endpoints answer 403 forbidden even to the admin; the others still work", async () => {
    const sim = await start({ size: "tiny", churn: 0, faults: { forbid: ["invitations", "tokens"] } })
    const invitation = rows(sim.world.list("invitations"))[0]!
    const robot = rows(sim.world.list("robots"))[0]!
    for (const path of ["/invitations", `/invitations/${invitation.id}`, `/memberships/robots/${robot.id}/tokens`]) {
      const r = await call(sim, path)
      expect([path, r.status, r.json]).toEqual([path, 403, errorBody("forbidden")])
    }
    for (const path of ["/memberships", "/memberships/robots", "/events", "/plan"]) {
      expect((await call(sim, path)).status).toBe(200)
    }
  })
})

describe("scripted rules", () => {
  it("after skips the first n matching requests and times caps how often the rule fires", async () => {
    const sim = await start({
      size: "tiny",
      churn: 0,
      faults: { rules: [{ path: "/plan", after: 1, times: 2, action: { status: 503 } }] }
    })
    expect(await statuses(sim, 5)).toEqual([200, 503, 503, 200, 200])
    // Other paths do not count toward the rule.
    sim.setFaults({ rules: [{ path: "/plan", after: 1, times: 1, action: { status: 503 } }] })
    expect((await call(sim, "/events")).status).toBe(200)
    expect(await statuses(sim, 3)).toEqual([200, 503, 200])
  })

  it("a string path is a prefix; a RegExp is tested on path and query; method narrows it", async () => {
    const sim = await start({ size: "tiny", churn: 0 })
    sim.setFaults({ rules: [{ path: "/memberships", action: { status: 500 } }] })
    expect((await call(sim, "/memberships/robots")).status).toBe(500)
    expect((await call(sim, "/memberships")).status).toBe(500)
    expect((await call(sim, "/events")).status).toBe(200)
    sim.setFaults({ rules: [{ path: /^\/events\?.*limit=7/, action: { status: 502 } }] })
    expect((await call(sim, "/events?limit=7")).status).toBe(502)
    expect((await call(sim, "/events?limit=8")).status).toBe(200)
    sim.setFaults({ rules: [{ method: "POST", path: "/events", action: { status: 503 } }] })
    expect((await call(sim, "/events")).status).toBe(200)
    expect((await call(sim, "/events/filter", { body: {} })).status).toBe(503)
  })

  it("a status action takes a code and a Retry-After; without a code it gets the usual one for its status", async () => {
    const sim = await start({ size: "tiny", churn: 0 })
    sim.setFaults({ rules: [{ path: "/plan", action: { status: 429, code: "rate_limited", retryAfter: 3 } }] })
    let r = await call(sim, "/plan")
    expect([r.status, r.json, r.headers.get("retry-after")]).toEqual([429, errorBody("rate_limited"), "3"])
    sim.setFaults({ rules: [{ path: "/plan", action: { status: 429, code: "quota_exceeded" } }] })
    r = await call(sim, "/plan")
    expect([r.status, r.json.error.code, r.headers.get("retry-after")]).toEqual([429, "quota_exceeded", null])
    sim.setFaults({ rules: [{ path: "/plan", action: { status: 429 } }] })
    r = await call(sim, "/plan")
    expect([r.json.error.code, r.headers.get("retry-after")]).toEqual(["rate_limited", "1"])
    for (
      const [status, code] of [[401, "unauthorized"], [404, "not_found"], [409, "conflict"], [
        500,
        "internal_error"
      ]] as const
    ) {
      sim.setFaults({ rules: [{ path: "/plan", action: { status } }] })
      r = await call(sim, "/plan")
      expect([r.status, r.json]).toEqual([status, errorBody(code)])
    }
  })

  it("drop, malformed and hang as rules", async () => {
    const sim = await start({ size: "tiny", churn: 0 })
    sim.setFaults({ rules: [{ path: "/plan", times: 1, action: "drop" }] })
    await expect(call(sim, "/plan")).rejects.toThrow()
    expect((await call(sim, "/plan")).status).toBe(200)
    sim.setFaults({ rules: [{ path: "/plan", times: 1, action: "malformed" }] })
    const truncated = await call(sim, "/plan")
    expect(truncated.status).toBe(200)
    expect(() => JSON.parse(truncated.text)).toThrow()
    sim.setFaults({ rules: [{ path: "/plan", times: 1, action: "hang" }] })
    await expect(call(sim, "/plan", { signal: AbortSignal.timeout(300) })).rejects.toThrow()
    expect((await call(sim, "/plan")).status).toBe(200)
  })

  it("expire-cursor fires only on a request that carries a cursor (GET or filter body)", async () => {
    const sim = await start({
      size: "small",
      churn: 0,
      faults: { rules: [{ path: "/memberships", times: 2, action: "expire-cursor" }] }
    })
    const page1 = await call(sim, "/memberships?limit=10")
    expect(page1.status).toBe(200)
    const next = `/memberships?limit=10&after=${encodeURIComponent(page1.json.meta.next_cursor)}`
    const page2 = await call(sim, next)
    expect([page2.status, page2.json]).toEqual([400, errorBody("invalid_cursor")])
    const f1 = await call(sim, "/memberships/filter", { body: { limit: 5 } })
    expect(f1.status).toBe(200)
    const f2 = await call(sim, "/memberships/filter", { body: { limit: 5, after: f1.json.meta.next_cursor } })
    expect([f2.status, f2.json.error.code]).toEqual([400, "invalid_cursor"])
    expect((await call(sim, next)).status).toBe(200)
  })

  it("revoke-token revokes the presenting token for good, then answers 401", async () => {
    const sim = await start({
      size: "tiny",
      churn: 0,
      faults: { rules: [{ path: "/events", times: 1, action: "revoke-token" }] }
    })
    const token = sim.tokens.robotViewer
    expect((await call(sim, "/plan", { token })).status).toBe(200)
    const r = await call(sim, "/events", { token })
    expect([r.status, r.json]).toEqual([401, errorBody("unauthorized")])
    expect((await call(sim, "/plan", { token })).status).toBe(401)
    // A robot token is revoked in the world too, with its event.
    const robot = rows(sim.world.list("robots")).find((x) =>
      rows(sim.world.tokens(x.id)).some((t) => t.token_suffix === token.slice(-4))
    )!
    expect(rows(sim.world.tokens(robot.id)).find((t) => t.token_suffix === token.slice(-4))!.status).toBe("revoked")
    expect(rows(sim.world.list("events")).some((e) => e.event_type === "robot_token.revoked")).toBe(true)
    // Others are unaffected; the admin principal can be revoked too.
    sim.setFaults({ rules: [{ path: "/plan", times: 1, action: "revoke-token" }] })
    expect((await call(sim, "/plan")).status).toBe(401)
    expect((await call(sim, "/events")).status).toBe(401)
    expect((await call(sim, "/plan", { token: sim.tokens.robotMember })).status).toBe(200)
  })

  it("setFaults replaces the configuration and restarts the rule counters; faults never change the world", async () => {
    const rules = [{ path: "/plan", times: 1, action: { status: 503 } }] as const
    const sim = await start({ seed: 44, size: "small", churn: 0, faults: { rules } })
    expect(await statuses(sim, 2)).toEqual([503, 200])
    sim.setFaults({ rules })
    expect(await statuses(sim, 2)).toEqual([503, 200])
    const plain = await start({ seed: 44, size: "small", churn: 0 })
    expect(sim.world.list("memberships")).toEqual(plain.world.list("memberships"))
    expect(sim.tokens).toEqual(plain.tokens)
    expect(remainingOf(await call(sim, "/plan"))).toBeLessThan(remainingOf(await call(plain, "/plan")))
  })
})
