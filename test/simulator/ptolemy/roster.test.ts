/**
 * The demo company's people directory, checked against the world it goes with: every human member has a row but
 * one contractor; the churn's leavers are terminated on or before the day they were removed (0, 3 and more days
 * before); one leaver is never removed; a robot's creator has left; reading it changes nothing in the world.
 */
import { parse } from "csv-parse/sync"
import { describe, expect, it } from "vitest"
import { MAIN_DOMAIN } from "../../../src/simulator/ptolemy/index.js"
import { call, DAY, type Row, rows, start } from "./http.js"

type Sim = Awaited<ReturnType<typeof start>>

/** Read with csv-parse, not the project's own reader, so the two cannot share a mistake. */
const parseCsv = (text: string): Array<Array<string>> => parse(text, { relaxColumnCount: true })

interface Person {
  email: string
  status: string
  terminated_on: string
  name: string
  manager: string
  department: string
}

const roster = (sim: Sim): Map<string, Person> => {
  const [header, ...lines] = parseCsv(sim.world.rosterCsv())
  expect(header).toEqual(["email", "status", "terminated_on", "name", "manager", "department"])
  const people = new Map<string, Person>()
  for (const line of lines) {
    expect(line).toHaveLength(6)
    const [email, status, terminated_on, name, manager, department] = line as [
      string,
      string,
      string,
      string,
      string,
      string
    ]
    expect(people.has(email)).toBe(false)
    people.set(email, { email, status, terminated_on, name, manager, department })
  }
  return people
}

const humans = (sim: Sim) => rows(sim.world.list("memberships")).filter((m) => m.user_type === "human")

/** The members the directory does not know, and the members it says have left. */
const outsiders = (sim: Sim, people: Map<string, Person>) => humans(sim).filter((m) => !people.has(m.email))
const leaversWithAccess = (sim: Sim, people: Map<string, Person>) =>
  humans(sim).filter((m) => people.get(m.email)?.status === "terminated")

/** Every human removal in the access log, with its day. */
const removals = (sim: Sim) =>
  rows(sim.world.list("events")).filter((e) => e.event_type === "membership.deleted" && e.data.user_type === "human")

describe("the people directory of a demo world", () => {
  it("has a row for every human member but one contractor, and one leaver who still has access", async () => {
    const sim = await start({ seed: 1, size: "demo" })
    const people = roster(sim)
    for (const p of people.values()) {
      expect(["active", "terminated", "suspended"]).toContain(p.status)
      expect(p.terminated_on).toMatch(p.status === "active" ? /^$/ : /^\d{4}-\d{2}-\d{2}$/)
      expect(p.department).not.toBe("")
      if (p.manager !== "") expect(people.has(p.manager) && p.manager !== p.email).toBe(true)
    }
    for (const m of humans(sim)) if (people.has(m.email)) expect(people.get(m.email)!.name).toBe(m.display_name)
    const [contractor, ...more] = outsiders(sim, people)
    expect(more).toEqual([])
    expect(contractor!.email.endsWith(`@${MAIN_DOMAIN}`)).toBe(false)
    expect(contractor!.role).not.toBe("admin")
    const [leaver, ...others] = leaversWithAccess(sim, people)
    expect(others).toEqual([])
    expect(leaver!.role).toBe("admin")
    expect(Date.parse(people.get(leaver!.email)!.terminated_on)).toBeLessThan(sim.now().getTime() - 20 * DAY)
  })

  it("through 90 days of churn: leavers terminated 0, 3 and more days before removal; the one leaver never removed; a robot whose creator left", async () => {
    const sim = await start({ seed: 1, size: "demo" })
    const first = roster(sim)
    const leaver = leaversWithAccess(sim, first)[0]!
    const contractor = outsiders(sim, first)[0]!
    const lags = new Set<number>()
    for (let day = 15; day <= 90; day += 15) {
      sim.advanceDays(15)
      const people = roster(sim)
      for (const e of removals(sim)) {
        const person = people.get(e.data.email)
        expect(person?.status, e.data.email).toBe("terminated")
        const lag = Math.floor((Date.parse(e.created_at) - Date.parse(person!.terminated_on)) / DAY)
        expect(lag).toBeGreaterThanOrEqual(0)
        lags.add(lag)
      }
      expect(leaversWithAccess(sim, people).map((m) => m.email)).toEqual([leaver.email])
      expect(outsiders(sim, people).map((m) => m.email)).toEqual([contractor.email])
      // Everyone who joined since has a row, active.
      for (const m of humans(sim)) {
        if (m.email !== contractor.email && m.email !== leaver.email) {
          expect(people.get(m.email)!.status).toBe("active")
        }
      }
    }
    expect(removals(sim).length).toBeGreaterThanOrEqual(3)
    expect([...lags]).toEqual(expect.arrayContaining([0, 3]))
    expect(Math.max(...lags)).toBeGreaterThan(3)
    // A robot whose creator (the actor of its creation event) has left: the leaver with access made it.
    const events = rows(sim.world.list("events"))
    const created = rows(sim.world.list("robots")).map((r) =>
      events.find((e) => e.event_type === "membership.created" && e.resource_id === r.membership_id)
    )
    expect(created.filter((e) => e?.actor.id === leaver.user_id).length).toBeGreaterThan(0)
  })

  it("a removal through the API or by hand is no departure: the person stays active", async () => {
    const sim = await start({ seed: 3, size: "tiny", churn: 0 })
    const people = roster(sim)
    const target = humans(sim).find((m) => m.role !== "admin" && people.get(m.email)?.status === "active")!
    expect((await call(sim, `/memberships/${target.id}`, { method: "DELETE", token: sim.writeToken })).status).toBe(204)
    expect(roster(sim).get(target.email)!.status).toBe("active")
  })

  it("when the leaver with access does leave the workspace, someone else keeps theirs; a contractor who leaves is followed by the next newcomer", async () => {
    const sim = await start({ seed: 4, size: "tiny", churn: 0 })
    const people = roster(sim)
    const leaver = leaversWithAccess(sim, people)[0]!
    const contractor = outsiders(sim, people)[0]!
    sim.world.setNow(sim.now().getTime() + 2 * DAY)
    sim.world.removeMembership(leaver.id, undefined, undefined, { leaver: true })
    const after = roster(sim)
    const [next, ...more] = leaversWithAccess(sim, after)
    expect(more).toEqual([])
    expect(next!.email).not.toBe(leaver.email)
    expect(after.get(next!.email)!.terminated_on).toBe(sim.now().toISOString().slice(0, 10))
    sim.world.removeMembership(contractor.id, undefined, undefined, { leaver: true })
    expect(outsiders(sim, roster(sim))).toEqual([])
    const newcomer = sim.world.addHuman({ email: "new.contractor@contractor-mail.example", role: "viewer" })
    expect(outsiders(sim, roster(sim)).map((m) => m.id)).toEqual([newcomer["id"]])
    expect(roster(sim).has(String(contractor.email))).toBe(false)
  })

  it("is its own random stream: reading it every day changes nothing in the world, and a seed gives the same directory", async () => {
    const reader = await start({ seed: 2, size: "small" })
    const quiet = await start({ seed: 2, size: "small" })
    for (let day = 0; day < 30; day++) {
      reader.world.rosterCsv()
      reader.advanceDays(1)
    }
    quiet.advanceDays(30)
    for (const collection of ["memberships", "robots", "invitations", "webhooks", "events"] as const) {
      expect(reader.world.list(collection)).toEqual(quiet.world.list(collection))
    }
    expect(reader.world.rosterCsv()).toBe(quiet.world.rosterCsv())
  })

  it("setRosterEntry lets a test say what the directory says of someone (a suspension, a person it did not know)", async () => {
    const sim = await start({ seed: 5, size: "tiny", churn: 0 })
    const target = humans(sim).find((m) => roster(sim).get(m.email)?.status === "active")!
    sim.world.setRosterEntry(target.email, { status: "suspended", terminatedOn: "2026-01-02" })
    expect(roster(sim).get(target.email)).toMatchObject({ status: "suspended", terminated_on: "2026-01-02" })
    sim.world.setRosterEntry("someone, \"new\"@acme-capital.example", { name: "Some One" })
    expect(roster(sim).get("someone, \"new\"@acme-capital.example")).toMatchObject(
      { status: "active", name: "Some One" } as Partial<Row>
    )
  })
})
