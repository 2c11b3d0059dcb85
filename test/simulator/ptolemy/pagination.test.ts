/** Cursor pagination (reference section 7 and 13), with plain fetch. */
import { describe, expect, it } from "vitest"
import { all, call, errorBody, rows, start } from "./http.js"

// The simulator adds two robots of its own (the robotViewer and robotMember tokens' users) to every workspace.
const OWN_ROBOTS = 2

describe("pagination", () => {
  it("defaults to 50 a page, allows up to 200, and refuses other limits with invalid_parameter", async () => {
    const sim = await start({ size: { humans: 300, robots: 0, invitations: 0, webhooks: 0 }, churn: 0 })
    const first = await call(sim, "/memberships")
    expect(first.json.data.length).toBe(50)
    expect(first.json.meta.has_more).toBe(true)
    expect(typeof first.json.meta.next_cursor).toBe("string")
    expect((await call(sim, "/memberships?limit=200")).json.data.length).toBe(200)
    expect((await call(sim, "/memberships?limit=1")).json.data.length).toBe(1)
    for (const limit of ["201", "0", "-1", "abc", "2.5", "500"]) {
      const r = await call(sim, `/memberships?limit=${limit}`)
      expect([limit, r.status, r.json]).toEqual([limit, 400, errorBody("invalid_parameter")])
    }
  })

  it("walks many pages to exactly the ground truth, in created_at then id order", async () => {
    const sim = await start({ seed: 2, size: { humans: 398, robots: 0, invitations: 0, webhooks: 0 }, churn: 0 })
    const truth = rows(sim.world.list("memberships"))
    expect(truth.length).toBe(400)
    const byDefault = await all(sim, "/memberships")
    expect(byDefault.requests).toBe(8)
    expect(byDefault.items).toEqual(truth)
    const bySeven = await all(sim, "/memberships", 7)
    expect(bySeven.requests).toBe(Math.ceil(400 / 7))
    expect(bySeven.items).toEqual(truth)
    // created_at ascending, then id within the same second.
    for (let i = 1; i < truth.length; i++) {
      const [a, b] = [truth[i - 1]!, truth[i]!]
      expect(a.created_at < b.created_at || (a.created_at === b.created_at && a.id < b.id)).toBe(true)
    }
  })

  it("has_more is exact: 200 items are one page, 201 are two, 400 are two", async () => {
    for (const [humans, pages] of [[200 - OWN_ROBOTS, 1], [201 - OWN_ROBOTS, 2], [400 - OWN_ROBOTS, 2]] as const) {
      const sim = await start({ size: { humans, robots: 0, invitations: 0, webhooks: 0 }, churn: 0 })
      const first = await call(sim, "/memberships?limit=200")
      expect(first.json.data.length).toBe(200)
      expect(first.json.meta.has_more).toBe(pages > 1)
      if (pages === 1) expect(first.json.meta.next_cursor).toBeNull()
      const { items, requests } = await all(sim, "/memberships", 200)
      expect([humans, requests, items.length]).toEqual([humans, pages, humans + OWN_ROBOTS])
    }
  })

  it("an empty list is {data: [], meta: {next_cursor: null, has_more: false}}", async () => {
    const sim = await start({ size: { humans: 3, robots: 0, invitations: 0, webhooks: 0 }, churn: 0 })
    expect((await call(sim, "/invitations")).json).toEqual({ data: [], meta: { next_cursor: null, has_more: false } })
  })

  it("a cursor is positioned by key: deletions between pages skip no one", async () => {
    const sim = await start({ seed: 3, size: "small", churn: 0 })
    const before = rows(sim.world.list("memberships"))
    const page1 = await call(sim, "/memberships?limit=10")
    expect(page1.json.data).toEqual(before.slice(0, 10))
    // Remove the last member of page 1 (the cursor's own item) and the first of page 2 before asking for page 2.
    sim.world.removeMembership(before[9]!.id)
    sim.world.removeMembership(before[10]!.id)
    const page2 = await call(sim, `/memberships?limit=10&after=${encodeURIComponent(page1.json.meta.next_cursor)}`)
    expect(page2.json.data).toEqual(before.slice(11, 21))
  })

  it("refuses made-up, foreign and expired cursors with 400 invalid_cursor", async () => {
    const sim = await start({ seed: 4, size: "small", churn: 0, cursorTtlMs: 50 })
    for (
      const bad of [
        "bm90LWEtY3Vyc29y",
        "%%%",
        Buffer.from(JSON.stringify({ id: "3fa85f64-5717-4562-b3fc-2c963f66afa6" })).toString("base64")
      ]
    ) {
      const r = await call(sim, `/memberships?after=${encodeURIComponent(bad)}`)
      expect([r.status, r.json]).toEqual([400, errorBody("invalid_cursor")])
    }
    // A cursor from one list is not good for another.
    const events = await call(sim, "/events?limit=5")
    const foreign = await call(sim, `/memberships?after=${encodeURIComponent(events.json.meta.next_cursor)}`)
    expect([foreign.status, foreign.json.error.code]).toEqual([400, "invalid_cursor"])
    // Expiry is in real time.
    const page = await call(sim, "/memberships?limit=5")
    const fresh = await call(sim, `/memberships?limit=5&after=${encodeURIComponent(page.json.meta.next_cursor)}`)
    expect(fresh.status).toBe(200)
    await new Promise((r) => setTimeout(r, 80))
    const expired = await call(sim, `/memberships?limit=5&after=${encodeURIComponent(page.json.meta.next_cursor)}`)
    expect([expired.status, expired.json]).toEqual([400, errorBody("invalid_cursor")])
  })

  it("every list endpoint pages the same way", async () => {
    const sim = await start({ seed: 5, size: "demo", churn: 0 })
    const robot = rows(sim.world.list("robots")).find((r) => sim.world.tokens(r.id).length >= 2)!
    const hook = [...rows(sim.world.list("webhooks"))].sort((a, b) =>
      sim.world.subscriptions(b.id).length - sim.world.subscriptions(a.id).length
    )[0]!
    expect(sim.world.subscriptions(hook.id).length).toBeGreaterThan(1)
    const cases: Array<[string, ReadonlyArray<unknown>]> = [
      ["/memberships", sim.world.list("memberships")],
      ["/memberships/robots", sim.world.list("robots")],
      [`/memberships/robots/${robot.id}/tokens`, sim.world.tokens(robot.id)],
      ["/invitations", sim.world.list("invitations")],
      ["/events", sim.world.list("events")],
      ["/webhooks", sim.world.list("webhooks")],
      [`/webhooks/${hook.id}/subscriptions`, sim.world.subscriptions(hook.id)]
    ]
    for (const [path, truth] of cases) {
      const { items } = await all(sim, path, 1)
      expect([path, items]).toEqual([path, truth])
    }
  })
})
