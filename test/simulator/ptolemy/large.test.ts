/**
 * The `large` world: the sizes of the brief, served in pages of 200, and by the filter endpoint. How fast it is
 * generated and served is measured by the bench's simulator tier (`npm run bench -- --only simulator`), not here.
 */
import { describe, expect, it } from "vitest"
import { WorldSizes } from "../../../src/simulator/ptolemy/index.js"
import { all, allFiltered, call, rows, start } from "./http.js"

describe("a large world", () => {
  it("is generated with the sizes of the brief, and served in pages of 200 exactly", async () => {
    expect(WorldSizes.large).toMatchObject({ humans: 50_000, robots: 2_000, invitations: 5_000, webhooks: 20 })
    const sim = await start({ seed: 51, size: "large", churn: 0 })
    const plan = (await call(sim, "/plan")).json
    expect(plan.usage.seats.used).toBe(50_000)
    expect(sim.world.list("robots").length).toBe(2_000 + 2) // + the simulator's own two
    expect(sim.world.list("invitations").length).toBe(5_000)
    expect(sim.world.list("webhooks").length).toBe(20)
    const admins = rows(sim.world.list("memberships")).filter((m) => m.role === "admin").length
    expect(admins).toBeGreaterThanOrEqual(1)

    const { items, requests } = await all(sim, "/memberships", 200)
    expect(requests).toBe(Math.ceil(52_002 / 200))
    expect(items).toEqual(sim.world.list("memberships"))

    // The filter endpoint pages through the same 50,000 humans, in the list's order.
    const humans = await allFiltered(sim, "/memberships/filter", {
      filter: { field: "user_type", op: "eq", value: "human" },
      limit: 200
    })
    expect(humans.requests).toBe(50_000 / 200)
    expect(humans.items).toEqual(rows(sim.world.list("memberships")).filter((m) => m.user_type === "human"))
  })

  it("keeps no sockets open: many keep-alive requests, then close() returns and the port is shut", async () => {
    const sim = await start({ seed: 52, size: "small", churn: 0 })
    await Promise.all(Array.from({ length: 15 }, () => call(sim, "/plan")))
    await sim.close()
    await expect(fetch(`${sim.url}/workspaces/acme-capital/plan`)).rejects.toThrow()
  })
})
