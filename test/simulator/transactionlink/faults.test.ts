import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import {
  type RunningTlSimulator,
  startTransactionLinkSimulator,
  TL_EXTRA_FIELDS,
  type TlMembershipJson,
  type TlPageJson,
  type TlUserJson
} from "../../../src/simulator/transactionlink/index.js"
import { expectError, get, getJson } from "./helpers.js"

/** Every object inside a JSON value. */
const objects = (value: unknown): Array<Record<string, unknown>> => {
  if (Array.isArray(value)) return value.flatMap(objects)
  if (value !== null && typeof value === "object") {
    return [value as Record<string, unknown>, ...Object.values(value).flatMap(objects)]
  }
  return []
}

/** Removes the extra fields again (to compare with ground truth). */
const strip = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(strip)
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).filter(([k]) => !(k in TL_EXTRA_FIELDS)).map(([k, v]) => [k, strip(v)])
    )
  }
  return value
}

describe("TransactionLink simulator: faults", () => {
  let sim: RunningTlSimulator
  beforeAll(async () => {
    sim = await startTransactionLinkSimulator({ seed: 31, size: "tiny", churn: 0 })
  })
  afterEach(() => sim.setFaults({}))
  afterAll(() => sim.close())

  it("no faults by default", async () => {
    for (let i = 0; i < 30; i++) expect((await get(sim, "/organizations/workspaces")).status).toBe(200)
  })

  it("latencyMs delays every answer", async () => {
    sim.setFaults({ latencyMs: 150 })
    const t = performance.now()
    expect((await get(sim, "/organizations/roles")).status).toBe(200)
    expect(performance.now() - t).toBeGreaterThanOrEqual(140)
  })

  it("serverErrorRate 1 answers 500 INTERNAL_ERROR to everything, even before authentication", async () => {
    sim.setFaults({ serverErrorRate: 1 })
    await expectError(await get(sim, "/organizations/users"), 500, "INTERNAL_ERROR")
    await expectError(await get(sim, "/organizations/users", null), 500, "INTERNAL_ERROR")
  })

  it("random faults follow the rate and are repeatable for a seed", async () => {
    const twin = await startTransactionLinkSimulator({
      seed: 31,
      size: "tiny",
      churn: 0,
      faults: { serverErrorRate: 0.4 }
    })
    try {
      sim.setFaults({ serverErrorRate: 0.4 })
      const statuses = async (s: RunningTlSimulator) => {
        const out: Array<number> = []
        for (let i = 0; i < 100; i++) out.push((await get(s, "/organizations/workspaces")).status)
        return out
      }
      const a = await statuses(sim)
      const b = await statuses(twin)
      const errors = a.filter((s) => s === 500).length
      expect(errors).toBeGreaterThan(20)
      expect(errors).toBeLessThan(60)
      expect(a.filter((s) => s !== 500).every((s) => s === 200)).toBe(true)
      expect(b).toEqual(a)
    } finally {
      await twin.close()
    }
  })

  it("dropRate 1 closes the connection without an answer (recorded as status 0)", async () => {
    sim.setFaults({ dropRate: 1 })
    sim.stats.reset()
    await expect(get(sim, "/organizations/workspaces")).rejects.toThrow()
    expect(sim.stats.requests.map((r) => r.status)).toEqual([0])
    sim.setFaults({})
    expect((await get(sim, "/organizations/workspaces")).status).toBe(200)
  })

  it("malformedRate 1 cuts 200 bodies (invalid JSON, still 200 application/json) but not errors", async () => {
    sim.setFaults({ malformedRate: 1 })
    const res = await get(sim, "/organizations/users")
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toBe("application/json;charset=UTF-8")
    const text = await res.text()
    expect(() => JSON.parse(text)).toThrow()
    expect(text.length).toBeGreaterThan(0)
    await expectError(await get(sim, "/organizations/users", null), 401, "UNAUTHORIZED")
  })

  it("extraFields adds the same unknown fields to every object, errors included", async () => {
    sim.setFaults({ extraFields: true })
    const ws = sim.world.workspacesJson()[0]!
    for (
      const path of [
        "/organizations/users?size=5",
        `/organizations/workspaces/${ws.id}/memberships`,
        "/organizations/enrollments",
        "/organizations/workspaces"
      ]
    ) {
      const first = await getJson(sim, path)
      const second = await getJson(sim, path)
      expect(second).toEqual(first)
      const all = objects(first)
      expect(all.length).toBeGreaterThan(1)
      for (const o of all) expect(o).toMatchObject(TL_EXTRA_FIELDS)
    }
    const page = await getJson<TlPageJson<TlUserJson>>(sim, "/organizations/users?size=100")
    expect(strip(page.content)).toEqual(sim.world.usersJson())
    const members = await getJson<Array<TlMembershipJson>>(sim, `/organizations/workspaces/${ws.id}/memberships`)
    expect(strip(members)).toEqual(sim.world.allMembershipsJson(ws.id))
    const error = (await (await get(sim, "/organizations/users", null)).json()) as { errors: Array<unknown> }
    expect(error).toMatchObject(TL_EXTRA_FIELDS)
    expect(error.errors[0]).toMatchObject({ code: "UNAUTHORIZED", ...TL_EXTRA_FIELDS })
  })

  it("forbid makes the named endpoints answer 403 whatever the token", async () => {
    sim.setFaults({ forbid: ["users", "allMemberships"] })
    const ws = sim.world.workspacesJson()[0]!
    await expectError(await get(sim, "/organizations/users"), 403, "FORBIDDEN")
    await expectError(await get(sim, `/organizations/workspaces/${ws.id}/memberships`), 403, "FORBIDDEN")
    expect((await get(sim, `/workspaces/${ws.id}/memberships`)).status).toBe(200)
    expect((await get(sim, `/organizations/users/${sim.world.usersJson()[0]!.id}`)).status).toBe(200)
    await expectError(await get(sim, "/organizations/users", null), 401, "UNAUTHORIZED")
  })

  it("a rule fires after n matching requests, a given number of times", async () => {
    sim.setFaults({ rules: [{ path: "/organizations/users", after: 1, times: 2, action: { status: 503 } }] })
    const statuses: Array<number> = []
    for (let i = 0; i < 5; i++) statuses.push((await get(sim, "/organizations/users?page=0")).status)
    expect(statuses).toEqual([200, 503, 503, 200, 200])
    // The prefix also matches deeper paths; other paths are not counted.
    sim.setFaults({ rules: [{ path: "/organizations/users", times: 1, action: { status: 500 } }] })
    expect((await get(sim, "/organizations/roles")).status).toBe(200)
    await expectError(await get(sim, `/organizations/users/${sim.world.usersJson()[0]!.id}`), 500, "INTERNAL_ERROR")
    expect((await get(sim, "/organizations/users")).status).toBe(200)
  })

  it("rules match on method and RegExp (tested against path and query), with code and headers", async () => {
    sim.setFaults({
      rules: [
        { method: "POST", path: "/", action: { status: 500 } },
        {
          path: /^\/organizations\/users\?.*page=1(&|$)/,
          action: { status: 429, code: "TOO_MANY_REQUESTS", headers: { "Retry-After": "2" } }
        }
      ]
    })
    expect((await get(sim, "/organizations/users?page=0")).status).toBe(200)
    const limited = await get(sim, "/organizations/users?size=3&page=1")
    expect(limited.headers.get("retry-after")).toBe("2")
    await expectError(limited, 429, "TOO_MANY_REQUESTS")
    expect((await get(sim, "/organizations/users?page=10")).status).toBe(200)
  })

  it("rule actions drop and malformed", async () => {
    sim.setFaults({
      rules: [
        { path: "/organizations/roles", times: 1, action: "drop" },
        { path: "/organizations/workspaces", times: 1, action: "malformed" }
      ]
    })
    await expect(get(sim, "/organizations/roles")).rejects.toThrow()
    expect((await get(sim, "/organizations/roles")).status).toBe(200)
    const bad = await get(sim, "/organizations/workspaces")
    expect(bad.status).toBe(200)
    await expect(bad.json()).rejects.toThrow()
    expect(await getJson(sim, "/organizations/workspaces")).toEqual(sim.world.workspacesJson())
  })

  it("rules win over random faults; setFaults replaces everything and restarts the counters", async () => {
    sim.setFaults({ serverErrorRate: 1, rules: [{ path: "/organizations/roles", action: { status: 404 } }] })
    await expectError(await get(sim, "/organizations/roles"), 404, "NOT_FOUND")
    await expectError(await get(sim, "/organizations/workspaces"), 500, "INTERNAL_ERROR")
    const rule = { path: "/organizations/roles", after: 1, times: 1, action: { status: 502 } }
    sim.setFaults({ rules: [rule] })
    expect((await get(sim, "/organizations/roles")).status).toBe(200)
    expect((await get(sim, "/organizations/roles")).status).toBe(502)
    sim.setFaults({ rules: [rule] })
    expect((await get(sim, "/organizations/roles")).status).toBe(200)
    expect((await get(sim, "/organizations/roles")).status).toBe(502)
  })

  it("refuses invalid fault settings", () => {
    expect(() => sim.setFaults({ dropRate: 2 })).toThrow()
    expect(() => sim.setFaults({ latencyMs: -1 })).toThrow()
    expect(() => sim.setFaults({ forbid: ["nope" as never] })).toThrow()
    expect(() => sim.setFaults({ rules: [{ path: "/", action: { status: 42 } }] })).toThrow()
  })
})
