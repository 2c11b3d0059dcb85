/** The filter endpoints (reference sections 8 and 13), with plain fetch, checked against the ground truth. */
import { describe, expect, it } from "vitest"
import { allFiltered, call, DAY, errorBody, iso, type Row, rows, start } from "./http.js"

describe("POST /memberships/filter", () => {
  it("eq, ne, in, not_in on user_type and role", async () => {
    const sim = await start({ seed: 21, size: "small", churn: 0 })
    const members = rows(sim.world.list("memberships"))
    const cases: Array<[unknown, (m: Row) => boolean]> = [
      [{ field: "user_type", op: "eq", value: "robot" }, (m) => m.user_type === "robot"],
      [{ field: "user_type", op: "ne", value: "robot" }, (m) => m.user_type !== "robot"],
      [{ field: "role", op: "in", value: ["admin", "editor"] }, (m) => m.role === "admin" || m.role === "editor"],
      [{ field: "role", op: "not_in", value: ["viewer", "member"] }, (m) => m.role !== "viewer" && m.role !== "member"],
      [{ field: "email", op: "is_null", value: true }, (m) => m.email === null],
      [{ field: "email", op: "like", value: "GMAIL" }, (m) => (m.email ?? "").includes("gmail")]
    ]
    for (const [condition, keep] of cases) {
      const expected = members.filter(keep)
      expect(expected.length).toBeGreaterThan(0)
      const r = await call(sim, "/memberships/filter", { body: { filter: { and: [condition] }, limit: 200 } })
      expect([condition, r.json.data]).toEqual([condition, expected])
    }
  })

  it("created_at with lt, lte, gt, gte (ISO times compared as times)", async () => {
    const sim = await start({ seed: 22, size: "small", churn: 0 })
    const members = rows(sim.world.list("memberships"))
    const pivot = members[Math.floor(members.length / 2)]!.created_at as string
    const t = Date.parse(pivot)
    const ops: Array<[string, (x: number) => boolean]> = [
      ["lt", (x) => x < t],
      ["lte", (x) => x <= t],
      ["gt", (x) => x > t],
      ["gte", (x) => x >= t]
    ]
    for (const [op, keep] of ops) {
      const r = await call(sim, "/memberships/filter", {
        body: { filter: { and: [{ field: "created_at", op, value: pivot }] }, limit: 200 }
      })
      expect([op, r.json.data]).toEqual([op, members.filter((m) => keep(Date.parse(m.created_at)))])
    }
    // A time written differently (offset, milliseconds) is the same instant.
    const offset = new Date(t).toISOString().replace("Z", "+00:00")
    const same = await call(sim, "/memberships/filter", {
      body: { filter: { field: "created_at", op: "gte", value: offset }, limit: 200 }
    })
    expect(same.json.data).toEqual(members.filter((m) => Date.parse(m.created_at) >= t))
  })

  it("nested and/or, a group with both, and root shortcuts", async () => {
    const sim = await start({ seed: 23, size: "small", churn: 0 })
    const members = rows(sim.world.list("memberships"))
    const nested = {
      or: [
        { field: "role", op: "in", value: ["admin", "editor"] },
        { and: [{ field: "user_type", op: "eq", value: "robot" }, { field: "role", op: "eq", value: "member" }] }
      ]
    }
    const r1 = await call(sim, "/memberships/filter", { body: { filter: nested, limit: 200 } })
    expect(r1.json.data).toEqual(
      members.filter((m) =>
        m.role === "admin" || m.role === "editor" || (m.user_type === "robot" && m.role === "member")
      )
    )
    // {and, or} together: every `and` and at least one `or`.
    const both = {
      and: [{ field: "user_type", op: "eq", value: "human" }],
      or: [{ field: "role", op: "eq", value: "admin" }, { field: "role", op: "eq", value: "viewer" }]
    }
    const r2 = await call(sim, "/memberships/filter", { body: { filter: both, limit: 200 } })
    expect(r2.json.data).toEqual(
      members.filter((m) => m.user_type === "human" && (m.role === "admin" || m.role === "viewer"))
    )
    // A root shortcut is an eq condition, combined with the filter.
    const r3 = await call(sim, "/memberships/filter", {
      body: { role: "member", filter: { field: "user_type", op: "eq", value: "robot" }, limit: 200 }
    })
    expect(r3.json.data).toEqual(members.filter((m) => m.role === "member" && m.user_type === "robot"))
    expect(r3.json.data.length).toBeGreaterThan(0)
  })

  it("sorts, pages with keyed cursors that survive deletions, and binds the cursor to its query", async () => {
    const sim = await start({ seed: 24, size: "demo", churn: 0 })
    const humans = rows(sim.world.list("memberships")).filter((m) => m.user_type === "human")
    const body = {
      filter: { field: "user_type", op: "eq", value: "human" },
      sort: [{ field: "role", direction: "desc" }],
      limit: 9
    }
    // role descending, then created_at and id descending (the first key's direction).
    const expected = [...humans].sort((a, b) =>
      a.role !== b.role
        ? (a.role < b.role ? 1 : -1)
        : a.created_at !== b.created_at
        ? (a.created_at < b.created_at ? 1 : -1)
        : a.id < b.id
        ? 1
        : -1
    )
    const { items, requests } = await allFiltered(sim, "/memberships/filter", body)
    expect(items).toEqual(expected)
    expect(requests).toBe(Math.ceil(humans.length / 9))

    const page1 = await call(sim, "/memberships/filter", { body })
    sim.world.removeMembership(expected[8]!.id) // the cursor's own row
    sim.world.removeMembership(expected[9]!.id)
    const page2 = await call(sim, "/memberships/filter", { body: { ...body, after: page1.json.meta.next_cursor } })
    expect(page2.json.data).toEqual(expected.slice(10, 19))

    const otherQuery = await call(sim, "/memberships/filter", {
      body: { ...body, sort: [], after: page1.json.meta.next_cursor }
    })
    expect([otherQuery.status, otherQuery.json]).toEqual([400, errorBody("invalid_cursor")])
  })

  it("defaults to 50 rows and the list order; has_more is exact at 200", async () => {
    const sim = await start({ seed: 25, size: { humans: 200, robots: 0, invitations: 0, webhooks: 0 }, churn: 0 })
    const humans = rows(sim.world.list("memberships")).filter((m) => m.user_type === "human")
    const first = await call(sim, "/memberships/filter", { body: { user_type: "human" } })
    expect(first.json.data).toEqual(humans.slice(0, 50))
    const full = await call(sim, "/memberships/filter", { body: { user_type: "human", limit: 200 } })
    expect(full.json).toEqual({ data: humans, meta: { next_cursor: null, has_more: false } })
  })
})

describe("POST /events/filter", () => {
  it("the incremental read of section 13 returns exactly the events after a time, oldest first", async () => {
    const sim = await start({ seed: 26, size: "demo" })
    const since = iso(sim.now())
    sim.advanceDays(10)
    const newer = rows(sim.world.list("events")).filter((e) => Date.parse(e.created_at) > Date.parse(since))
    expect(newer.length).toBeGreaterThan(20)
    const body = {
      filter: { and: [{ field: "created_at", op: "gt", value: since }] },
      sort: [{ field: "created_at", direction: "asc" }],
      limit: 7
    }
    const { items } = await allFiltered(sim, "/events/filter", body)
    expect(items).toEqual(newer)
  })

  it("event_type eq and in, created_at ranges, descending order across pages, and count", async () => {
    const sim = await start({ seed: 27, size: "demo" })
    sim.advanceDays(20)
    const events = rows(sim.world.list("events"))
    const byType = await allFiltered(sim, "/events/filter", {
      filter: { field: "event_type", op: "eq", value: "invitation.created" },
      limit: 200
    })
    expect(byType.items).toEqual(events.filter((e) => e.event_type === "invitation.created"))
    const types = ["robot_token.created", "robot_token.revoked"]
    const inTypes = await allFiltered(sim, "/events/filter", {
      filter: { field: "event_type", op: "in", value: types },
      limit: 200
    })
    expect(inTypes.items).toEqual(events.filter((e) => types.includes(e.event_type)))
    expect(inTypes.items.length).toBeGreaterThan(0)

    const from = iso(sim.now().getTime() - 15 * DAY)
    const to = iso(sim.now().getTime() - 5 * DAY)
    const window = {
      and: [{ field: "created_at", op: "gte", value: from }, { field: "created_at", op: "lt", value: to }]
    }
    const desc = await allFiltered(sim, "/events/filter", {
      filter: window,
      sort: [{ field: "created_at", direction: "desc" }],
      limit: 6
    })
    const inWindow = events.filter((e) => e.created_at >= from && e.created_at < to)
    expect(desc.items).toEqual([...inWindow].reverse())
    expect(desc.requests).toBe(Math.ceil(inWindow.length / 6))

    const count = await call(sim, "/events/count", { body: { filter: window } })
    expect(count.json).toEqual({ count: inWindow.length })
  })
})

describe("POST /webhooks/filter", () => {
  it("filters webhooks on url and active", async () => {
    const sim = await start({ seed: 28, size: "demo", churn: 0 })
    const hooks = rows(sim.world.list("webhooks"))
    const insecure = await call(sim, "/webhooks/filter", {
      body: { filter: { field: "url", op: "like", value: "http://" } }
    })
    expect(insecure.json.data).toEqual(hooks.filter((h) => h.url.startsWith("http://")))
    expect(insecure.json.data.length).toBe(1)
    const inactive = await call(sim, "/webhooks/filter", { body: { active: false } })
    expect(inactive.json.data).toEqual(hooks.filter((h) => !h.active))
  })
})
