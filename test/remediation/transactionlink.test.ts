/**
 * The same core flow against the TransactionLink simulator: a plan from a campaign (members removed from the
 * workspace, a role set by role id, access inherited from the organisation left out), applied through the write
 * endpoints with exactly those calls, nothing sent twice, drift skipped, verified by the next run and a re-added
 * member shown reverted.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { startTransactionLinkSimulator } from "../../src/simulator/transactionlink/index.js"
import { auditLayer } from "../support/Audit.js"
import { tempDir } from "../support/TempDir.js"
import { apply, audit, decide, plan, rows } from "./support.js"

describe("remediate against the TransactionLink simulator", () => {
  it.scopedLive(
    "removes from the workspace, sets a role by its id, leaves inherited access out, and the next runs verify and catch a revert",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const sim = yield* Effect.acquireRelease(
          Effect.promise(() => startTransactionLinkSimulator({ seed: 5, size: "small", churn: 0 })),
          (s) => Effect.promise(() => s.close())
        )
        const ws = sim.world.workspacesJson()[0]!.id
        const direct = sim.world.directMembershipsJson(ws)
        const viewers = direct.filter((m) =>
          m.role.name === "Viewer" && sim.world.userJson(m.userId).status === "ACTIVE"
        ).slice(0, 3)
        const active = (userId: string) => sim.world.userJson(userId).status === "ACTIVE"
        const editor = direct.find((m) => m.role.name === "Editor" && active(m.userId))!
        const inherited = sim.world.allMembershipsJson(ws).find((m) => m.role.type === "ORGANIZATION")!
        const viewerRole = sim.world.workspaceRole(ws, "Viewer")
        const readTarget = {
          source: "transactionlink" as const,
          url: sim.url,
          token: sim.tokens.full,
          workspace: ws,
          now: () => sim.now()
        }
        const writeTarget = {
          source: "transactionlink" as const,
          url: sim.url,
          workspaceId: ws,
          token: sim.tokens.write
        }
        yield* Effect.gen(function*() {
          const run1 = yield* audit(readTarget)
          yield* decide(run1, dir, new Date(), {
            ...Object.fromEntries(viewers.map((m) => [`member:${m.userId}`, { Decision: "Remove" }])),
            [`member:${editor.userId}`]: { Decision: "Change role", "New role": "viewer" },
            [`member:${inherited.userId}`]: { Decision: "Remove", Comment: "test" }
          })
          const file = yield* plan({ now: new Date() })
          const p = file.plan
          const path = (userId: string) => `/organizations/workspaces/${ws}/memberships/${userId}`
          expect(p.actions.map((a) => [a.kind, a.call.method, a.call.path])).toEqual(
            expect.arrayContaining([
              ...viewers.map((m) => ["remove_workspace_member", "DELETE", path(m.userId)]),
              ["set_workspace_role", "PUT", path(editor.userId)]
            ])
          )
          expect(p.actions.length).toBe(4)
          expect(p.actions.find((a) => a.kind === "set_workspace_role")).toMatchObject({
            call: { body: { userId: editor.userId, roleId: viewerRole.id } },
            precondition: { role: "editor" }
          })
          expect(p.excluded).toEqual([
            expect.objectContaining({ target_id: inherited.userId, why: expect.stringContaining("inherited") })
          ])

          // Drift: one removal target got another role since.
          sim.world.addMembership(ws, viewers[2]!.userId, "Editor")
          sim.stats.reset()
          const result = yield* apply(writeTarget, file)
          const outcome = Object.fromEntries(result.results.map((r) => [r.action.target.id, r.outcome]))
          expect(outcome).toEqual({
            [viewers[0]!.userId]: "done",
            [viewers[1]!.userId]: "done",
            [viewers[2]!.userId]: "drifted",
            [editor.userId]: "done"
          })
          expect(sim.stats.writes.map((w) => `${w.method} ${w.path}`)).toEqual(
            result.results.filter((r) => r.outcome === "done").map((r) =>
              `${r.action.call.method} ${r.action.call.path}`
            )
          )
          for (const w of sim.stats.writes) expect(w.token).toBe(sim.tokens.write)
          expect(sim.world.membership(ws, viewers[0]!.userId)).toBeUndefined()
          expect(sim.world.membership(ws, viewers[1]!.userId)).toBeUndefined()
          expect(sim.world.membership(ws, viewers[2]!.userId)?.role.name).toBe("Editor")
          expect(sim.world.membership(ws, editor.userId)?.role.name).toBe("Viewer")

          sim.stats.reset()
          yield* apply(writeTarget, file)
          expect(sim.stats.requests).toEqual([])

          const run2 = yield* audit(readTarget)
          const verified = yield* rows(
            `SELECT target_id, verification FROM remediation_actions WHERE outcome = 'done' ORDER BY position`
          )
          expect(verified.map((r) => r["verification"])).toEqual(["verified", "verified", "verified"])
          expect(run2).toBeGreaterThan(run1)

          // Re-added upstream: reverted.
          sim.world.addMembership(ws, viewers[0]!.userId, "Viewer")
          const run3 = yield* audit(readTarget)
          const after = yield* rows(
            `SELECT target_id, verification FROM remediation_actions WHERE outcome = 'done' ORDER BY position`
          )
          expect(Object.fromEntries(after.map((r) => [r["target_id"], r["verification"]]))).toEqual({
            [viewers[0]!.userId]: "reverted",
            [viewers[1]!.userId]: "verified",
            [editor.userId]: "verified"
          })
          const findings = yield* rows(
            `SELECT rule_id, entity_id FROM findings WHERE run_id = ${run3} AND rule_id LIKE 'remediation.%'`
          )
          expect(findings).toEqual([{ rule_id: "remediation.reverted", entity_id: viewers[0]!.userId }])
        }).pipe(Effect.provide(Layer.merge(auditLayer(dir), NodeContext.layer)))
      }),
    120_000
  )
})

describe("remediate TransactionLink enrollments", () => {
  it.scopedLive(
    "a policy cancels a pending privileged enrollment of the organisation target; applied twice, it is cancelled once",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const sim = yield* Effect.acquireRelease(
          Effect.promise(() => startTransactionLinkSimulator({ seed: 6, size: "small", churn: 0 })),
          (s) => Effect.promise(() => s.close())
        )
        const enrollment = sim.world.createEnrollment({ email: "new.admin@northwind.example", orgRole: "admin" })
        const org = sim.world.organizationId
        const readTarget = {
          source: "transactionlink" as const,
          url: sim.url,
          token: sim.tokens.full,
          now: () => sim.now()
        }
        const writeTarget = {
          source: "transactionlink" as const,
          url: sim.url,
          workspaceId: org,
          token: sim.tokens.write
        }
        yield* Effect.gen(function*() {
          yield* audit(readTarget)
          const file = yield* plan({
            now: new Date(),
            workspace: { source: "transactionlink", workspace_id: org },
            policy: { rules: [{ finding: "invitation.privileged" }] }
          })
          expect(file.plan.actions.map((a) => [a.kind, a.target.id, a.call.method, a.call.path])).toEqual([
            [
              "cancel_enrollment",
              enrollment.enrollmentId,
              "POST",
              `/organizations/enrollments/${enrollment.enrollmentId}/cancel`
            ]
          ])
          sim.stats.reset()
          const result = yield* apply(writeTarget, file)
          expect(result.results.map((r) => r.outcome)).toEqual(["done"])
          expect(sim.stats.writes.map((w) => `${w.method} ${w.path} ${w.status}`)).toEqual([
            `POST /organizations/enrollments/${enrollment.enrollmentId}/cancel 200`
          ])
          expect(sim.world.enrollmentsJson().find((e) => e.enrollmentId === enrollment.enrollmentId)?.status).toBe(
            "CANCELLED"
          )
          sim.stats.reset()
          yield* apply(writeTarget, file)
          expect(sim.stats.requests).toEqual([])
          yield* audit(readTarget)
          expect(yield* rows("SELECT kind, outcome, verification FROM remediation_actions")).toEqual([
            { kind: "cancel_enrollment", outcome: "done", verification: "verified" }
          ])
        }).pipe(Effect.provide(Layer.merge(auditLayer(dir), NodeContext.layer)))
      }),
    120_000
  )
})

describe("a TransactionLink role change needs the role's id", () => {
  it.scopedLive(
    "is left out of the plan, with the reason, when no member holds the role in the plan's run",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const sim = yield* Effect.acquireRelease(
          Effect.promise(() => startTransactionLinkSimulator({ seed: 5, size: "small", churn: 0 })),
          (s) => Effect.promise(() => s.close())
        )
        const ws = sim.world.workspacesJson()[0]!.id
        const active = sim.world.directMembershipsJson(ws).filter((m) =>
          m.role.name === "Viewer" && sim.world.userJson(m.userId).status === "ACTIVE"
        )
        const [holder, changed] = [active[0]!, active[1]!]
        // Only one member holds Reviewer when the campaign freezes its run; by the plan's run, nobody does.
        sim.world.addMembership(ws, holder.userId, "Reviewer")
        const readTarget = {
          source: "transactionlink" as const,
          url: sim.url,
          token: sim.tokens.full,
          workspace: ws,
          now: () => sim.now()
        }
        yield* Effect.gen(function*() {
          const run1 = yield* audit(readTarget)
          yield* decide(run1, dir, new Date(), {
            [`member:${changed.userId}`]: { Decision: "Change role", "New role": "reviewer" }
          })
          sim.world.addMembership(ws, holder.userId, "Viewer")
          sim.advanceDays(1)
          yield* audit(readTarget)
          const file = yield* plan({ now: new Date() })
          expect(file.plan.actions).toEqual([])
          expect(file.plan.excluded).toEqual([
            expect.objectContaining({
              kind: "set_workspace_role",
              target_id: changed.userId,
              why: expect.stringContaining("the id of the workspace role \"reviewer\" is not known")
            })
          ])
        }).pipe(Effect.provide(Layer.merge(auditLayer(dir), NodeContext.layer)))
      }),
    120_000
  )
})
