/** The World: scenario methods, their access events, invariants, and ground truth equal to the HTTP answers. */
import { describe, expect, it } from "vitest"
import { all, call, DAY, iso, rows, start } from "./http.js"

const newEvents = (events: ReadonlyArray<unknown>, before: number) => rows(events).slice(before)

describe("World mutations append the access event with its actor", () => {
  it("members, robots, tokens, invitations and webhooks", async () => {
    const sim = await start({ seed: 31, size: "tiny", churn: 0 })
    const w = sim.world
    const owner = rows(w.list("memberships")).find((m) => m.role === "admin")!
    const ownerActor = { id: owner.user_id, type: "human", display_name: owner.display_name }
    const expectLast = (
      before: number,
      expected: Array<{ event_type: string; resource_id: unknown; actor?: unknown }>
    ) => {
      const events = newEvents(w.list("events"), before)
      expect(events.map((e) => [e.event_type, e.resource_id])).toEqual(
        expected.map((x) => [x.event_type, x.resource_id])
      )
      for (const [i, x] of expected.entries()) {
        expect(events[i]!.actor).toEqual(x.actor ?? ownerActor)
        expect(events[i]!.created_at).toBe(iso(sim.now()))
        expect(Object.keys(events[i]!).sort()).toEqual([
          "actor",
          "created_at",
          "data",
          "event_type",
          "id",
          "resource_id",
          "resource_type"
        ])
      }
    }
    const step = () => w.setNow(new Date(w.now().getTime() + 60_000)) // one event a minute, so order is by time

    let n = w.list("events").length
    const m = w.addHuman({ email: "new.person@acme-capital.example", role: "viewer", displayName: "New Person" })
    expect(m).toMatchObject({
      user_type: "human",
      role: "viewer",
      display_name: "New Person",
      email: "new.person@acme-capital.example"
    })
    expectLast(n, [{ event_type: "membership.created", resource_id: m["id"] }])
    step()
    n = w.list("events").length
    const changed = w.changeRole(String(m["id"]), "editor")
    expect(changed["role"]).toBe("editor")
    expectLast(n, [{ event_type: "membership.updated", resource_id: m["id"] }])
    step()
    n = w.list("events").length
    w.removeMembership(String(m["id"]))
    expectLast(n, [{ event_type: "membership.deleted", resource_id: m["id"] }])
    expect(rows(w.list("memberships")).some((x) => x.id === m["id"])).toBe(false)

    step()
    n = w.list("events").length
    const robot = w.createRobot({ displayName: "etl", role: "member", description: "nightly" })
    expect(robot).toMatchObject({ display_name: "etl", role: "member", description: "nightly" })
    expect(rows(w.list("memberships")).find((x) => x.id === robot["membership_id"])).toMatchObject({
      user_type: "robot",
      user_id: robot["id"],
      email: null
    })
    expectLast(n, [{ event_type: "membership.created", resource_id: robot["membership_id"] }])
    step()
    n = w.list("events").length
    const t1 = w.createToken(String(robot["id"]), { name: "first", expiresAt: null })
    expect(t1.token).toMatch(/^ptk_live_[0-9a-f]{64}$/)
    expect(t1.record).toMatchObject({
      name: "first",
      token_suffix: t1.token.slice(-4),
      status: "active",
      expires_at: null,
      last_used_at: null,
      revoked_at: null
    })
    expect(JSON.stringify(t1.record)).not.toContain(t1.token)
    expectLast(n, [{ event_type: "robot_token.created", resource_id: t1.record["id"] }])
    step()
    n = w.list("events").length
    w.revokeToken(String(robot["id"]), String(t1.record["id"]))
    expect(rows(w.tokens(String(robot["id"])))[0]).toMatchObject({ status: "revoked", revoked_at: iso(sim.now()) })
    expectLast(n, [{ event_type: "robot_token.revoked", resource_id: t1.record["id"] }])
    step()
    const t2 = w.createToken(String(robot["id"]))
    w.useToken(String(t2.record["id"]), new Date("2026-01-01T10:00:00Z"))
    expect(rows(w.tokens(String(robot["id"])))[1]!.last_used_at).toBe("2026-01-01T10:00:00Z")
    step()
    n = w.list("events").length
    w.deleteRobot(String(robot["id"]))
    // Deleting a robot revokes its active tokens, then deletes the membership.
    const removal = newEvents(w.list("events"), n)
    expect(removal.map((e) => [e.event_type, e.resource_id]).sort()).toEqual([
      ["membership.deleted", robot["membership_id"]],
      ["robot_token.revoked", t2.record["id"]]
    ])

    step()
    n = w.list("events").length
    const inv = w.sendInvitation({ email: "invitee@acme-capital.example", role: "member" })
    expect(inv).toMatchObject({ status: "pending", invited_by: owner.id, accepted_at: null, revoked_at: null })
    expect(Date.parse(String(inv["expires_at"])) - Date.parse(String(inv["created_at"]))).toBe(7 * DAY)
    expectLast(n, [{ event_type: "invitation.created", resource_id: inv["id"] }])
    step()
    n = w.list("events").length
    const joined = w.acceptInvitation(String(inv["id"]))
    expect(joined).toMatchObject({ user_type: "human", role: "member", email: "invitee@acme-capital.example" })
    const invitee = { id: joined["user_id"], type: "human", display_name: joined["display_name"] }
    expect(rows(w.list("invitations")).find((i) => i.id === inv["id"])).toMatchObject({
      status: "accepted",
      accepted_at: iso(sim.now())
    })
    const accepted = newEvents(w.list("events"), n)
    expect(accepted.map((e) => e.event_type).sort()).toEqual(["invitation.accepted", "membership.created"])
    for (const e of accepted) expect(e.actor).toEqual(invitee)
    expect(() => w.acceptInvitation(String(inv["id"]))).toThrow() // single use

    step()
    const inv2 = w.sendInvitation({ email: "second@acme-capital.example", role: "viewer" })
    step()
    n = w.list("events").length
    w.revokeInvitation(String(inv2["id"]))
    expectLast(n, [{ event_type: "invitation.revoked", resource_id: inv2["id"] }])
    expect(() => w.revokeInvitation(String(inv2["id"]))).toThrow()

    step()
    n = w.list("events").length
    const hook = w.createWebhook({ url: "https://example.test/hook", label: "new", active: true, eventTypes: ["*"] })
    expect(w.subscriptions(String(hook["id"]))).toEqual([{ id: expect.any(String), event_type: "*" }])
    step()
    w.updateWebhook(String(hook["id"]), { active: false, eventTypes: ["membership.created", "invitation.created"] })
    expect(rows(w.list("webhooks")).find((h) => h.id === hook["id"])!.active).toBe(false)
    expect(rows(w.subscriptions(String(hook["id"]))).map((s) => s.event_type)).toEqual([
      "membership.created",
      "invitation.created"
    ])
    step()
    w.deleteWebhook(String(hook["id"]))
    expect(newEvents(w.list("events"), n).map((e) => e.event_type)).toEqual([
      "webhook.created",
      "webhook.updated",
      "webhook.deleted"
    ])
  })

  it("an actor can be given, e.g. a robot acting through the API", async () => {
    const sim = await start({ seed: 32, size: "tiny", churn: 0 })
    const robot = rows(sim.world.list("robots"))[0]!
    const actor = { id: robot.id, type: "robot" as const, display_name: robot.display_name }
    const n = sim.world.list("events").length
    sim.world.sendInvitation({ email: "by.robot@acme-capital.example", role: "viewer" }, undefined, actor)
    expect(newEvents(sim.world.list("events"), n)[0]!.actor).toEqual(actor)
  })
})

describe("invariants", () => {
  it("robots only viewer or member; the last admin stays; no double membership; the clock only moves forward", async () => {
    const sim = await start({ seed: 33, size: { humans: 1, robots: 1, invitations: 0, webhooks: 0 }, churn: 0 })
    const w = sim.world
    const robotMembership = rows(w.list("memberships")).find((m) => m.user_type === "robot")!
    expect(() => w.changeRole(robotMembership.id, "admin")).toThrow(/viewer or member/)
    expect(() => w.changeRole(robotMembership.id, "editor")).toThrow(/viewer or member/)
    expect(() => w.createRobot({ displayName: "x", role: "admin" as "viewer" })).toThrow(/viewer or member/)
    w.changeRole(robotMembership.id, "member")
    expect(rows(w.list("robots")).find((r) => r.id === robotMembership.user_id)!.role).toBe("member")
    const admin = rows(w.list("memberships")).find((m) => m.role === "admin")!
    expect(() => w.changeRole(admin.id, "viewer")).toThrow(/last admin/)
    expect(() => w.removeMembership(admin.id)).toThrow(/last admin/)
    expect(() => w.addHuman({ email: admin.email, role: "viewer" })).toThrow(/already a member/)
    expect(() => w.setNow(new Date(w.now().getTime() - 1000))).toThrow()
  })

  it("pending invitations expire 7 days after creation, with an invitation.expired event at that moment", async () => {
    const sim = await start({ seed: 34, size: { humans: 2, robots: 0, invitations: 0, webhooks: 0 }, churn: 0 })
    const inv = sim.world.sendInvitation({ email: "late@acme-capital.example", role: "viewer" })
    sim.world.setNow(new Date(Date.parse(String(inv["expires_at"])) - 1000))
    expect(rows(sim.world.list("invitations")).find((i) => i.id === inv["id"])!.status).toBe("pending")
    sim.advanceDays(1)
    expect(rows(sim.world.list("invitations")).find((i) => i.id === inv["id"])!.status).toBe("expired")
    const expired = rows(sim.world.list("events")).find((e) =>
      e.event_type === "invitation.expired" && e.resource_id === inv["id"]
    )!
    expect(expired.created_at).toBe(inv["expires_at"])
    expect(() => sim.world.acceptInvitation(String(inv["id"]))).toThrow()
  })
})

describe("ground truth", () => {
  it("is exactly what the API returns, for every collection and single resource", async () => {
    const sim = await start({ seed: 35, size: "demo" })
    sim.advanceDays(5)
    const w = sim.world
    for (const collection of ["memberships", "robots", "invitations", "webhooks", "events"] as const) {
      const path = {
        memberships: "/memberships",
        robots: "/memberships/robots",
        invitations: "/invitations",
        webhooks: "/webhooks",
        events: "/events"
      }[collection]
      const truth = w.list(collection)
      expect(truth.length).toBeGreaterThan(0)
      expect((await all(sim, path, 200)).items).toEqual(truth)
      // Each single resource too.
      const one = rows(truth)[truth.length - 1]!
      const single = collection === "robots" ? `/memberships/robots/${one.id}` : `${path}/${one.id}`
      expect((await call(sim, single)).json).toEqual(one)
    }
    for (const robot of rows(w.list("robots"))) {
      expect((await all(sim, `/memberships/robots/${robot.id}/tokens`, 200)).items).toEqual(w.tokens(robot.id))
    }
    for (const hook of rows(w.list("webhooks"))) {
      expect((await all(sim, `/webhooks/${hook.id}/subscriptions`, 200)).items).toEqual(w.subscriptions(hook.id))
    }
    expect((await call(sim, "")).json).toEqual(w.workspaceJson())
    // The plan counts this very request: compare with the ground truth read after it.
    const plan = (await call(sim, "/plan")).json
    expect(plan).toEqual(w.planJson())
  })

  it("has the pinned shapes of section 13", async () => {
    const sim = await start({ seed: 36, size: "demo", churn: 0 })
    const w = sim.world
    const keys = (x: unknown) => Object.keys(x as object).sort()
    const sortedKeys = (...k: Array<string>) => [...k].sort()
    for (const m of w.list("memberships")) {
      expect(keys(m)).toEqual(
        sortedKeys("id", "user_id", "user_type", "role", "display_name", "email", "created_at", "updated_at")
      )
    }
    for (const r of rows(w.list("robots"))) {
      expect(keys(r)).toEqual(sortedKeys("id", "membership_id", "display_name", "description", "role", "created_at"))
      expect(["viewer", "member"]).toContain(r.role)
      for (const t of rows(w.tokens(r.id))) {
        expect(keys(t)).toEqual(
          sortedKeys("id", "name", "token_suffix", "status", "created_at", "expires_at", "last_used_at", "revoked_at")
        )
        expect(t.token_suffix).toMatch(/^[0-9a-f]{4}$/)
        expect(["active", "revoked", "expired"]).toContain(t.status)
      }
    }
    for (const i of rows(w.list("invitations"))) {
      expect(keys(i)).toEqual(
        sortedKeys(
          "id",
          "email",
          "role",
          "status",
          "invited_by",
          "created_at",
          "expires_at",
          "accepted_at",
          "revoked_at"
        )
      )
      expect(Date.parse(i.expires_at) - Date.parse(i.created_at)).toBe(7 * DAY)
    }
    for (const h of w.list("webhooks")) {
      expect(keys(h)).toEqual(sortedKeys("id", "url", "label", "active", "created_at"))
    }
    const timestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
    for (const e of rows(w.list("events"))) {
      expect(e.id).toMatch(uuid)
      expect(e.created_at).toMatch(timestamp)
      expect(keys(e.actor)).toEqual(["display_name", "id", "type"])
      expect(["human", "robot"]).toContain(e.actor.type)
    }
    expect(new Set(rows(w.list("invitations")).map((i) => i.status))).toEqual(
      new Set(["pending", "accepted", "expired", "revoked"])
    )
  })

  it("events older than the plan's retention are hidden (90 days starter, 365 growth, unlimited enterprise)", async () => {
    const ages = async (plan: "starter" | "growth" | "enterprise") => {
      const sim = await start({ seed: 37, size: "small", churn: 0, plan })
      const now = sim.now().getTime()
      const { items } = await all(sim, "/events", 200)
      expect(items).toEqual(sim.world.list("events"))
      const oldest = Math.max(...items.map((e: { created_at: string }) => (now - Date.parse(e.created_at)) / DAY))
      return { oldest, visible: items.length, sim }
    }
    const starter = await ages("starter")
    const growth = await ages("growth")
    const enterprise = await ages("enterprise")
    expect(starter.oldest).toBeLessThanOrEqual(90)
    expect(growth.oldest).toBeLessThanOrEqual(365)
    expect(growth.oldest).toBeGreaterThan(90)
    expect(enterprise.oldest).toBeGreaterThan(365)
    expect(starter.visible).toBeLessThan(growth.visible)
    expect(growth.visible).toBeLessThan(enterprise.visible)
    // An event past retention is not found by id either (the same seed makes the same events).
    const old = rows(enterprise.sim.world.list("events"))[0]!
    expect((await call(starter.sim, `/events/${old.id}`)).status).toBe(404)
  })
})
