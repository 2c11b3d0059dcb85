/** The simulator against the API reference, with plain fetch (never the project's client). */
import { afterEach, describe, expect, it } from "vitest"
import { type RunningSimulator, type SimulatorOptions, startPtolemySimulator } from "../../../src/simulator/ptolemy/index.js"

const running: Array<RunningSimulator> = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()))
})
const start = async (options: SimulatorOptions) => {
  const sim = await startPtolemySimulator(options)
  running.push(sim)
  return sim
}

const call = async (sim: RunningSimulator, path: string, init: { token?: string | null; method?: string; body?: unknown } = {}) => {
  const token = init.token === undefined ? sim.tokens.admin : init.token
  const response = await fetch(`${sim.url}/workspaces/${sim.workspace.slug}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(init.body === undefined ? {} : { "content-type": "application/json" })
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) })
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, text, json: text === "" ? undefined : (JSON.parse(text) as any) }
}

const all = async (sim: RunningSimulator, path: string, limit = 200) => {
  const items: Array<any> = []
  let after: string | null = null
  let requests = 0
  do {
    const r = await call(sim, `${path}?limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ""}`)
    requests++
    expect(r.status).toBe(200)
    items.push(...r.json.data)
    after = r.json.meta.next_cursor
    expect(r.json.meta.has_more).toBe(after !== null)
  } while (after !== null)
  return { items, requests }
}

describe("pagination (section 7)", () => {
  it("defaults to 50, allows 200, refuses more, and ends exactly at a boundary of 200", async () => {
    const sim = await start({ seed: 1, size: { humans: 398, robots: 0, invitations: 0, webhooks: 0 }, churn: 0 })
    expect(sim.world.list("memberships").length).toBe(400) // + the simulator's two test robots
    const first = await call(sim, "/memberships")
    expect(first.json.data.length).toBe(50)
    expect(first.json.meta.has_more).toBe(true)
    const { items, requests } = await all(sim, "/memberships")
    expect(requests).toBe(2)
    expect(items).toEqual(sim.world.list("memberships"))
    const tooMany = await call(sim, "/memberships?limit=201")
    expect(tooMany.status).toBe(400)
    expect(tooMany.json.error.code).toBe("invalid_parameter")
  })

  it("orders by created_at then id, and a cursor survives deletions between pages", async () => {
    const sim = await start({ seed: 2, size: "small", churn: 0 })
    const page1 = await call(sim, "/memberships?limit=10")
    const rest = sim.world.list("memberships").slice(10)
    // Remove the first member of page 2 and a member of page 1 before asking for page 2.
    const victim = sim.world.list("memberships")[10] as { id: string }
    sim.world.removeMembership(victim.id)
    sim.world.removeMembership((page1.json.data[3] as { id: string }).id)
    const page2 = await call(sim, `/memberships?limit=10&after=${encodeURIComponent(page1.json.meta.next_cursor)}`)
    expect(page2.json.data).toEqual(rest.slice(1, 11))
    const times = (sim.world.list("memberships") as Array<{ created_at: string }>).map((m) => m.created_at)
    expect([...times].sort()).toEqual(times)
  })

  it("refuses a made-up cursor and an expired one with invalid_cursor", async () => {
    const sim = await start({ seed: 3, size: "small", churn: 0, cursorTtlMs: 20 })
    const bad = await call(sim, "/memberships?after=bm90LWEtY3Vyc29y")
    expect([bad.status, bad.json.error.code]).toEqual([400, "invalid_cursor"])
    const page = await call(sim, "/memberships?limit=5")
    await new Promise((r) => setTimeout(r, 40))
    const expired = await call(sim, `/memberships?limit=5&after=${encodeURIComponent(page.json.meta.next_cursor)}`)
    expect([expired.status, expired.json.error.code]).toEqual([400, "invalid_cursor"])
  })
})

describe("auth and roles (sections 2, 4, 10, 13)", () => {
  it("401 for a missing, malformed or unknown token, with the pinned error body", async () => {
    const sim = await start({ seed: 4, size: "tiny", churn: 0 })
    for (const token of [null, "not-a-token", `ptk_live_${"1".repeat(64)}`]) {
      const r = await call(sim, "/memberships", { token })
      expect(r.status).toBe(401)
      expect(r.json).toEqual({ error: { code: "unauthorized", message: expect.any(String) } })
    }
  })

  it("robot tokens: 403 on Admin endpoints, allowed on Viewer+ ones; the admin principal reads everything", async () => {
    const sim = await start({ seed: 5, size: "tiny", churn: 0 })
    for (const token of [sim.tokens.robotViewer, sim.tokens.robotMember]) {
      for (const path of ["/memberships", "/memberships/robots", "/invitations"]) {
        const r = await call(sim, path, { token })
        expect([path, r.status, r.json.error.code]).toEqual([path, 403, "forbidden"])
      }
      for (const path of ["", "/plan", "/events", "/webhooks"]) expect((await call(sim, path, { token })).status).toBe(200)
    }
    for (const path of ["/memberships", "/memberships/robots", "/invitations", "/plan"]) {
      expect((await call(sim, path)).status).toBe(200)
    }
  })

  it("a revoked or expired robot token is refused; a used one shows its last use", async () => {
    const sim = await start({ seed: 6, size: "tiny", churn: 0 })
    const robot = (sim.world.list("robots") as Array<{ id: string }>)[0]!
    const created = sim.world.createToken(robot.id, { expiresAt: new Date(sim.now().getTime() + 86_400_000).toISOString() })
    expect((await call(sim, "/plan", { token: created.token })).status).toBe(200)
    const listed = (sim.world.tokens(robot.id) as Array<{ id: string; last_used_at: string | null }>).find((t) => t.id === created.record["id"])!
    expect(listed.last_used_at).toBe(sim.now().toISOString().replace(/\.\d{3}Z$/, "Z"))
    sim.advanceDays(2)
    expect((await call(sim, "/plan", { token: created.token })).status).toBe(401)
    const second = sim.world.createToken(robot.id)
    sim.world.revokeToken(robot.id, String(second.record["id"]))
    expect((await call(sim, "/plan", { token: second.token })).status).toBe(401)
  })

  it("UUID and slug address the same workspace; an unknown one is 404; another workspace's token may not read it", async () => {
    const sim = await start({ seed: 7, size: "tiny", churn: 0, extraWorkspaces: 1 })
    const byId = await fetch(`${sim.url}/workspaces/${sim.workspace.id}`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } })
    expect(await byId.json()).toEqual((await call(sim, "")).json)
    const unknown = await fetch(`${sim.url}/workspaces/nope`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } })
    expect(unknown.status).toBe(404)
    const other = await call(sim, "/plan", { token: sim.workspaces[1]!.tokens.admin })
    expect(other.status).toBe(403)
  })
})

describe("metering and limits (section 9)", () => {
  it("X-RateLimit-Remaining on every response, errors included, falling by one a request; usage.api_calls rising", async () => {
    const sim = await start({ seed: 8, size: "tiny", churn: 0 })
    const a = await call(sim, "/plan")
    const b = await call(sim, "/memberships", { token: null })
    const c = await call(sim, "/plan")
    const remaining = [a, b, c].map((r) => Number(r.headers.get("x-ratelimit-remaining")))
    expect(remaining[1]).toBe(remaining[0]! - 1)
    expect(remaining[2]).toBe(remaining[0]! - 2)
    expect(c.json.usage.api_calls.used).toBe(a.json.usage.api_calls.used + 2)
    expect(c.json.usage.api_calls.limit - c.json.usage.api_calls.used).toBe(remaining[2])
  })

  it("a spent quota answers 429 quota_exceeded without Retry-After", async () => {
    const sim = await start({ seed: 9, size: "tiny", churn: 0 })
    const used = (sim.world.planJson() as any).usage.api_calls.used
    sim.world.setPlan({ limits: { api_calls: used + 1 } })
    expect((await call(sim, "/plan")).status).toBe(200)
    const r = await call(sim, "/plan")
    expect([r.status, r.json.error.code, r.headers.get("retry-after")]).toEqual([429, "quota_exceeded", null])
    expect(r.headers.get("x-ratelimit-remaining")).toBe("0")
    sim.world.setPlan({ overageEnabled: true })
    expect((await call(sim, "/plan")).status).toBe(200)
  })

  it("bursts over the concurrency limit answer 429 rate_limited with Retry-After", async () => {
    const sim = await start({ seed: 10, size: "tiny", churn: 0, burst: { maxInFlight: 2 }, faults: { latencyMs: 100 } })
    const results = await Promise.all(Array.from({ length: 6 }, () => call(sim, "/plan")))
    const limited = results.filter((r) => r.status === 429)
    expect(limited.length).toBeGreaterThan(0)
    for (const r of limited) {
      expect(r.json.error.code).toBe("rate_limited")
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(0)
    }
    expect(sim.stats.maxInFlight).toBeGreaterThanOrEqual(3)
  })
})

describe("the filter endpoints (section 8)", () => {
  it("POST /memberships/filter with eq and in, nested and/or, and paging", async () => {
    const sim = await start({ seed: 11, size: "small", churn: 0 })
    const members = sim.world.list("memberships") as Array<{ user_type: string; role: string }>
    const robots = await call(sim, "/memberships/filter", { body: { filter: { and: [{ field: "user_type", op: "eq", value: "robot" }] }, limit: 200 } })
    expect(robots.json.data).toEqual(members.filter((m) => m.user_type === "robot"))
    const privileged = await call(sim, "/memberships/filter", {
      body: { filter: { or: [{ field: "role", op: "in", value: ["admin", "editor"] }, { and: [{ field: "user_type", op: "eq", value: "robot" }, { field: "role", op: "eq", value: "member" }] }] }, limit: 200 }
    })
    expect(privileged.json.data).toEqual(members.filter((m) => m.role === "admin" || m.role === "editor" || (m.user_type === "robot" && m.role === "member")))
    const first = await call(sim, "/memberships/filter", { body: { filter: { field: "user_type", op: "eq", value: "human" }, limit: 7 } })
    const second = await call(sim, "/memberships/filter", { body: { filter: { field: "user_type", op: "eq", value: "human" }, limit: 7, after: first.json.meta.next_cursor } })
    expect([...first.json.data, ...second.json.data]).toEqual(members.filter((m) => m.user_type === "human").slice(0, 14))
  })

  it("POST /events/filter on created_at, sorted", async () => {
    const sim = await start({ seed: 12, size: "small", churn: 1 })
    const since = sim.now().toISOString()
    sim.advanceDays(3)
    const all = sim.world.list("events") as Array<{ created_at: string }>
    const newer = all.filter((e) => Date.parse(e.created_at) > Date.parse(since))
    expect(newer.length).toBeGreaterThan(0)
    const r = await call(sim, "/events/filter", {
      body: { filter: { and: [{ field: "created_at", op: "gt", value: since }] }, sort: [{ field: "created_at", direction: "asc" }], limit: 200 }
    })
    expect(r.json.data).toEqual(newer)
    const desc = await call(sim, "/events/filter", { body: { sort: [{ field: "created_at", direction: "desc" }], limit: 5 } })
    const times = desc.json.data.map((e: { created_at: string }) => e.created_at)
    expect([...times].sort().reverse()).toEqual(times)
  })
})

describe("the world", () => {
  it("logs an access event for each change, with its actor", async () => {
    const sim = await start({ seed: 13, size: "tiny", churn: 0 })
    const before = sim.world.list("events").length
    const m = sim.world.addHuman({ email: "new@acme-capital.example", role: "viewer" })
    sim.world.changeRole(String(m["id"]), "member")
    const inv = sim.world.sendInvitation({ email: "x@acme-capital.example", role: "viewer" })
    sim.world.revokeInvitation(String(inv["id"]))
    const robot = sim.world.createRobot({ displayName: "bot", role: "viewer" })
    const t = sim.world.createToken(String(robot["id"]))
    sim.world.revokeToken(String(robot["id"]), String(t.record["id"]))
    sim.world.removeMembership(String(m["id"]))
    const events = (sim.world.list("events") as Array<{ event_type: string; actor: { id: string } }>).slice(before)
    // All at the same simulated instant, so listed in id order: compare as a set of types.
    expect(events.map((e) => e.event_type).sort()).toEqual([
      "invitation.created", "invitation.revoked", "membership.created", "membership.created",
      "membership.deleted", "membership.updated", "robot_token.created", "robot_token.revoked"
    ])
    for (const e of events) expect(e.actor.id).toEqual(expect.any(String))
  })

  it("keeps the invariants: robots only viewer or member, the last admin stays, invitations expire after 7 days", async () => {
    const sim = await start({ seed: 14, size: { humans: 1, robots: 1, invitations: 0, webhooks: 0 }, churn: 0 })
    const robotMembership = (sim.world.list("memberships") as Array<{ id: string; user_type: string; role: string }>).find((m) => m.user_type === "robot")!
    expect(() => sim.world.changeRole(robotMembership.id, "admin")).toThrow()
    const admin = (sim.world.list("memberships") as Array<{ id: string; role: string }>).find((m) => m.role === "admin")!
    expect(() => sim.world.changeRole(admin.id, "viewer")).toThrow()
    const inv = sim.world.sendInvitation({ email: "late@acme-capital.example", role: "viewer" })
    expect(Date.parse(String(inv["expires_at"])) - Date.parse(String(inv["created_at"]))).toBe(7 * 86_400_000)
    sim.advanceDays(8)
    const after = (sim.world.list("invitations") as Array<{ id: string; status: string }>).find((i) => i.id === inv["id"])!
    expect(after.status).toBe("expired")
    expect((sim.world.list("events") as Array<{ event_type: string }>).some((e) => e.event_type === "invitation.expired")).toBe(true)
  })

  it("churn over 90 days makes every kind of access change", async () => {
    const sim = await start({ seed: 15, size: "demo" })
    const before = sim.world.list("events").length
    sim.advanceDays(90)
    const types = new Set((sim.world.list("events") as Array<{ event_type: string }>).slice(before).map((e) => e.event_type))
    for (const t of ["membership.created", "membership.updated", "membership.deleted", "invitation.created", "invitation.accepted", "invitation.expired", "robot_token.created", "robot_token.revoked"]) {
      expect(types).toContain(t)
    }
  })

  it("the same seed gives the same world and churn; another seed another", async () => {
    const [a, b, c] = await Promise.all([start({ seed: 16, size: "small" }), start({ seed: 16, size: "small" }), start({ seed: 17, size: "small" })])
    a.advanceDays(5)
    b.advanceDays(5)
    c.advanceDays(5)
    expect(a.world.list("memberships")).toEqual(b.world.list("memberships"))
    expect(a.world.list("events")).toEqual(b.world.list("events"))
    expect(a.tokens).toEqual(b.tokens)
    expect(a.world.list("memberships")).not.toEqual(c.world.list("memberships"))
  })

  it("generates a 50,000-member workspace", async () => {
    const sim = await start({ seed: 18, size: "large", churn: 0 })
    const plan = sim.world.planJson() as any
    expect(plan.usage.seats.used).toBe(50_000)
    expect((sim.world.list("robots") as Array<unknown>).length).toBe(2_002)
    expect((sim.world.list("invitations") as Array<unknown>).length).toBe(5_000)
  })
})

describe("faults", () => {
  it("extra fields and missing fields change every payload of that resource", async () => {
    const sim = await start({ seed: 19, size: "tiny", churn: 0, faults: { extraFields: true, omitFields: [{ resource: "token", field: "last_used_at" }] } })
    const member = (await call(sim, "/memberships")).json.data[0]
    expect(member.x_region).toBe("eu-west-2")
    const robot = (sim.world.list("robots") as Array<{ id: string }>)[0]!
    const token = (await call(sim, `/memberships/robots/${robot.id}/tokens`)).json.data[0]
    expect("last_used_at" in token).toBe(false)
  })

  it("rules fire after n matching requests, a given number of times", async () => {
    const sim = await start({ seed: 20, size: "tiny", churn: 0, faults: { rules: [{ path: "/plan", after: 1, times: 2, action: { status: 503 } }] } })
    const statuses = []
    for (let i = 0; i < 5; i++) statuses.push((await call(sim, "/plan")).status)
    expect(statuses).toEqual([200, 503, 503, 200, 200])
  })

  it("drops, truncates and hangs", async () => {
    const sim = await start({ seed: 21, size: "tiny", churn: 0 })
    sim.setFaults({ rules: [{ path: "/plan", times: 1, action: "drop" }] })
    await expect(call(sim, "/plan")).rejects.toThrow()
    sim.setFaults({ rules: [{ path: "/plan", times: 1, action: "malformed" }] })
    const truncated = await fetch(`${sim.url}/workspaces/${sim.workspace.slug}/plan`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } })
    expect(truncated.status).toBe(200)
    const text = await truncated.text()
    expect(text.length).toBeGreaterThan(10)
    expect(() => JSON.parse(text)).toThrow()
    sim.setFaults({ rules: [{ path: "/plan", times: 1, action: "hang" }] })
    await expect(
      fetch(`${sim.url}/workspaces/${sim.workspace.slug}/plan`, { headers: { authorization: `Bearer ${sim.tokens.admin}` }, signal: AbortSignal.timeout(300) })
    ).rejects.toThrow()
  })

  it("a revoke-token rule revokes the presenting token for good", async () => {
    const sim = await start({ seed: 22, size: "tiny", churn: 0, faults: { rules: [{ path: "/invitations", action: "revoke-token", times: 1 }] } })
    expect((await call(sim, "/plan")).status).toBe(200)
    expect((await call(sim, "/invitations")).status).toBe(401)
    expect((await call(sim, "/plan")).status).toBe(401)
  })
})
