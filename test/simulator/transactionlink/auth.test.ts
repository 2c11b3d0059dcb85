import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningTlSimulator, startTransactionLinkSimulator } from "../../../src/simulator/transactionlink/index.js"
import { expectError, get } from "./helpers.js"

describe("TransactionLink simulator: authentication and routing", () => {
  let sim: RunningTlSimulator
  beforeAll(async () => {
    sim = await startTransactionLinkSimulator({ seed: 11, size: "tiny" })
  })
  afterAll(() => sim.close())

  it("listens on 127.0.0.1 with a base URL without a version segment", () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it("issues three distinct tot_ tokens of 52 alphanumerics", () => {
    const all = [sim.tokens.full, sim.tokens.viewOnly, sim.tokens.oneWorkspace]
    for (const t of all) expect(t).toMatch(/^tot_[A-Za-z0-9]{52}$/)
    expect(new Set(all).size).toBe(3)
  })

  it("accepts the token as-is in Authorization, with the documented content type and no rate-limit headers", async () => {
    const res = await get(sim, "/organizations/workspaces")
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toBe("application/json;charset=UTF-8")
    for (const name of res.headers.keys()) expect(name).not.toMatch(/ratelimit|retry-after/i)
    expect(await res.json()).toEqual(sim.world.workspacesJson())
  })

  it("refuses the same token with a Bearer prefix (401 UNAUTHORIZED)", async () => {
    const body = await expectError(
      await get(sim, "/organizations/workspaces", `Bearer ${sim.tokens.full}`),
      401,
      "UNAUTHORIZED"
    )
    expect(body.errors[0]!.message).toMatch(/Bearer/)
  })

  it("answers 401 to a missing, empty, malformed or unknown token", async () => {
    await expectError(await get(sim, "/organizations/workspaces", null), 401, "UNAUTHORIZED")
    await expectError(await get(sim, "/organizations/workspaces", ""), 401, "UNAUTHORIZED")
    await expectError(await get(sim, "/organizations/workspaces", "tot_short"), 401, "UNAUTHORIZED")
    await expectError(await get(sim, "/organizations/workspaces", `tot_${"A".repeat(52)}`), 401, "UNAUTHORIZED")
    await expectError(await get(sim, "/organizations/workspaces", sim.tokens.full.toLowerCase()), 401, "UNAUTHORIZED")
  })

  it("checks the token before routing", async () => {
    await expectError(await get(sim, "/no/such/thing", null), 401, "UNAUTHORIZED")
  })

  it("answers 404 NOT_FOUND to unknown paths, including versioned ones", async () => {
    await expectError(await get(sim, "/no/such/thing"), 404, "NOT_FOUND")
    await expectError(await get(sim, "/v1/organizations/workspaces"), 404, "NOT_FOUND")
    await expectError(await get(sim, "/organizations/workspaces/"), 404, "NOT_FOUND")
  })

  it("writes it does not simulate answer 405 with an ErrorResponse and Allow; the read token may not manage access", async () => {
    const ws = sim.world.workspacesJson()[0]!
    const user = sim.world.usersJson()[1]!
    const before = sim.world.directMembershipsJson(ws.id)
    const del = await fetch(`${sim.url}/workspaces/${ws.id}/memberships/${user.id}`, {
      method: "DELETE",
      headers: { Authorization: sim.tokens.full }
    })
    expect(del.headers.get("allow")).toBe("")
    await expectError(del, 405, "BAD_REQUEST")
    const post = await fetch(`${sim.url}/organizations/enrollments`, {
      method: "POST",
      headers: { Authorization: sim.tokens.full, "Content-Type": "application/json" },
      body: JSON.stringify({ email: "x@orbitpay.example", roleId: sim.world.orgRoleId("member") })
    })
    expect(post.headers.get("allow")).toBe("GET")
    await expectError(post, 405, "BAD_REQUEST")
    const get405 = await get(sim, `/organizations/workspaces/${ws.id}/memberships/${user.id}`)
    expect(get405.headers.get("allow")).toBe("PUT, DELETE")
    await expectError(get405, 405, "BAD_REQUEST")
    const read = await fetch(`${sim.url}/organizations/workspaces/${ws.id}/memberships/${user.id}`, {
      method: "DELETE",
      headers: { Authorization: sim.tokens.full }
    })
    await expectError(read, 403, "FORBIDDEN")
    expect(sim.world.directMembershipsJson(ws.id)).toEqual(before)
    expect(sim.world.enrollmentsJson().some((e) => e.email === "x@orbitpay.example")).toBe(false)
  })

  it("answers 400 to a path id that is not a UUID and 404 to an unknown UUID", async () => {
    await expectError(await get(sim, "/workspaces/not-a-uuid/memberships"), 400, "BAD_REQUEST")
    await expectError(await get(sim, "/organizations/users/42"), 400, "BAD_REQUEST")
    const unknown = "00000000-0000-4000-8000-000000000000"
    await expectError(await get(sim, `/workspaces/${unknown}/memberships`), 404, "NOT_FOUND")
    await expectError(await get(sim, `/organizations/workspaces/${unknown}/roles`), 404, "NOT_FOUND")
    await expectError(await get(sim, `/organizations/users/${unknown}`), 404, "NOT_FOUND")
  })

  it("gives every error a different fingerprint", async () => {
    const a = await expectError(await get(sim, "/organizations/workspaces", null), 401, "UNAUTHORIZED")
    const b = await expectError(await get(sim, "/organizations/workspaces", null), 401, "UNAUTHORIZED")
    expect(a.fingerprint).not.toBe(b.fingerprint)
  })

  it("records every request in stats, and reset() empties them", async () => {
    sim.stats.reset()
    expect(sim.stats.requests).toHaveLength(0)
    await get(sim, "/organizations/users?page=1&size=3")
    await get(sim, "/organizations/workspaces", `Bearer ${sim.tokens.full}`)
    for (const r of sim.stats.requests) expect(r.answeredAt).toBeGreaterThanOrEqual(r.receivedAt)
    expect(sim.stats.requests.map(({ answeredAt: _a, receivedAt: _r, ...r }) => r)).toEqual([
      {
        method: "GET",
        path: "/organizations/users",
        query: "page=1&size=3",
        status: 200,
        authorization: sim.tokens.full,
        token: sim.tokens.full,
        write: false
      },
      {
        method: "GET",
        path: "/organizations/workspaces",
        query: "",
        status: 401,
        authorization: `Bearer ${sim.tokens.full}`,
        token: `Bearer ${sim.tokens.full}`,
        write: false
      }
    ])
    sim.stats.reset()
    expect(sim.stats.requests).toHaveLength(0)
  })
})
