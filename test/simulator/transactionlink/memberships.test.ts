import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type RunningTlSimulator,
  startTransactionLinkSimulator,
  type TlMembershipJson,
  type TlOrgRoleJson,
  type TlRoleRefJson,
  type TlWorkspaceJson
} from "../../../src/simulator/transactionlink/index.js"
import { getJson } from "./helpers.js"

describe("TransactionLink simulator: workspaces, roles, direct and inherited memberships", () => {
  let sim: RunningTlSimulator
  beforeAll(async () => {
    sim = await startTransactionLinkSimulator({ seed: 21, size: "small", churn: 0 })
  })
  afterAll(() => sim.close())

  it("lists LIVE workspaces as a bare array", async () => {
    const list = await getJson<Array<TlWorkspaceJson>>(sim, "/organizations/workspaces")
    expect(list).toHaveLength(4)
    for (const ws of list) {
      expect(Object.keys(ws)).toEqual(["id", "name", "workspaceType", "createdDateTime"])
      expect(ws.workspaceType).toBe("LIVE")
    }
  })

  it("lists the organisation roles owner, admin, member", async () => {
    const roles = await getJson<Array<TlOrgRoleJson>>(sim, "/organizations/roles")
    expect(roles.map((r) => r.name)).toEqual(["owner", "admin", "member"])
    for (const r of roles) expect(r.organizationId).toBe(sim.world.organizationId)
    expect(roles).toEqual(sim.world.orgRolesJson())
  })

  it("lists each workspace's roles (type WORKSPACE) and direct memberships only use them", async () => {
    for (const ws of sim.world.workspacesJson()) {
      const roles = await getJson<Array<TlRoleRefJson>>(sim, `/organizations/workspaces/${ws.id}/roles`)
      expect(roles.length).toBeGreaterThanOrEqual(3)
      for (const r of roles) expect(r).toMatchObject({ workspaceId: ws.id, type: "WORKSPACE" })
      const direct = await getJson<Array<TlMembershipJson>>(sim, `/workspaces/${ws.id}/memberships`)
      expect(direct.length).toBeGreaterThan(0)
      for (const m of direct) {
        expect(Object.keys(m)).toEqual(["workspaceId", "userId", "role"])
        expect(m.workspaceId).toBe(ws.id)
        expect(roles).toContainEqual(m.role)
      }
    }
  })

  it("adds inherited org owners/admins (role type ORGANIZATION) only to the organisation list", async () => {
    const users = sim.world.usersJson()
    const ownerOrAdmin = new Set([sim.world.orgRoleId("owner"), sim.world.orgRoleId("admin")])
    for (const ws of sim.world.workspacesJson()) {
      const direct = await getJson<Array<TlMembershipJson>>(sim, `/workspaces/${ws.id}/memberships`)
      const all = await getJson<Array<TlMembershipJson>>(sim, `/organizations/workspaces/${ws.id}/memberships`)
      expect(all.slice(0, direct.length)).toEqual(direct)
      const inherited = all.slice(direct.length)
      const directIds = new Set(direct.map((m) => m.userId))
      const expected = users.filter((u) => u.status === "ACTIVE" && ownerOrAdmin.has(u.roleId) && !directIds.has(u.id))
      expect(expected.length).toBeGreaterThan(0)
      expect(inherited.map((m) => m.userId)).toEqual(expected.map((u) => u.id))
      for (const m of inherited) {
        const user = users.find((u) => u.id === m.userId)!
        expect(m.role).toMatchObject({ type: "ORGANIZATION", workspaceId: ws.id, id: user.roleId })
        expect(["owner", "admin"]).toContain(m.role.name)
      }
      expect(direct.every((m) => m.role.type === "WORKSPACE")).toBe(true)
      expect(all).toEqual(sim.world.allMembershipsJson(ws.id))
      expect(direct).toEqual(sim.world.directMembershipsJson(ws.id))
    }
  })

  it("lists an org admin with a direct membership once, as direct", async () => {
    const ws = sim.world.workspacesJson()[1]!
    const member = sim.world.usersJson().find((u) =>
      u.status === "ACTIVE" && u.roleId === sim.world.orgRoleId("member")
    )!
    sim.world.setOrgRole(member.id, "admin")
    sim.world.addMembership(ws.id, member.id, "Editor")
    const all = await getJson<Array<TlMembershipJson>>(sim, `/organizations/workspaces/${ws.id}/memberships`)
    const entries = all.filter((m) => m.userId === member.id)
    expect(entries).toHaveLength(1)
    expect(entries[0]!.role).toMatchObject({ type: "WORKSPACE", name: "Editor" })
    sim.world.removeMembership(ws.id, member.id)
    const after = await getJson<Array<TlMembershipJson>>(sim, `/organizations/workspaces/${ws.id}/memberships`)
    expect(after.filter((m) => m.userId === member.id).map((m) => m.role.type)).toEqual(["ORGANIZATION"])
    sim.world.setOrgRole(member.id, "member")
  })

  it("shows a promotion to org admin as inherited access to every workspace", async () => {
    const user = sim.world.usersJson().find((u) =>
      u.status === "ACTIVE" &&
      u.roleId === sim.world.orgRoleId("member") &&
      sim.world.workspacesJson().every((ws) => !sim.world.directMembershipsJson(ws.id).some((m) => m.userId === u.id))
    ) ?? sim.world.addUser({ email: "new.member@orbitpay.example", orgRole: "member" })
    const visible = async () => {
      let n = 0
      for (const ws of sim.world.workspacesJson()) {
        const all = await getJson<Array<TlMembershipJson>>(sim, `/organizations/workspaces/${ws.id}/memberships`)
        n += all.filter((m) => m.userId === user.id).length
      }
      return n
    }
    expect(await visible()).toBe(0)
    sim.world.setOrgRole(user.id, "admin")
    expect(await visible()).toBe(4)
    sim.world.terminateUser(user.id)
    expect(await visible()).toBe(0)
    sim.world.reinstateUser(user.id)
    sim.world.setOrgRole(user.id, "member")
    expect(await visible()).toBe(0)
  })

  it("keeps the direct memberships of a terminated user unless removed", async () => {
    const ws = sim.world.workspacesJson()[0]!
    const a = sim.world.addUser({ email: "leaver.keeps@orbitpay.example", orgRole: "member" })
    const b = sim.world.addUser({ email: "leaver.clean@orbitpay.example", orgRole: "member" })
    sim.world.addMembership(ws.id, a.id, "Viewer")
    sim.world.addMembership(ws.id, b.id, "Viewer")
    sim.world.terminateUser(a.id)
    sim.world.terminateUser(b.id, { removeMemberships: true })
    const direct = await getJson<Array<TlMembershipJson>>(sim, `/workspaces/${ws.id}/memberships`)
    expect(direct.some((m) => m.userId === a.id)).toBe(true)
    expect(direct.some((m) => m.userId === b.id)).toBe(false)
    const user = await getJson<{ status: string }>(sim, `/organizations/users/${a.id}`)
    expect(user.status).toBe("TERMINATED")
  })

  it("addMembership is an upsert that keeps the list position", async () => {
    const ws = sim.world.workspacesJson()[2]!
    const before = sim.world.directMembershipsJson(ws.id)
    const target = before[0]!
    const newRole = sim.world.rolesJson(ws.id).find((r) => r.id !== target.role.id)!
    sim.world.addMembership(ws.id, target.userId, newRole.name)
    const after = await getJson<Array<TlMembershipJson>>(sim, `/workspaces/${ws.id}/memberships`)
    expect(after).toHaveLength(before.length)
    expect(after[0]).toEqual({ ...target, role: newRole })
  })
})
