import { afterAll, describe, expect, it } from "vitest"
import {
  createTransactionLinkWorld,
  type RunningTlSimulator,
  startTransactionLinkSimulator,
  type TlEnrollmentJson,
  type TlMembershipJson,
  type TlPageJson,
  type TlUserJson,
  type TlWorld
} from "../../../src/simulator/transactionlink/index.js"
import { getJson } from "./helpers.js"

const DAY = 86_400_000
const started: Array<RunningTlSimulator> = []
const start = async (options: Parameters<typeof startTransactionLinkSimulator>[0]) => {
  const sim = await startTransactionLinkSimulator(options)
  started.push(sim)
  return sim
}
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()))
})

/** Everything an auditor can read, through HTTP with the full token. */
const auditView = async (sim: RunningTlSimulator) => {
  const users: Array<TlUserJson> = []
  for (let page = 0;; page++) {
    const body = await getJson<TlPageJson<TlUserJson>>(sim, `/organizations/users?page=${page}&size=100`)
    users.push(...body.content)
    if (page + 1 >= body.totalPages) break
  }
  const enrollments: Array<TlEnrollmentJson> = []
  for (let page = 0;; page++) {
    const body = await getJson<TlPageJson<TlEnrollmentJson>>(sim, `/organizations/enrollments?page=${page}&size=100`)
    enrollments.push(...body.content)
    if (page + 1 >= body.totalPages) break
  }
  const direct: Array<TlMembershipJson> = []
  const all: Array<TlMembershipJson> = []
  for (const ws of await getJson<Array<{ id: string }>>(sim, "/organizations/workspaces")) {
    direct.push(...(await getJson<Array<TlMembershipJson>>(sim, `/workspaces/${ws.id}/memberships`)))
    all.push(...(await getJson<Array<TlMembershipJson>>(sim, `/organizations/workspaces/${ws.id}/memberships`)))
  }
  return { users, enrollments, direct, all }
}

const groundTruth = (world: TlWorld) => ({
  workspaces: world.workspacesJson(),
  users: world.usersJson(),
  enrollments: world.enrollmentsJson(),
  orgRoles: world.orgRolesJson(),
  roles: world.workspacesJson().map((ws) => world.rolesJson(ws.id)),
  all: world.workspacesJson().map((ws) => world.allMembershipsJson(ws.id))
})

describe("TransactionLink simulator: determinism", () => {
  it("the same seed gives the same world, tokens and churn; another seed differs", async () => {
    const a = await start({ seed: 99, size: "small" })
    const b = await start({ seed: 99, size: "small" })
    const c = await start({ seed: 100, size: "small" })
    expect(b.tokens).toEqual(a.tokens)
    expect(groundTruth(b.world)).toEqual(groundTruth(a.world))
    expect(await auditView(b)).toEqual(await auditView(a))
    expect(c.tokens.full).not.toBe(a.tokens.full)
    expect(c.world.usersJson().map((u) => u.id)).not.toEqual(a.world.usersJson().map((u) => u.id))

    a.advanceDays(20)
    b.advanceDays(20)
    expect(groundTruth(b.world)).toEqual(groundTruth(a.world))
    expect(await auditView(b)).toEqual(await auditView(a))
  })

  it("createTransactionLinkWorld builds the simulator's starting world", async () => {
    const sim = await start({ seed: 4, size: "tiny" })
    expect(groundTruth(createTransactionLinkWorld({ seed: 4, size: "tiny" }))).toEqual(groundTruth(sim.world))
  })

  it("sizes set the counts", async () => {
    const world = createTransactionLinkWorld({ seed: 1, size: { workspaces: 3, users: 30, enrollments: 9 } })
    expect(world.workspacesJson()).toHaveLength(3)
    expect(world.usersJson()).toHaveLength(30)
    expect(world.enrollmentsJson()).toHaveLength(9)
    const demo = createTransactionLinkWorld({ seed: 1, size: "demo" })
    expect(demo.usersJson()).toHaveLength(150)
    expect(() => createTransactionLinkWorld({ size: { users: 0 } })).toThrow()
  })
})

describe("TransactionLink simulator: churn", () => {
  it("60 days of churn produce the changes an auditor looks for", async () => {
    const sim = await start({ seed: 17, size: "small", churn: 1 })
    const before = await auditView(sim)
    const t0 = sim.now().getTime()
    sim.advanceDays(60)
    expect(sim.now().getTime() - t0).toBe(60 * DAY)
    const after = await auditView(sim)
    const byId = <T extends { id: string }>(list: Array<T>) => new Map(list.map((x) => [x.id, x]))
    const oldUsers = byId(before.users)
    const newUsers = byId(after.users)
    const adminRoles = new Set([sim.world.orgRoleId("owner"), sim.world.orgRoleId("admin")])

    // People joined through accepted enrollments.
    const joined = after.users.filter((u) => !oldUsers.has(u.id))
    expect(joined.length).toBeGreaterThan(0)
    const accepted = new Set(after.enrollments.filter((e) => e.status === "ACCEPTED").map((e) => e.email))
    for (const u of joined) expect(accepted.has(u.email)).toBe(true)
    for (const u of joined) expect(Date.parse(u.createdDateTime)).toBeGreaterThan(t0)

    // Users were terminated, and some terminated users still hold direct memberships (an audit finding).
    const terminated = after.users.filter((u) => u.status === "TERMINATED" && oldUsers.get(u.id)?.status === "ACTIVE")
    expect(terminated.length).toBeGreaterThan(0)
    const holders = new Set(after.direct.map((m) => m.userId))
    expect(after.users.some((u) => u.status === "TERMINATED" && holders.has(u.id))).toBe(true)

    // Organisation role changes, including promotions to admin that show up as inherited access.
    const orgRoleChanged = after.users.filter((u) => oldUsers.has(u.id) && oldUsers.get(u.id)!.roleId !== u.roleId)
    expect(orgRoleChanged.length).toBeGreaterThan(0)
    const promoted = orgRoleChanged.filter((u) => adminRoles.has(u.roleId) && u.status === "ACTIVE")
    expect(promoted.length).toBeGreaterThan(0)
    const inheritedIds = new Set(after.all.filter((m) => m.role.type === "ORGANIZATION").map((m) => m.userId))
    expect(promoted.some((u) => inheritedIds.has(u.id))).toBe(true)

    // Direct memberships added, removed and re-roled.
    const key = (m: TlMembershipJson) => `${m.workspaceId}/${m.userId}`
    const oldDirect = new Map(before.direct.map((m) => [key(m), m]))
    const newDirect = new Map(after.direct.map((m) => [key(m), m]))
    expect([...newDirect.keys()].some((k) => !oldDirect.has(k))).toBe(true)
    expect([...oldDirect.keys()].some((k) => !newDirect.has(k))).toBe(true)
    expect([...newDirect].some(([k, m]) => oldDirect.has(k) && oldDirect.get(k)!.role.id !== m.role.id)).toBe(true)

    // Enrollments were created, expired, resent and cancelled.
    const oldEnrollments = new Map(before.enrollments.map((e) => [e.enrollmentId, e]))
    expect(after.enrollments.length).toBeGreaterThan(before.enrollments.length)
    const changed = (status: string) =>
      after.enrollments.filter((e) => e.status === status && oldEnrollments.get(e.enrollmentId)?.status !== status)
    expect(changed("EXPIRED").length).toBeGreaterThan(0)
    expect(changed("CANCELLED").length).toBeGreaterThan(0)
    expect(changed("ACCEPTED").length).toBeGreaterThan(0)
    expect(
      after.enrollments.some((e) =>
        Date.parse(e.lastInvitationSentAt!) > Date.parse(e.createdDateTime) && Date.parse(e.lastInvitationSentAt!) > t0
      )
    ).toBe(true)

    // Sign-ins moved lastLoginDateTime forward; nothing is in the future.
    const loggedIn = after.users.filter((u) =>
      u.lastLoginDateTime !== undefined && Date.parse(u.lastLoginDateTime) > t0
    )
    expect(loggedIn.length).toBeGreaterThan(after.users.length / 3)
    const now = sim.now().getTime()
    for (const u of after.users) {
      if (u.lastLoginDateTime !== undefined) expect(Date.parse(u.lastLoginDateTime)).toBeLessThanOrEqual(now)
    }
    for (const e of after.enrollments) expect(Date.parse(e.createdDateTime)).toBeLessThanOrEqual(now)

    // Emails: mostly on the organisation's domain, some outside it.
    const outside = after.users.filter((u) => !u.email.endsWith(`@${sim.world.domain}`))
    expect(outside.length).toBeGreaterThan(0)
    expect(outside.length).toBeLessThan(after.users.length / 3)
    expect(newUsers.size).toBe(after.users.length)
  })

  it("churn 0 freezes the organisation; only the 7-day expiry still applies", async () => {
    const sim = await start({ seed: 17, size: "small", churn: 0 })
    const before = groundTruth(sim.world)
    const pending = sim.world.enrollmentsJson("PENDING")
    expect(pending.length).toBeGreaterThan(0)
    sim.advanceDays(30)
    const after = groundTruth(sim.world)
    expect(after.users).toEqual(before.users)
    expect(after.all).toEqual(before.all)
    expect(after.workspaces).toEqual(before.workspaces)
    expect(sim.world.enrollmentsJson("PENDING")).toEqual([])
    const expired = new Set(sim.world.enrollmentsJson("EXPIRED").map((e) => e.enrollmentId))
    for (const e of pending) expect(expired.has(e.enrollmentId)).toBe(true)
  })

  it("a higher churn rate changes more", async () => {
    const calm = await start({ seed: 23, size: "small", churn: 0.2 })
    const busy = await start({ seed: 23, size: "small", churn: 3 })
    const logins = (sim: RunningTlSimulator, t0: number) =>
      sim.world.usersJson().filter((u) => u.lastLoginDateTime !== undefined && Date.parse(u.lastLoginDateTime) > t0)
        .length
    const t0 = calm.now().getTime()
    calm.advanceDays(5)
    busy.advanceDays(5)
    expect(logins(busy, t0)).toBeGreaterThan(logins(calm, t0))
    expect(busy.world.enrollmentsJson().length).toBeGreaterThan(calm.world.enrollmentsJson().length)
  })
})
