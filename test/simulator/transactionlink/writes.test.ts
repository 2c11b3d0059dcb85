/**
 * The write endpoints, with plain fetch and the organisation tokens: remove a user from a workspace, set a
 * membership's role (an upsert), cancel an enrollment; each one's permission, 400, 404 and 409 answers, the request
 * log, and faults on writes.
 */
import { afterEach, describe, expect, it } from "vitest"
import {
  type RunningTlSimulator,
  startTransactionLinkSimulator,
  type TlMembershipJson
} from "../../../src/simulator/transactionlink/index.js"
import { expectError, send } from "./helpers.js"

const running: Array<RunningTlSimulator> = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()))
})
const start = async (seed: number) => {
  const sim = await startTransactionLinkSimulator({ seed, size: "small", churn: 0 })
  running.push(sim)
  return sim
}

const UNKNOWN = "00000000-0000-4000-8000-000000000000"
const membershipPath = (workspaceId: string, userId: string) =>
  `/organizations/workspaces/${workspaceId}/memberships/${userId}`

/** A workspace, one of its direct members who is active, and an active user of the organisation who is not in it. */
const scene = (sim: RunningTlSimulator) => {
  const users = sim.world.usersJson()
  const memberRole = sim.world.orgRoleId("member")
  for (const ws of sim.world.workspacesJson()) {
    const direct = sim.world.directMembershipsJson(ws.id)
    const member = direct.find((m) => users.find((u) => u.id === m.userId)!.status === "ACTIVE")
    const outsider = users.find((u) =>
      u.status === "ACTIVE" && u.roleId === memberRole && !direct.some((m) => m.userId === u.id)
    )
    if (member && outsider) return { ws, member, outsider }
  }
  throw new Error("no workspace with a member and an outsider")
}

describe("the write token", () => {
  it("is its own token, with can_manage_workspace_access; the audit's read token cannot manage access", async () => {
    const sim = await start(80)
    expect(sim.writeToken).toMatch(/^tot_[A-Za-z0-9]{52}$/)
    expect(new Set(Object.values(sim.tokens)).size).toBe(4)
    expect(sim.tokens.write).toBe(sim.writeToken)
    const { ws, member } = scene(sim)
    for (const token of [sim.tokens.full, sim.tokens.viewOnly, sim.tokens.oneWorkspace]) {
      await expectError(
        await send(sim, "DELETE", membershipPath(ws.id, member.userId), undefined, token),
        403,
        "FORBIDDEN"
      )
    }
    await expectError(
      await send(sim, "DELETE", membershipPath(ws.id, member.userId), undefined, null),
      401,
      "UNAUTHORIZED"
    )
    expect(sim.world.membership(ws.id, member.userId)).toEqual(member)
  })
})

describe("DELETE /organizations/workspaces/{workspaceId}/memberships/{userId}", () => {
  it("removes the direct membership: 200 with an empty body; a second time 404", async () => {
    const sim = await start(81)
    const { ws, member } = scene(sim)
    const r = await send(sim, "DELETE", membershipPath(ws.id, member.userId))
    expect([r.status, await r.text(), r.headers.get("content-length")]).toEqual([200, "", "0"])
    expect(sim.world.membership(ws.id, member.userId)).toBeUndefined()
    expect(sim.world.directMembershipsJson(ws.id).some((m) => m.userId === member.userId)).toBe(false)
    await expectError(await send(sim, "DELETE", membershipPath(ws.id, member.userId)), 404, "NOT_FOUND")
  })

  it("400 for ids that are not UUIDs, 404 for an unknown workspace or user, or access only inherited from the organisation", async () => {
    const sim = await start(82)
    const { ws, member } = scene(sim)
    await expectError(await send(sim, "DELETE", membershipPath("nope", member.userId)), 400, "BAD_REQUEST")
    await expectError(await send(sim, "DELETE", membershipPath(ws.id, "nope")), 400, "BAD_REQUEST")
    await expectError(await send(sim, "DELETE", membershipPath(UNKNOWN, member.userId)), 404, "NOT_FOUND")
    await expectError(await send(sim, "DELETE", membershipPath(ws.id, UNKNOWN)), 404, "NOT_FOUND")
    const inherited = sim.world.allMembershipsJson(ws.id).find((m) => m.role.type === "ORGANIZATION")!
    await expectError(await send(sim, "DELETE", membershipPath(ws.id, inherited.userId)), 404, "NOT_FOUND")
    expect(sim.world.allMembershipsJson(ws.id)).toContainEqual(inherited)
  })
})

describe("PUT /organizations/workspaces/{workspaceId}/memberships/{userId}", () => {
  it("changes a member's role in place (200 with the membership) and adds a user who had none", async () => {
    const sim = await start(83)
    const { ws, member, outsider } = scene(sim)
    const position = sim.world.directMembershipsJson(ws.id).findIndex((m) => m.userId === member.userId)
    const other = sim.world.rolesJson(ws.id).find((r) => r.id !== member.role.id)!
    const changed = await send(sim, "PUT", membershipPath(ws.id, member.userId), {
      userId: member.userId,
      roleId: other.id
    })
    expect(changed.status).toBe(200)
    const body = (await changed.json()) as TlMembershipJson
    expect(body).toEqual({ workspaceId: ws.id, userId: member.userId, role: other })
    expect(sim.world.directMembershipsJson(ws.id)[position]).toEqual(body)
    const added = await send(sim, "PUT", membershipPath(ws.id, outsider.id), { userId: outsider.id, roleId: other.id })
    expect([added.status, await added.json()]).toEqual([200, { workspaceId: ws.id, userId: outsider.id, role: other }])
    expect(sim.world.directMembershipsJson(ws.id).at(-1)!.userId).toBe(outsider.id)
  })

  it("validates: the body's userId is the path's, roleId a role of this workspace (400); the user exists (404) and is not terminated (400)", async () => {
    const sim = await start(84)
    const { ws, member, outsider } = scene(sim)
    const role = sim.world.rolesJson(ws.id)[0]!
    const foreign = sim.world.workspacesJson().find((w) => w.id !== ws.id)!
    const path = membershipPath(ws.id, member.userId)
    for (
      const body of [
        "{not json",
        [],
        { roleId: role.id },
        { userId: outsider.id, roleId: role.id },
        { userId: member.userId },
        { userId: member.userId, roleId: "Viewer" },
        { userId: member.userId, roleId: UNKNOWN },
        { userId: member.userId, roleId: sim.world.rolesJson(foreign.id)[0]!.id }
      ]
    ) {
      await expectError(await send(sim, "PUT", path, body), 400, "BAD_REQUEST")
    }
    await expectError(
      await send(sim, "PUT", membershipPath(ws.id, UNKNOWN), { userId: UNKNOWN, roleId: role.id }),
      404,
      "NOT_FOUND"
    )
    sim.world.terminateUser(outsider.id)
    await expectError(
      await send(sim, "PUT", membershipPath(ws.id, outsider.id), { userId: outsider.id, roleId: role.id }),
      400,
      "BAD_REQUEST"
    )
    await expectError(
      await send(sim, "PUT", path, { userId: member.userId, roleId: role.id }, sim.tokens.full),
      403,
      "FORBIDDEN"
    )
    expect(sim.world.membership(ws.id, member.userId)).toEqual(member)
    expect(sim.world.membership(ws.id, outsider.id)).toBeUndefined()
  })
})

describe("POST /organizations/enrollments/{enrollmentId}/cancel", () => {
  it("cancels a pending enrollment (200 with it); one that is no longer pending is 409; unknown 404; it needs can_manage_users", async () => {
    const sim = await start(85)
    const pending = sim.world.enrollmentsJson("PENDING")[0]!
    await expectError(
      await send(
        sim,
        "POST",
        `/organizations/enrollments/${pending.enrollmentId}/cancel`,
        undefined,
        sim.tokens.viewOnly
      ),
      403,
      "FORBIDDEN"
    )
    const r = await send(sim, "POST", `/organizations/enrollments/${pending.enrollmentId}/cancel`)
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({ ...pending, status: "CANCELLED" })
    expect(sim.world.enrollmentsJson("CANCELLED").map((e) => e.enrollmentId)).toContain(pending.enrollmentId)
    const again = await expectError(
      await send(sim, "POST", `/organizations/enrollments/${pending.enrollmentId}/cancel`),
      409,
      "CONFLICT"
    )
    expect(again.errors[0]!.message).toMatch(/CANCELLED/)
    for (const status of ["EXPIRED", "ACCEPTED"] as const) {
      const e = sim.world.enrollmentsJson(status)[0]!
      await expectError(await send(sim, "POST", `/organizations/enrollments/${e.enrollmentId}/cancel`), 409, "CONFLICT")
      expect(sim.world.enrollmentsJson(status).map((x) => x.enrollmentId)).toContain(e.enrollmentId)
    }
    await expectError(await send(sim, "POST", `/organizations/enrollments/${UNKNOWN}/cancel`), 404, "NOT_FOUND")
    await expectError(await send(sim, "POST", "/organizations/enrollments/nope/cancel"), 400, "BAD_REQUEST")
    // The audit's read token has can_manage_users (it reads users and enrollments), so the permission model lets it cancel.
    const another = sim.world.enrollmentsJson("PENDING")[0]!
    expect(
      (await send(sim, "POST", `/organizations/enrollments/${another.enrollmentId}/cancel`, undefined, sim.tokens.full))
        .status
    ).toBe(200)
  })
})

describe("writes in the request log and under faults", () => {
  it("the log holds exactly the writes, with the token of each; reads are not writes", async () => {
    const sim = await start(86)
    const { ws, member } = scene(sim)
    sim.stats.reset()
    await send(sim, "GET", `/workspaces/${ws.id}/memberships`, undefined, sim.tokens.full)
    await send(sim, "DELETE", membershipPath(ws.id, member.userId), undefined, sim.tokens.full)
    await send(sim, "DELETE", membershipPath(ws.id, member.userId))
    await send(sim, "POST", "/organizations/enrollments", { email: "x@orbitpay.example" })
    expect(sim.stats.writes.map((r) => [r.method, r.path, r.status, r.token])).toEqual([
      ["DELETE", membershipPath(ws.id, member.userId), 403, sim.tokens.full],
      ["DELETE", membershipPath(ws.id, member.userId), 200, sim.writeToken],
      ["POST", "/organizations/enrollments", 405, sim.writeToken]
    ])
    expect(sim.stats.requests.filter((r) => !r.write).map((r) => r.method)).toEqual(["GET"])
    expect(sim.stats.writes.at(-1)!.body).toEqual({ email: "x@orbitpay.example" })
  })

  it("a rule on the write's method and path answers instead (nothing changes); lose-answer makes it and closes the connection", async () => {
    const sim = await start(87)
    const { ws, member } = scene(sim)
    const role = sim.world.rolesJson(ws.id).find((r) => r.id !== member.role.id)!
    sim.setFaults({ rules: [{ method: "PUT", path: "/organizations/workspaces/", times: 1, action: { status: 503 } }] })
    await expectError(
      await send(sim, "PUT", membershipPath(ws.id, member.userId), { userId: member.userId, roleId: role.id }),
      503,
      "INTERNAL_ERROR"
    )
    expect(sim.world.membership(ws.id, member.userId)).toEqual(member)
    sim.setFaults({
      rules: [{ method: "DELETE", path: /memberships\/[^/]+$/, action: "lose-answer" }],
      forbid: ["cancelEnrollment"]
    })
    await expect(send(sim, "DELETE", membershipPath(ws.id, member.userId))).rejects.toThrow()
    expect(sim.world.membership(ws.id, member.userId)).toBeUndefined()
    const pending = sim.world.enrollmentsJson("PENDING")[0]!
    await expectError(
      await send(sim, "POST", `/organizations/enrollments/${pending.enrollmentId}/cancel`),
      403,
      "FORBIDDEN"
    )
    sim.setFaults({ serverErrorRate: 1 })
    await expectError(
      await send(sim, "POST", `/organizations/enrollments/${pending.enrollmentId}/cancel`),
      500,
      "INTERNAL_ERROR"
    )
    expect(sim.world.enrollmentsJson("PENDING")).toContainEqual(pending)
  })
})
