import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type RunningTlSimulator,
  startTransactionLinkSimulator,
  type TlMembershipJson,
  type TlWorkspaceJson
} from "../../../src/simulator/transactionlink/index.js"
import { expectError, get, getJson } from "./helpers.js"

describe("TransactionLink simulator: token permissions", () => {
  let sim: RunningTlSimulator
  beforeAll(async () => {
    sim = await startTransactionLinkSimulator({ seed: 3, size: "small", churn: 0 })
  })
  afterAll(() => sim.close())

  const manageUsersPaths = () => [
    "/organizations/users",
    `/organizations/users/${sim.world.usersJson()[0]!.id}`,
    "/organizations/enrollments",
    "/organizations/enrollments?status=PENDING",
    "/organizations/roles"
  ]

  it("full token: every workspace and every endpoint", async () => {
    const list = await getJson<Array<TlWorkspaceJson>>(sim, "/organizations/workspaces")
    expect(list.map((w) => w.id)).toEqual(sim.world.workspacesJson().map((w) => w.id))
    for (const path of manageUsersPaths()) expect((await get(sim, path)).status).toBe(200)
  })

  it("viewOnly token: workspaces and memberships, but 403 FORBIDDEN on users, enrollments and org roles", async () => {
    const token = sim.tokens.viewOnly
    const list = await getJson<Array<TlWorkspaceJson>>(sim, "/organizations/workspaces", token)
    expect(list).toHaveLength(4)
    for (const ws of list) {
      expect((await get(sim, `/workspaces/${ws.id}/memberships`, token)).status).toBe(200)
      expect((await get(sim, `/organizations/workspaces/${ws.id}/memberships`, token)).status).toBe(200)
      expect((await get(sim, `/organizations/workspaces/${ws.id}/roles`, token)).status).toBe(200)
    }
    const fingerprints = new Set<string>()
    for (const path of manageUsersPaths()) {
      const body = await expectError(await get(sim, path, token), 403, "FORBIDDEN")
      expect(body.errors[0]!.message).toMatch(/can_manage_users/)
      fingerprints.add(body.fingerprint)
    }
    expect(fingerprints.size).toBe(manageUsersPaths().length)
  })

  it("oneWorkspace token: the list is filtered to the first workspace and the others answer 403", async () => {
    const token = sim.tokens.oneWorkspace
    const [first, ...others] = sim.world.workspacesJson()
    const list = await getJson<Array<TlWorkspaceJson>>(sim, "/organizations/workspaces", token)
    expect(list).toEqual([first])
    const direct = await getJson<Array<TlMembershipJson>>(sim, `/workspaces/${first!.id}/memberships`, token)
    expect(direct).toEqual(sim.world.directMembershipsJson(first!.id))
    expect(others.length).toBeGreaterThan(0)
    for (const ws of others) {
      await expectError(await get(sim, `/workspaces/${ws.id}/memberships`, token), 403, "FORBIDDEN")
      await expectError(await get(sim, `/organizations/workspaces/${ws.id}/memberships`, token), 403, "FORBIDDEN")
      await expectError(await get(sim, `/organizations/workspaces/${ws.id}/roles`, token), 403, "FORBIDDEN")
    }
    // It still has can_manage_users.
    for (const path of manageUsersPaths()) expect((await get(sim, path, token)).status).toBe(200)
  })

  it("a workspace created later is visible to the full token but not to oneWorkspace", async () => {
    const ws = sim.world.addWorkspace({ name: "New Workspace" })
    const full = await getJson<Array<TlWorkspaceJson>>(sim, "/organizations/workspaces")
    expect(full.map((w) => w.id)).toContain(ws.id)
    const one = await getJson<Array<TlWorkspaceJson>>(sim, "/organizations/workspaces", sim.tokens.oneWorkspace)
    expect(one.map((w) => w.id)).not.toContain(ws.id)
    await expectError(await get(sim, `/workspaces/${ws.id}/memberships`, sim.tokens.oneWorkspace), 403, "FORBIDDEN")
  })
})
