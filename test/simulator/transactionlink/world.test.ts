import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type RunningTlSimulator,
  startTransactionLinkSimulator,
  type TlEnrollmentJson,
  type TlMembershipJson,
  type TlPageJson,
  type TlUserJson,
  TlWorldError
} from "../../../src/simulator/transactionlink/index.js"
import { getJson } from "./helpers.js"

const DAY = 86_400_000

describe("TransactionLink simulator: scenario methods and the enrollment lifecycle", () => {
  let sim: RunningTlSimulator
  beforeAll(async () => {
    sim = await startTransactionLinkSimulator({ seed: 8, size: "tiny", churn: 0, start: "2026-03-02T08:00:00Z" })
  })
  afterAll(() => sim.close())

  const enrollment = async (id: string): Promise<TlEnrollmentJson> => {
    const page = await getJson<TlPageJson<TlEnrollmentJson>>(sim, "/organizations/enrollments?size=100")
    return page.content.find((e) => e.enrollmentId === id)!
  }

  it("starts the clock at `start`", () => {
    expect(sim.now().toISOString()).toBe("2026-03-02T08:00:00.000Z")
    expect(sim.world.now().getTime()).toBe(sim.now().getTime())
  })

  it("an accepted enrollment creates the user and its workspace memberships", async () => {
    const ws = sim.world.workspacesJson()[0]!
    const created = sim.world.createEnrollment({
      email: "ines.new@orbitpay.example",
      orgRole: "member",
      firstName: "Ines",
      workspaces: [{ workspaceId: ws.id, role: "Editor" }]
    })
    expect(created).toMatchObject({
      status: "PENDING",
      lastInvitationSentAt: "2026-03-02T08:00:00Z",
      createdDateTime: "2026-03-02T08:00:00Z",
      expiresAt: "2026-03-09T08:00:00Z",
      roleId: sim.world.orgRoleId("member")
    })
    expect(await enrollment(created.enrollmentId)).toEqual(created)
    expect(sim.world.userByEmail("ines.new@orbitpay.example")).toBeUndefined()

    sim.advanceDays(2)
    const user = sim.world.acceptEnrollment(created.enrollmentId)
    expect((await enrollment(created.enrollmentId)).status).toBe("ACCEPTED")
    const fetched = await getJson<TlUserJson>(sim, `/organizations/users/${user.id}`)
    expect(fetched).toMatchObject({
      email: "ines.new@orbitpay.example",
      status: "ACTIVE",
      profile: { firstName: "Ines" },
      createdDateTime: "2026-03-04T08:00:00Z",
      lastLoginDateTime: "2026-03-04T08:00:00Z"
    })
    expect(fetched.idpId).toMatch(/^[0-9a-f-]{36}$/)
    const direct = await getJson<Array<TlMembershipJson>>(sim, `/workspaces/${ws.id}/memberships`)
    expect(direct.find((m) => m.userId === user.id)?.role.name).toBe("Editor")
    expect(() => sim.world.acceptEnrollment(created.enrollmentId)).toThrow(TlWorldError)
  })

  it("a pending enrollment expires 7 days after its last send; resending revives it", async () => {
    const e = sim.world.createEnrollment({ email: "slow.reader@outlook.example", orgRole: "member" })
    sim.advanceDays(6.9)
    expect((await enrollment(e.enrollmentId)).status).toBe("PENDING")
    sim.advanceDays(0.1)
    expect((await enrollment(e.enrollmentId)).status).toBe("EXPIRED")
    const expired = await getJson<TlPageJson<TlEnrollmentJson>>(
      sim,
      "/organizations/enrollments?status=EXPIRED&size=100"
    )
    expect(expired.content.map((x) => x.enrollmentId)).toContain(e.enrollmentId)
    expect(() => sim.world.acceptEnrollment(e.enrollmentId)).toThrow(/EXPIRED/)

    sim.advanceDays(1)
    const resent = sim.world.resendEnrollment(e.enrollmentId)
    expect(resent.status).toBe("PENDING")
    expect(Date.parse(resent.lastInvitationSentAt!)).toBe(sim.now().getTime())
    expect(Date.parse(resent.expiresAt) - sim.now().getTime()).toBe(7 * DAY)
    expect(resent.createdDateTime).toBe(e.createdDateTime)
    sim.advanceDays(3)
    expect((await enrollment(e.enrollmentId)).status).toBe("PENDING")
  })

  it("a cancelled enrollment stays cancelled", async () => {
    const e = sim.world.createEnrollment({ email: "changed.mind@orbitpay.example", orgRole: "admin" })
    sim.world.cancelEnrollment(e.enrollmentId)
    sim.advanceDays(10)
    expect((await enrollment(e.enrollmentId)).status).toBe("CANCELLED")
    expect(() => sim.world.resendEnrollment(e.enrollmentId)).toThrow(TlWorldError)
    expect(() => sim.world.acceptEnrollment(e.enrollmentId)).toThrow(TlWorldError)
  })

  it("refuses duplicate users and duplicate pending enrollments", () => {
    const existing = sim.world.usersJson()[0]!
    expect(() => sim.world.addUser({ email: existing.email.toUpperCase(), orgRole: "member" })).toThrow(/already/)
    expect(() => sim.world.createEnrollment({ email: existing.email, orgRole: "member" })).toThrow(/already/)
    sim.world.createEnrollment({ email: "twice@orbitpay.example", orgRole: "member" })
    expect(() => sim.world.createEnrollment({ email: "twice@orbitpay.example", orgRole: "member" })).toThrow(/pending/)
  })

  it("scenario methods validate their ids and roles", () => {
    const ws = sim.world.workspacesJson()[0]!
    const user = sim.world.usersJson()[0]!
    expect(() => sim.world.addMembership(ws.id, user.id, "No Such Role")).toThrow(TlWorldError)
    expect(() => sim.world.addMembership("00000000-0000-4000-8000-000000000000", user.id, "Viewer")).toThrow(
      /does not exist/
    )
    expect(() => sim.world.setOrgRole(user.id, "superuser" as never)).toThrow(/unknown organisation role/)
    const nobody = sim.world.addUser({ email: "nobody@orbitpay.example", orgRole: "member" })
    expect(() => sim.world.removeMembership(ws.id, nobody.id)).toThrow(/no direct membership/)
    sim.world.terminateUser(nobody.id)
    expect(() => sim.world.addMembership(ws.id, nobody.id, "Viewer")).toThrow(/terminated/)
  })

  it("org role changes show in the user's roleId", async () => {
    const u = sim.world.addUser({ email: "promoted@orbitpay.example", orgRole: "member", lastName: "Berg" })
    expect(u.profile).toEqual({ lastName: "Berg" })
    expect(u.idpId).toBeNull()
    expect(u.lastLoginDateTime).toBeUndefined()
    sim.world.setOrgRole(u.id, "owner")
    const fetched = await getJson<TlUserJson>(sim, `/organizations/users/${u.id}`)
    expect(fetched.roleId).toBe(sim.world.orgRoleId("owner"))
  })
})
