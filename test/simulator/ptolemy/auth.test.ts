/** Authentication, roles and error bodies (reference sections 2, 3, 4, 10 and 13), with plain fetch. */
import { describe, expect, it } from "vitest"
import { call, DAY, errorBody, iso, type Json, rows, start } from "./http.js"

const adminPaths = (ids: { membership: string; robot: string; invitation: string }) => [
  "/memberships",
  `/memberships/${ids.membership}`,
  "/memberships/robots",
  `/memberships/robots/${ids.robot}`,
  `/memberships/robots/${ids.robot}/tokens`,
  "/invitations",
  `/invitations/${ids.invitation}`
]

const viewerPaths = (ids: { event: string; webhook: string }) => [
  "",
  "/plan",
  "/events",
  `/events/${ids.event}`,
  "/webhooks",
  `/webhooks/${ids.webhook}`,
  `/webhooks/${ids.webhook}/subscriptions`
]

describe("authentication", () => {
  it("401 unauthorized with the pinned body for a missing, malformed or unknown token", async () => {
    const sim = await start({ size: "tiny", churn: 0 })
    const malformed = [
      "not-a-token",
      `ptk_live_${"a".repeat(63)}`,
      `ptk_live_${"a".repeat(65)}`,
      `ptk_live_${"A".repeat(64)}`,
      `ptk_test_${"a".repeat(64)}`,
      sim.tokens.admin.slice(0, -1)
    ]
    for (const token of [null, ...malformed, `ptk_live_${"1".repeat(64)}`]) {
      const r = await call(sim, "/plan", { token })
      expect([token, r.status, r.json]).toEqual([token, 401, errorBody("unauthorized")])
    }
    // The scheme matters too.
    const basic = await fetch(`${sim.url}/workspaces/${sim.workspace.slug}/plan`, {
      headers: { authorization: `Token ${sim.tokens.admin}` }
    })
    expect(basic.status).toBe(401)
  })

  it("401 for revoked and expired robot tokens; an authenticated request sets the token's last_used_at", async () => {
    const sim = await start({ seed: 6, size: "tiny", churn: 0 })
    const robot = rows(sim.world.list("robots"))[0]!
    const created = sim.world.createToken(robot.id, { expiresAt: new Date(sim.now().getTime() + DAY).toISOString() })
    const listed = () => rows(sim.world.tokens(robot.id)).find((t) => t.id === created.record["id"])!
    expect(listed().last_used_at).toBeNull()
    expect((await call(sim, "/plan", { token: created.token })).status).toBe(200)
    expect(listed().last_used_at).toBe(iso(sim.now()))
    // The same through the API, as the admin sees it.
    const viaApi = await call(sim, `/memberships/robots/${robot.id}/tokens?limit=200`)
    expect(viaApi.json.data.find((t: { id: string }) => t.id === created.record["id"]).last_used_at).toBe(
      iso(sim.now())
    )

    sim.world.setNow(new Date(sim.now().getTime() + DAY + 1000))
    expect(listed().status).toBe("expired")
    const expired = await call(sim, "/plan", { token: created.token })
    expect([expired.status, expired.json]).toEqual([401, errorBody("unauthorized")])

    const second = sim.world.createToken(robot.id)
    expect((await call(sim, "/plan", { token: second.token })).status).toBe(200)
    sim.world.revokeToken(robot.id, String(second.record["id"]))
    const revoked = await call(sim, "/plan", { token: second.token })
    expect([revoked.status, revoked.json]).toEqual([401, errorBody("unauthorized")])
  })

  it("removing a robot's membership deletes the robot and revokes its tokens: they stop working", async () => {
    const sim = await start({ seed: 7, size: "tiny", churn: 0 })
    const robot = sim.world.createRobot({ displayName: "short-lived", role: "viewer" })
    const { token } = sim.world.createToken(String(robot["id"]))
    expect((await call(sim, "/plan", { token })).status).toBe(200)
    sim.world.removeMembership(String(robot["membership_id"]))
    expect((await call(sim, "/plan", { token })).status).toBe(401)
    expect((await call(sim, `/memberships/robots/${robot["id"]}`)).status).toBe(404)
  })
})

describe("roles", () => {
  it("robot tokens (viewer and member) get 403 forbidden on the Admin endpoints and 200 on the Viewer+ ones", async () => {
    const sim = await start({ seed: 8, size: "small", churn: 0 })
    const ids = {
      membership: String(rows(sim.world.list("memberships"))[0]!["id"]),
      robot: String(rows(sim.world.list("robots"))[0]!["id"]),
      invitation: String(rows(sim.world.list("invitations"))[0]!["id"]),
      event: String(rows(sim.world.list("events"))[0]!["id"]),
      webhook: String(rows(sim.world.list("webhooks"))[0]!["id"])
    }
    for (const token of [sim.tokens.robotViewer, sim.tokens.robotMember]) {
      for (const path of adminPaths(ids)) {
        const r = await call(sim, path, { token })
        expect([path, r.status, r.json]).toEqual([path, 403, errorBody("forbidden")])
      }
      const filter = await call(sim, "/memberships/filter", { token, body: {} })
      expect([filter.status, filter.json.error.code]).toEqual([403, "forbidden"])
      for (const path of viewerPaths(ids)) {
        const r = await call(sim, path, { token })
        expect([path, r.status]).toEqual([path, 200])
      }
      expect((await call(sim, "/events/filter", { token, body: {} })).status).toBe(200)
      expect((await call(sim, "/webhooks/filter", { token, body: {} })).status).toBe(200)
    }
    // The admin principal reads everything.
    for (const path of [...adminPaths(ids), ...viewerPaths(ids)]) {
      const r = await call(sim, path)
      expect([path, r.status]).toEqual([path, 200])
    }
    expect((await call(sim, "/memberships/filter", { body: {} })).status).toBe(200)
  })

  it("the robot tokens belong to robots of the right role, which appear in the lists", async () => {
    const sim = await start({ seed: 9, size: "tiny", churn: 0 })
    const roles = rows(sim.world.list("robots")).map((r) => r.role)
    expect(roles).toContain("viewer")
    expect(roles).toContain("member")
    expect(sim.tokens.robotViewer).toMatch(/^ptk_live_[0-9a-f]{64}$/)
    expect(sim.tokens.robotMember).toMatch(/^ptk_live_[0-9a-f]{64}$/)
    expect(sim.tokens.admin).toMatch(/^ptk_live_[0-9a-f]{64}$/)
    // Only robot tokens are listed, and never in plaintext.
    const suffixes = rows(sim.world.list("robots")).flatMap((r) =>
      rows(sim.world.tokens(r.id)).map((t) => t.token_suffix)
    )
    expect(suffixes).toContain(sim.tokens.robotViewer.slice(-4))
    expect(JSON.stringify(sim.world.list("robots").map((r: Json) => sim.world.tokens(r.id)))).not.toContain(
      sim.tokens.robotViewer
    )
  })
})

describe("workspaces", () => {
  it("UUID and slug are the same workspace; an unknown one is 404; another workspace's token gets 403", async () => {
    const sim = await start({ seed: 10, size: "tiny", churn: 0, extraWorkspaces: 1 })
    const byId = await call(sim, "", { workspace: sim.workspace.id })
    const bySlug = await call(sim, "")
    expect(byId.json).toEqual(bySlug.json)
    expect(bySlug.json).toEqual(sim.world.workspaceJson())
    expect(Object.keys(bySlug.json).sort()).toEqual(["created_at", "id", "name", "settings", "slug", "updated_at"])
    expect([bySlug.json.slug, bySlug.json.name]).toEqual(["acme-capital", "Acme Capital"])

    const unknown = await call(sim, "/plan", { workspace: "no-such-workspace" })
    expect([unknown.status, unknown.json]).toEqual([404, errorBody("not_found")])

    const other = sim.workspaces[1]!
    expect(other.id).not.toBe(sim.workspace.id)
    expect(other.slug).not.toBe(sim.workspace.slug)
    for (const token of [other.tokens.admin, other.tokens.robotViewer]) {
      const r = await call(sim, "/plan", { token })
      expect([r.status, r.json]).toEqual([403, errorBody("forbidden")])
      expect((await call(sim, "/plan", { token, workspace: other.slug })).status).toBe(200)
    }
    // Its own members, not ours.
    const theirs = await call(sim, "/memberships?limit=200", { token: other.tokens.admin, workspace: other.id })
    const ours = new Set(rows(sim.world.list("memberships")).map((m) => m.id))
    expect(theirs.json.data.some((m: { id: string }) => ours.has(m.id))).toBe(false)
    expect(theirs.json.data).toEqual(sim.world.list("memberships", other.id).slice(0, 200))
  })
})

describe("errors", () => {
  it("404 not_found for unknown ids and routes", async () => {
    const sim = await start({ seed: 11, size: "tiny", churn: 0 })
    const nobody = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    for (
      const path of [
        `/memberships/${nobody}`,
        `/memberships/robots/${nobody}`,
        `/memberships/robots/${nobody}/tokens`,
        `/invitations/${nobody}`,
        `/events/${nobody}`,
        `/webhooks/${nobody}`,
        `/webhooks/${nobody}/subscriptions`,
        "/instruments-of-nowhere"
      ]
    ) {
      const r = await call(sim, path)
      expect([path, r.status, r.json]).toEqual([path, 404, errorBody("not_found")])
    }
  })

  it("documented writes it does not simulate answer 405 with Allow; the read principal's writes 403; nothing changes", async () => {
    const sim = await start({ seed: 12, size: "tiny", churn: 0 })
    const membership = rows(sim.world.list("memberships"))[0]!
    for (
      const [method, path, allow] of [
        ["POST", "/memberships/robots", "GET"],
        ["POST", "/invitations", "GET"],
        ["DELETE", "/webhooks/x", "GET"],
        ["GET", "/memberships/filter", "POST"],
        ["PUT", `/memberships/${membership.id}`, "GET, PATCH, DELETE"]
      ] as const
    ) {
      const r = await call(sim, path, { method, ...(method === "GET" || method === "DELETE" ? {} : { body: {} }) })
      expect([method, path, r.status, r.json.error.code, r.headers.get("allow")]).toEqual([
        method,
        path,
        405,
        "method_not_allowed",
        allow
      ])
    }
    for (
      const [method, path] of [["PATCH", `/memberships/${membership.id}`], [
        "DELETE",
        `/memberships/${membership.id}`
      ]] as const
    ) {
      const r = await call(sim, path, { method, ...(method === "PATCH" ? { body: { role: "viewer" } } : {}) })
      expect([method, r.status, r.json.error.code]).toEqual([method, 403, "forbidden"])
    }
    expect(sim.world.list("memberships")).toContainEqual(membership)
  })

  it("a body that is not JSON is 400 invalid_parameter; a bad filter too", async () => {
    const sim = await start({ seed: 13, size: "tiny", churn: 0 })
    const raw = await fetch(`${sim.url}/workspaces/${sim.workspace.slug}/events/filter`, {
      method: "POST",
      headers: { authorization: `Bearer ${sim.tokens.admin}`, "content-type": "application/json" },
      body: "{not json"
    })
    expect([raw.status, await raw.json()]).toEqual([400, errorBody("invalid_parameter")])
    for (
      const body of [
        { filter: { field: "role", op: "nearly", value: "admin" } },
        { filter: { field: "role", op: "in", value: "admin" } },
        { filter: { and: "role" } },
        { sort: [{ field: "created_at", direction: "sideways" }] },
        { limit: 201 }
      ]
    ) {
      const r = await call(sim, "/memberships/filter", { body })
      expect([body, r.status, r.json]).toEqual([body, 400, errorBody("invalid_parameter")])
    }
  })
})
