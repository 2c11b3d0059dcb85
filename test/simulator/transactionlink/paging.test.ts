import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type RunningTlSimulator,
  startTransactionLinkSimulator,
  TL_ENROLLMENT_STATUSES,
  type TlEnrollmentJson,
  type TlPageJson,
  type TlUserJson
} from "../../../src/simulator/transactionlink/index.js"
import { expectError, get, getJson } from "./helpers.js"

describe("TransactionLink simulator: users and enrollments paging", () => {
  let sim: RunningTlSimulator
  beforeAll(async () => {
    // 47 users: 2 full pages of 20 and a last page of 7 with the default size.
    sim = await startTransactionLinkSimulator({ seed: 5, size: { users: 47, enrollments: 60 }, churn: 0 })
  })
  afterAll(() => sim.close())

  it("defaults to page 0 of size 20 and reports the Spring page fields", async () => {
    const page = await getJson<TlPageJson<TlUserJson>>(sim, "/organizations/users")
    expect(Object.keys(page)).toEqual(["content", "totalElements", "totalPages", "size", "number"])
    expect(page).toMatchObject({ totalElements: 47, totalPages: 3, size: 20, number: 0 })
    expect(page.content).toEqual(sim.world.usersJson().slice(0, 20))
  })

  it("pages through every user exactly once, with a short last page and an empty page after it", async () => {
    const seen: Array<TlUserJson> = []
    const size = 20
    for (let page = 0;; page++) {
      const body = await getJson<TlPageJson<TlUserJson>>(sim, `/organizations/users?page=${page}&size=${size}`)
      expect(body.number).toBe(page)
      expect(body.totalPages).toBe(3)
      if (page < 2) expect(body.content).toHaveLength(20)
      if (page === 2) expect(body.content).toHaveLength(7)
      if (body.content.length === 0) {
        expect(page).toBe(3)
        break
      }
      seen.push(...body.content)
    }
    expect(seen).toEqual(sim.world.usersJson())
    expect(new Set(seen.map((u) => u.id)).size).toBe(47)
  })

  it("accepts size up to 100 and refuses more (400 BAD_REQUEST)", async () => {
    const all = await getJson<TlPageJson<TlUserJson>>(sim, "/organizations/users?size=100")
    expect(all.content).toHaveLength(47)
    expect(all.totalPages).toBe(1)
    await expectError(await get(sim, "/organizations/users?size=101"), 400, "BAD_REQUEST")
  })

  it("refuses bad page and size values with 400", async () => {
    for (const q of ["page=-1", "page=abc", "page=1.5", "page=", "size=0", "size=-5", "size=ten", "size="]) {
      await expectError(await get(sim, `/organizations/users?${q}`), 400, "BAD_REQUEST")
      await expectError(await get(sim, `/organizations/enrollments?${q}`), 400, "BAD_REQUEST")
    }
  })

  it("returns one user by id", async () => {
    const user = sim.world.usersJson()[13]!
    expect(await getJson(sim, `/organizations/users/${user.id}`)).toEqual(user)
  })

  it("emits users with the pinned fields", async () => {
    const users = await getJson<TlPageJson<TlUserJson>>(sim, "/organizations/users?size=100")
    const roleIds = new Set(sim.world.orgRolesJson().map((r) => r.id))
    for (const u of users.content) {
      expect(u.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(roleIds.has(u.roleId)).toBe(true)
      expect(["ACTIVE", "TERMINATED"]).toContain(u.status)
      expect(u.createdDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      expect(u.idpId === null || typeof u.idpId === "string").toBe(true)
      if (u.lastLoginDateTime !== undefined) {
        expect(Date.parse(u.lastLoginDateTime)).toBeGreaterThanOrEqual(Date.parse(u.createdDateTime))
      }
      for (const key of Object.keys(u.profile)) expect(["firstName", "lastName", "title"]).toContain(key)
    }
    expect(users.content.some((u) => u.status === "TERMINATED")).toBe(true)
    expect(users.content.some((u) => u.lastLoginDateTime === undefined)).toBe(true)
  })

  it("filters enrollments by status, and lists all statuses without a filter", async () => {
    const all = await getJson<TlPageJson<TlEnrollmentJson>>(sim, "/organizations/enrollments?size=100")
    expect(all.totalElements).toBe(60)
    expect(all.content).toEqual(sim.world.enrollmentsJson())
    let total = 0
    for (const status of TL_ENROLLMENT_STATUSES) {
      const page = await getJson<TlPageJson<TlEnrollmentJson>>(
        sim,
        `/organizations/enrollments?status=${status}&size=100`
      )
      expect(page.totalElements).toBeGreaterThan(0)
      expect(page.content.every((e) => e.status === status)).toBe(true)
      expect(page.content).toEqual(sim.world.enrollmentsJson(status))
      total += page.totalElements
    }
    expect(total).toBe(60)
  })

  it("pages filtered enrollments", async () => {
    const accepted = sim.world.enrollmentsJson("ACCEPTED")
    const page1 = await getJson<TlPageJson<TlEnrollmentJson>>(
      sim,
      "/organizations/enrollments?status=ACCEPTED&size=5&page=1"
    )
    expect(page1).toMatchObject({
      totalElements: accepted.length,
      totalPages: Math.ceil(accepted.length / 5),
      size: 5,
      number: 1
    })
    expect(page1.content).toEqual(accepted.slice(5, 10))
  })

  it("refuses an unknown status with 400", async () => {
    await expectError(await get(sim, "/organizations/enrollments?status=OPEN"), 400, "BAD_REQUEST")
    await expectError(await get(sim, "/organizations/enrollments?status=pending"), 400, "BAD_REQUEST")
  })

  it("emits enrollments with the pinned fields and a 7-day expiry after the last send", async () => {
    const all = await getJson<TlPageJson<TlEnrollmentJson>>(sim, "/organizations/enrollments?size=100")
    const roleIds = new Set(sim.world.orgRolesJson().map((r) => r.id))
    const now = sim.now().getTime()
    for (const e of all.content) {
      expect(Object.keys(e)).toEqual([
        "enrollmentId",
        "email",
        "status",
        "lastInvitationSentAt",
        "roleId",
        "createdDateTime",
        "expiresAt"
      ])
      expect(roleIds.has(e.roleId)).toBe(true)
      expect(Date.parse(e.expiresAt) - Date.parse(e.lastInvitationSentAt!)).toBe(7 * 86_400_000)
      expect(Date.parse(e.lastInvitationSentAt!)).toBeGreaterThanOrEqual(Date.parse(e.createdDateTime))
      if (e.status === "PENDING") expect(Date.parse(e.expiresAt)).toBeGreaterThan(now)
      if (e.status === "EXPIRED") expect(Date.parse(e.expiresAt)).toBeLessThanOrEqual(now)
    }
    // Accepted enrollments belong to existing users.
    const emails = new Set(sim.world.usersJson().map((u) => u.email))
    for (const e of all.content.filter((x) => x.status === "ACCEPTED")) expect(emails.has(e.email)).toBe(true)
  })
})
