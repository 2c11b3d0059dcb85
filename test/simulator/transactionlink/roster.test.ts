/** The organisation's people directory against its users: every user but one contractor, terminated on the day they were. */
import { afterEach, describe, expect, it } from "vitest"
import {
  PRIMARY_DOMAIN,
  type RunningTlSimulator,
  startTransactionLinkSimulator
} from "../../../src/simulator/transactionlink/index.js"

const running: Array<RunningTlSimulator> = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()))
})

/** Rows by email (the generated names and emails hold no commas or quotes, so a split is enough here). */
const roster = (sim: RunningTlSimulator) => {
  const [header, ...lines] = sim.world.rosterCsv().trimEnd().split("\n")
  expect(header).toBe("email,status,terminated_on,name,manager,department")
  return new Map(lines.map((line) => {
    const [email, status, terminated_on, name, manager, department] = line.split(",")
    return [email!, {
      status: status!,
      terminated_on: terminated_on!,
      name: name!,
      manager: manager!,
      department: department!
    }]
  }))
}

describe("the TransactionLink people directory", () => {
  it("has every user but one outside contractor; terminated users are terminated, dated after their last sign-in", async () => {
    const sim = await startTransactionLinkSimulator({ seed: 90, size: "demo", churn: 0 })
    running.push(sim)
    const people = roster(sim)
    const users = sim.world.usersJson()
    const missing = users.filter((u) => !people.has(u.email))
    expect(missing).toHaveLength(1)
    expect(missing[0]!.email.endsWith(`@${PRIMARY_DOMAIN}`)).toBe(false)
    expect(missing[0]!.status).toBe("ACTIVE")
    expect(people.size).toBe(users.length - 1)
    for (const u of users.filter((x) => people.has(x.email))) {
      const p = people.get(u.email)!
      expect(p.status).toBe(u.status === "ACTIVE" ? "active" : "terminated")
      if (u.status === "ACTIVE") expect(p.terminated_on).toBe("")
      else {
        expect(p.terminated_on).toMatch(/^\d{4}-\d{2}-\d{2}$/)
        expect(Date.parse(p.terminated_on)).toBeLessThanOrEqual(sim.now().getTime())
        if (u.lastLoginDateTime !== undefined) expect(p.terminated_on >= u.lastLoginDateTime.slice(0, 10)).toBe(true)
      }
      expect(p.department).not.toBe("")
    }
    // Some terminated users kept their workspace access: the leavers an audit reports.
    const terminated = new Set(users.filter((u) => u.status === "TERMINATED").map((u) => u.id))
    const keptAccess = sim.world.workspacesJson().flatMap((ws) => sim.world.directMembershipsJson(ws.id)).filter((m) =>
      terminated.has(m.userId)
    )
    expect(keptAccess.length).toBeGreaterThan(0)
  })

  it("a user terminated now is terminated today; reinstated, active again; reading it changes nothing", async () => {
    const sim = await startTransactionLinkSimulator({ seed: 91, size: "small" })
    const twin = await startTransactionLinkSimulator({ seed: 91, size: "small" })
    running.push(sim, twin)
    for (let day = 0; day < 20; day++) {
      sim.world.rosterCsv()
      sim.advanceDays(1)
    }
    twin.advanceDays(20)
    expect(sim.world.usersJson()).toEqual(twin.world.usersJson())
    expect(sim.roster()).toBe(twin.roster())
    const user = sim.world.usersJson().find((u) => u.status === "ACTIVE" && roster(sim).has(u.email))!
    sim.world.terminateUser(user.id)
    expect(roster(sim).get(user.email)).toMatchObject({
      status: "terminated",
      terminated_on: sim.now().toISOString().slice(0, 10)
    })
    sim.world.reinstateUser(user.id)
    expect(roster(sim).get(user.email)).toMatchObject({ status: "active", terminated_on: "" })
  })
})
