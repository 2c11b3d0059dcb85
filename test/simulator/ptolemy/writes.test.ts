/**
 * The write endpoints (reference sections 5.2 to 5.4), with plain fetch and the write principal's token: each one's
 * success, permission, 404, 409 and 422 answers, the access event it logs, its metering, faults on writes, and the
 * request log that lets a test say which writes the simulator saw.
 */
import { describe, expect, it } from "vitest"
import { call, DAY, errorBody, iso, remainingOf, type Row, rows, start } from "./http.js"

type Sim = Awaited<ReturnType<typeof start>>

const write = (sim: Sim, method: "PATCH" | "DELETE", path: string, body?: unknown) =>
  call(sim, path, { method, token: sim.writeToken, ...(body === undefined ? {} : { body }) })

const events = (sim: Sim) => rows(sim.world.list("events"))
/** The event of that type on that resource (events in the same second are listed by id, so not "the last one"). */
const eventOf = (sim: Sim, type: string, resourceId: unknown) => {
  const found = events(sim).filter((e) => e.event_type === type && e.resource_id === resourceId)
  expect(found).toHaveLength(1)
  return found[0]
}
const member = (sim: Sim, id: string) => rows(sim.world.list("memberships")).find((m) => m.id === id)
const humanNonAdmin = (sim: Sim) =>
  rows(sim.world.list("memberships")).find((m) => m.user_type === "human" && m.role !== "admin")!

describe("the write principal", () => {
  it("is a token of its own, an admin that reads too, and its writes are logged with its own actor", async () => {
    const sim = await start({ seed: 60, size: "tiny", churn: 0 })
    expect(sim.writeToken).toMatch(/^ptk_live_[0-9a-f]{64}$/)
    expect(new Set([sim.writeToken, sim.tokens.admin, sim.tokens.robotViewer, sim.tokens.robotMember]).size).toBe(4)
    expect(sim.tokens.write).toBe(sim.writeToken)
    expect((await call(sim, "/memberships", { token: sim.writeToken })).status).toBe(200)
    // The writer is no member of the workspace: it shows only as the actor of what it does.
    expect(rows(sim.world.list("memberships")).some((m) => m.user_id === sim.writer.id)).toBe(false)
    const target = humanNonAdmin(sim)
    expect(
      (await write(sim, "PATCH", `/memberships/${target.id}`, { role: target.role === "viewer" ? "member" : "viewer" }))
        .status
    ).toBe(200)
    expect(eventOf(sim, "membership.updated", target.id)!.actor).toEqual(sim.writer)
  })

  it("each workspace has its own; another workspace's write token gets 403", async () => {
    const sim = await start({ seed: 61, size: "tiny", churn: 0, extraWorkspaces: 1 })
    const [a, b] = sim.workspaces
    expect(a!.tokens.write).not.toBe(b!.tokens.write)
    const target = humanNonAdmin(sim)
    const r = await call(sim, `/memberships/${target.id}`, { method: "DELETE", token: b!.tokens.write })
    expect([r.status, r.json]).toEqual([403, errorBody("forbidden")])
    expect(member(sim, target.id)).toBeDefined()
  })
})

describe("PATCH /memberships/{id}", () => {
  it("changes the role: 200 with the membership as the API shows it, and a membership.updated event by the writer", async () => {
    const sim = await start({ seed: 62, size: "tiny", churn: 0 })
    sim.world.setNow(new Date(sim.now().getTime() + DAY))
    const target = humanNonAdmin(sim)
    const to = target.role === "editor" ? "viewer" : "editor"
    const r = await write(sim, "PATCH", `/memberships/${target.id}`, { role: to })
    expect(r.status).toBe(200)
    expect(r.json).toEqual(member(sim, target.id))
    expect(r.json).toMatchObject({ id: target.id, role: to, created_at: target.created_at, updated_at: iso(sim.now()) })
    expect(eventOf(sim, "membership.updated", target.id)).toMatchObject({
      event_type: "membership.updated",
      resource_type: "membership",
      resource_id: target.id,
      actor: sim.writer,
      created_at: iso(sim.now()),
      data: { role: { from: target.role, to } }
    })
  })

  it("the same role again changes nothing: 200, no event", async () => {
    const sim = await start({ seed: 63, size: "tiny", churn: 0 })
    const target = humanNonAdmin(sim)
    const n = events(sim).length
    const r = await write(sim, "PATCH", `/memberships/${target.id}`, { role: target.role })
    expect([r.status, r.json]).toEqual([200, target])
    expect(events(sim)).toHaveLength(n)
  })

  it("refuses what it cannot do: 422 for a robot made editor or admin or an unknown role, 400 without a role, 404, 409 for the last admin", async () => {
    const sim = await start({ seed: 64, size: "tiny", churn: 0 })
    const robot = rows(sim.world.list("memberships")).find((m) => m.user_type === "robot")!
    for (const role of ["editor", "admin"]) {
      const r = await write(sim, "PATCH", `/memberships/${robot.id}`, { role })
      expect([role, r.status, r.json]).toEqual([role, 422, errorBody("validation_error")])
    }
    const human = humanNonAdmin(sim)
    for (const role of ["Admin", "owner"]) {
      expect((await write(sim, "PATCH", `/memberships/${human.id}`, { role })).status).toBe(422)
    }
    for (const body of [{}, { role: 3 }, ["viewer"]]) {
      const r = await write(sim, "PATCH", `/memberships/${human.id}`, body)
      expect([body, r.status, r.json]).toEqual([body, 400, errorBody("invalid_parameter")])
    }
    expect((await write(sim, "PATCH", "/memberships/00000000-0000-4000-8000-000000000000", { role: "viewer" })).json)
      .toEqual(errorBody("not_found"))
    const admins = rows(sim.world.list("memberships")).filter((m) => m.role === "admin")
    expect(admins.length).toBeGreaterThan(1)
    for (const a of admins.slice(1)) sim.world.changeRole(a.id, "member")
    const last = await write(sim, "PATCH", `/memberships/${admins[0]!.id}`, { role: "viewer" })
    expect([last.status, last.json]).toEqual([409, errorBody("conflict")])
    expect(member(sim, admins[0]!.id)!.role).toBe("admin")
    // A robot may move between viewer and member.
    const moved = await write(sim, "PATCH", `/memberships/${robot.id}`, {
      role: robot.role === "viewer" ? "member" : "viewer"
    })
    expect(moved.status).toBe(200)
    expect(rows(sim.world.list("robots")).find((r) => r.id === robot.user_id)!.role).toBe(moved.json.role)
  })

  it("needs the write principal: the read principal and robots get 403, no token 401, and nothing changes", async () => {
    const sim = await start({ seed: 65, size: "tiny", churn: 0 })
    const target = humanNonAdmin(sim)
    const n = events(sim).length
    for (const token of [sim.tokens.admin, sim.tokens.robotMember, sim.tokens.robotViewer]) {
      const r = await call(sim, `/memberships/${target.id}`, { method: "PATCH", token, body: { role: "admin" } })
      expect([r.status, r.json]).toEqual([403, errorBody("forbidden")])
    }
    expect(
      (await call(sim, `/memberships/${target.id}`, { method: "PATCH", token: null, body: { role: "admin" } })).status
    ).toBe(401)
    expect(member(sim, target.id)).toEqual(target)
    expect(events(sim)).toHaveLength(n)
  })
})

describe("DELETE /memberships/{id}", () => {
  it("removes a human: 204 with no body, gone from the lists, a membership.deleted event; a second time 404", async () => {
    const sim = await start({ seed: 66, size: "tiny", churn: 0 })
    const target = humanNonAdmin(sim)
    const r = await write(sim, "DELETE", `/memberships/${target.id}`)
    expect([r.status, r.text]).toEqual([204, ""])
    expect(member(sim, target.id)).toBeUndefined()
    expect((await call(sim, `/memberships/${target.id}`)).status).toBe(404)
    expect(eventOf(sim, "membership.deleted", target.id)).toMatchObject({
      event_type: "membership.deleted",
      resource_id: target.id,
      actor: sim.writer,
      data: { user_type: "human", role: target.role, email: target.email }
    })
    const again = await write(sim, "DELETE", `/memberships/${target.id}`)
    expect([again.status, again.json]).toEqual([404, errorBody("not_found")])
  })

  it("removing a robot's membership deletes the robot and revokes every token it had: they stop working", async () => {
    const sim = await start({ seed: 67, size: "tiny", churn: 0 })
    const robot = rows(sim.world.list("robots")).find((r) => r.display_name === "audit-member-bot")!
    const tokens = rows(sim.world.tokens(robot.id))
    const active = tokens.filter((t) => t.status === "active")
    expect(active.length).toBeGreaterThan(0)
    expect((await call(sim, "/plan", { token: sim.tokens.robotMember })).status).toBe(200)
    const n = events(sim).length
    expect((await write(sim, "DELETE", `/memberships/${robot.membership_id}`)).status).toBe(204)
    expect(rows(sim.world.list("robots")).some((r) => r.id === robot.id)).toBe(false)
    expect((await call(sim, `/memberships/robots/${robot.id}`)).status).toBe(404)
    expect((await call(sim, "/plan", { token: sim.tokens.robotMember })).status).toBe(401)
    const logged = events(sim).slice(n)
    expect(logged.map((e) => [e.event_type, e.resource_id]).sort()).toEqual(
      [["membership.deleted", robot.membership_id], ...active.map((t) => ["robot_token.revoked", t.id])].sort()
    )
    for (const e of logged) expect(e.actor).toEqual(sim.writer)
  })

  it("never removes the last admin (409), and needs the write principal (403)", async () => {
    const sim = await start({ seed: 68, size: "tiny", churn: 0 })
    const admins = rows(sim.world.list("memberships")).filter((m) => m.role === "admin")
    for (const a of admins.slice(1)) expect((await write(sim, "DELETE", `/memberships/${a.id}`)).status).toBe(204)
    const last = await write(sim, "DELETE", `/memberships/${admins[0]!.id}`)
    expect([last.status, last.json]).toEqual([409, errorBody("conflict")])
    const target = humanNonAdmin(sim)
    expect((await call(sim, `/memberships/${target.id}`, { method: "DELETE" })).status).toBe(403)
    expect(member(sim, target.id)).toBeDefined()
  })
})

describe("DELETE /memberships/robots/{userId}/tokens/{tokenId}", () => {
  it("revokes an active token: 204, status revoked at now, an event, and the token gets 401; what is gone is 404", async () => {
    const sim = await start({ seed: 69, size: "tiny", churn: 0 })
    const robot = rows(sim.world.list("robots")).find((r) => r.display_name === "audit-viewer-bot")!
    const token = rows(sim.world.tokens(robot.id))[0]!
    const path = `/memberships/robots/${robot.id}/tokens/${token.id}`
    expect((await write(sim, "DELETE", path)).status).toBe(204)
    expect(rows(sim.world.tokens(robot.id))[0]).toMatchObject({ status: "revoked", revoked_at: iso(sim.now()) })
    expect(eventOf(sim, "robot_token.revoked", token.id)).toMatchObject({
      event_type: "robot_token.revoked",
      resource_id: token.id,
      actor: sim.writer,
      data: { robot_id: robot.id }
    })
    expect((await call(sim, "/plan", { token: sim.tokens.robotViewer })).status).toBe(401)
    const n = events(sim).length
    const again = await write(sim, "DELETE", path)
    expect([again.status, again.json]).toEqual([404, errorBody("not_found")])
    expect(events(sim)).toHaveLength(n)
    expect(
      (await write(sim, "DELETE", `/memberships/robots/${robot.id}/tokens/00000000-0000-4000-8000-000000000000`)).status
    ).toBe(404)
    expect(
      (await write(sim, "DELETE", `/memberships/robots/00000000-0000-4000-8000-000000000000/tokens/${token.id}`)).status
    ).toBe(404)
  })

  it("an expired token is gone too (404, still expired); the read principal and robots may not revoke (403)", async () => {
    const sim = await start({ seed: 70, size: "tiny", churn: 0 })
    const robot = rows(sim.world.list("robots")).find((r) => r.display_name === "audit-member-bot")!
    const soon = sim.world.createToken(robot.id, { expiresAt: new Date(sim.now().getTime() + DAY).toISOString() })
    const id = String(soon.record["id"])
    for (const token of [sim.tokens.admin, sim.tokens.robotMember]) {
      expect((await call(sim, `/memberships/robots/${robot.id}/tokens/${id}`, { method: "DELETE", token })).status)
        .toBe(403)
    }
    sim.world.setNow(new Date(sim.now().getTime() + 2 * DAY))
    const r = await write(sim, "DELETE", `/memberships/robots/${robot.id}/tokens/${id}`)
    expect([r.status, r.json]).toEqual([404, errorBody("not_found")])
    expect(rows(sim.world.tokens(robot.id)).find((t) => t.id === id)!.status).toBe("expired")
  })
})

describe("DELETE /invitations/{id}", () => {
  it("revokes a pending invitation: 204, status revoked, an invitation.revoked event; a revoked one is gone (404)", async () => {
    const sim = await start({ seed: 71, size: "tiny", churn: 0 })
    const inv = sim.world.sendInvitation({ email: "to.revoke@acme-capital.example", role: "member" })
    const path = `/invitations/${inv["id"]}`
    expect((await write(sim, "DELETE", path)).status).toBe(204)
    expect((await call(sim, path)).json).toMatchObject({ status: "revoked", revoked_at: iso(sim.now()) })
    expect(eventOf(sim, "invitation.revoked", inv["id"])).toMatchObject({
      event_type: "invitation.revoked",
      resource_id: inv["id"],
      actor: sim.writer,
      data: { email: "to.revoke@acme-capital.example" }
    })
    const again = await write(sim, "DELETE", path)
    expect([again.status, again.json]).toEqual([404, errorBody("not_found")])
    expect((await write(sim, "DELETE", "/invitations/00000000-0000-4000-8000-000000000000")).status).toBe(404)
  })

  it("an accepted or expired invitation cannot be revoked (409), and the read principal may not (403)", async () => {
    const sim = await start({ seed: 72, size: "tiny", churn: 0 })
    const accepted = sim.world.sendInvitation({ email: "joins@acme-capital.example", role: "viewer" })
    sim.world.acceptInvitation(String(accepted["id"]))
    const expired = sim.world.sendInvitation({ email: "never@acme-capital.example", role: "viewer" })
    const pending = sim.world.sendInvitation({ email: "later@acme-capital.example", role: "viewer" })
    expect((await call(sim, `/invitations/${pending["id"]}`, { method: "DELETE" })).status).toBe(403)
    sim.world.setNow(Date.parse(String(expired["expires_at"])) + 1000)
    for (const inv of [accepted, expired]) {
      const r = await write(sim, "DELETE", `/invitations/${inv["id"]}`)
      expect([r.status, r.json]).toEqual([409, errorBody("conflict")])
    }
    expect(
      rows(sim.world.list("invitations")).filter((i) => [accepted["id"], expired["id"]].includes(i.id)).map((i) =>
        i.status
      ).sort()
    ).toEqual(["accepted", "expired"])
  })
})

describe("writes are metered, logged and faulted like reads", () => {
  it("every write counts one API call, refused ones too", async () => {
    const sim = await start({ seed: 73, size: "tiny", churn: 0 })
    const target = humanNonAdmin(sim)
    const before = remainingOf(await call(sim, "/plan"))
    const answers = [
      await write(sim, "PATCH", `/memberships/${target.id}`, { role: "viewer" }),
      await write(sim, "PATCH", `/memberships/${target.id}`, { role: "admin" }),
      await call(sim, `/memberships/${target.id}`, { method: "DELETE" }), // 403
      await write(sim, "DELETE", `/memberships/${target.id}`),
      await write(sim, "DELETE", `/memberships/${target.id}`) // 404
    ]
    expect(answers.map(remainingOf)).toEqual([before - 1, before - 2, before - 3, before - 4, before - 5])
    expect((sim.world.planJson() as Row).usage.api_calls.used).toBe(
      (sim.world.planJson() as Row).usage.api_calls.limit - (before - 5)
    )
  })

  it("with the quota spent, a write is 429 quota_exceeded and changes nothing", async () => {
    const sim = await start({ seed: 74, size: "tiny", churn: 0 })
    const target = humanNonAdmin(sim)
    sim.world.setUsed("api_calls", Number((sim.world.planJson() as Row).usage.api_calls.limit))
    const r = await write(sim, "DELETE", `/memberships/${target.id}`)
    expect([r.status, r.json]).toEqual([429, errorBody("quota_exceeded")])
    expect(member(sim, target.id)).toBeDefined()
  })

  it("the request log holds exactly the writes made, with the token that made each; reads are not writes", async () => {
    const sim = await start({ seed: 75, size: "tiny", churn: 0 })
    const target = humanNonAdmin(sim)
    sim.stats.reset()
    await call(sim, "/memberships")
    await call(sim, "/events/filter", { body: { limit: 1 } })
    await write(sim, "PATCH", `/memberships/${target.id}`, { role: "viewer" })
    await call(sim, `/memberships/${target.id}`, { method: "DELETE" })
    await call(sim, "/invitations", { method: "POST", token: sim.writeToken, body: {} })
    const prefix = `/v1/workspaces/${sim.workspace.slug}`
    expect(sim.stats.writes.map((r) => [r.method, r.path, r.status, r.token])).toEqual([
      ["PATCH", `${prefix}/memberships/${target.id}`, 200, sim.writeToken],
      ["DELETE", `${prefix}/memberships/${target.id}`, 403, sim.tokens.admin],
      ["POST", `${prefix}/invitations`, 405, sim.writeToken]
    ])
    expect(sim.stats.requests.filter((r) => !r.write).map((r) => r.method)).toEqual(["GET", "POST"])
  })

  it("rules match writes by method and path; an injected answer means the write was not made", async () => {
    const sim = await start({ seed: 76, size: "tiny", churn: 0 })
    const target = humanNonAdmin(sim)
    sim.setFaults({ rules: [{ method: "DELETE", path: "/memberships", times: 1, action: { status: 503 } }] })
    expect((await call(sim, `/memberships/${target.id}`)).status).toBe(200) // a GET of the same path is not matched
    const r = await write(sim, "DELETE", `/memberships/${target.id}`)
    expect([r.status, r.json]).toEqual([503, errorBody("internal_error")])
    expect(member(sim, target.id)).toBeDefined()
    expect((await write(sim, "DELETE", `/memberships/${target.id}`)).status).toBe(204)
  })

  it("lose-answer makes the write, then closes the connection; retrying finds it done (404)", async () => {
    const sim = await start({ seed: 77, size: "tiny", churn: 0 })
    const target = humanNonAdmin(sim)
    sim.setFaults({ rules: [{ method: "DELETE", path: /^\/memberships\/[^/]+$/, times: 1, action: "lose-answer" }] })
    await expect(write(sim, "DELETE", `/memberships/${target.id}`)).rejects.toThrow()
    expect(member(sim, target.id)).toBeUndefined()
    expect((await write(sim, "DELETE", `/memberships/${target.id}`)).status).toBe(404)
  })

  it("random faults and forbid apply to writes too", async () => {
    const sim = await start({ seed: 78, size: "tiny", churn: 0, faults: { serverErrorRate: 1 } })
    const target = humanNonAdmin(sim)
    expect((await write(sim, "PATCH", `/memberships/${target.id}`, { role: "viewer" })).json).toEqual(
      errorBody("internal_error")
    )
    sim.setFaults({ forbid: ["memberships"] })
    expect((await write(sim, "PATCH", `/memberships/${target.id}`, { role: "viewer" })).status).toBe(403)
    sim.setFaults({ rules: [{ method: "PATCH", path: "/memberships", action: "malformed" }] })
    const cut = await write(sim, "PATCH", `/memberships/${target.id}`, { role: "viewer" })
    expect(cut.status).toBe(200)
    expect(() => JSON.parse(cut.text)).toThrow()
    expect(member(sim, target.id)!.role).toBe("viewer") // a malformed answer still carries a made change
  })
})

describe("test hooks for remediation tests", () => {
  it("readdMember re-adds a removed member with the same email (a new membership), out of band", async () => {
    const sim = await start({ seed: 79, size: "tiny", churn: 0 })
    const target = humanNonAdmin(sim)
    await write(sim, "DELETE", `/memberships/${target.id}`)
    expect(sim.world.memberByEmail(target.email)).toBeUndefined()
    const back = sim.world.readdMember(target.email)
    expect(back).toMatchObject({ email: target.email, role: target.role, user_type: "human" })
    expect(back["id"]).not.toBe(target.id)
    expect(sim.world.memberByEmail(target.email)).toEqual(back)
    expect(eventOf(sim, "membership.created", back["id"])).toMatchObject({ actor: { type: "human" } })
    expect(() => sim.world.readdMember(target.email)).toThrow(/already a member/)
    expect(() => sim.world.readdMember("nobody@acme-capital.example")).toThrow(/No removed member/)
    // A role changed out of band (the drift a remediation must not force).
    expect(sim.world.changeRole(String(back["id"]), "editor")).toMatchObject({ role: "editor" })
  })
})
