/**
 * Policy rules over findings, and the API misbehaving during an apply: tokens never used and older than N days
 * revoked, a pending privileged invitation revoked, expired invitations left out (the API refuses to revoke them);
 * a 5xx on a write is retried as reads are, `quota_exceeded` stops the apply (the rest not attempted, exit 3 in the
 * CLI), and the next run reports `remediation.failed`.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { startPtolemySimulator } from "../../src/simulator/ptolemy/index.js"
import { auditLayer } from "../support/Audit.js"
import { tempDir } from "../support/TempDir.js"
import { apply, audit, type Json, plan, rows } from "./support.js"

describe("remediation policies, and faults during an apply", () => {
  it.scopedLive(
    "acts on the findings a policy names, retries a 5xx, stops at quota_exceeded and reports the failure",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const sim = yield* Effect.acquireRelease(
          Effect.promise(() => startPtolemySimulator({ seed: 5, size: "small", churn: 0 })),
          (s) => Effect.promise(() => s.close())
        )
        const readTarget = {
          url: sim.url,
          token: sim.tokens.admin,
          workspace: sim.workspace.slug,
          now: () => sim.now()
        }
        const writeTarget = {
          source: "ptolemy" as const,
          url: sim.url,
          workspaceId: sim.workspace.id,
          token: sim.tokens.write
        }
        yield* Effect.gen(function*() {
          const run1 = yield* audit(readTarget)
          const neverUsed = yield* rows(
            `SELECT f.entity_id, t.created_at::VARCHAR AS created_at FROM findings f JOIN robot_tokens t ON t.run_id = f.run_id AND t.id = f.entity_id
           WHERE f.run_id = ${run1} AND f.rule_id = 'token.never_used' ORDER BY t.created_at`
          )
          expect(neverUsed.length).toBeGreaterThanOrEqual(2)
          // The threshold splits them: only those at least as old as the second oldest are planned.
          const asOf = Date.parse(sim.now().toISOString())
          const days = Math.floor((asOf - Date.parse(String(neverUsed[1]!["created_at"]))) / 86_400_000)
          const old = neverUsed.filter((t) => (asOf - Date.parse(String(t["created_at"]))) / 86_400_000 >= days).map((
            t
          ) => t["entity_id"])
          const privileged = (sim.world.list("invitations") as Array<Json>).filter((i) =>
            i.status === "pending" && i.role === "admin"
          )
          const expired = (sim.world.list("invitations") as Array<Json>).filter((i) => i.status === "expired")
          expect(privileged.length).toBe(1)
          expect(expired.length).toBeGreaterThan(0)

          const file = yield* plan({
            now: new Date(),
            workspace: { source: "ptolemy", workspace_id: sim.workspace.id },
            policy: {
              rules: [
                { finding: "invitation.privileged", older_than_days: 0 },
                { finding: "invitation.expired" },
                { finding: "token.never_used", older_than_days: days }
              ]
            }
          })
          const p = file.plan
          expect(p.campaign_id).toBeNull()
          expect(p.actions.map((a) => [a.kind, a.target.id])).toEqual([
            ["revoke_invitation", privileged[0]!.id],
            ...old.map((id) => ["revoke_token", id])
          ])
          expect(p.actions[0]!.reason).toMatchObject({ type: "policy", rule_id: "invitation.privileged" })
          expect(p.actions[1]!.reason.text).toContain(`policy: token.never_used older than ${days} days`)
          expect(p.excluded.map((x) => x.target_id).sort()).toEqual(expired.map((i) => i.id).sort())
          for (const x of p.excluded) expect(x.why).toContain("409")

          // The invitation's DELETE fails once with 503 (retried), the second token's with quota_exceeded.
          sim.setFaults({
            rules: [
              { method: "DELETE", path: "/invitations/", times: 1, action: { status: 503 } },
              { method: "DELETE", path: /\/tokens\//, after: 1, action: { status: 429, code: "quota_exceeded" } }
            ]
          })
          sim.stats.reset()
          const result = yield* apply(writeTarget, file)
          sim.setFaults({})
          expect(result.results.map((r) => r.outcome)).toEqual([
            "done",
            "done",
            "failed",
            ...old.slice(2).map(() => "not_attempted")
          ])
          expect(result.stoppedBy).toContain("quota")
          // The 503 was retried: two DELETEs of the invitation, then one per token attempted.
          expect(sim.stats.writes.map((w) => w.status)).toEqual([503, 204, 204, 429])
          expect((sim.world.list("invitations") as Array<Json>).find((i) => i.id === privileged[0]!.id)?.status).toBe(
            "revoked"
          )

          const run2 = yield* audit(readTarget)
          const failed = yield* rows(
            `SELECT rule_id, entity_id FROM findings WHERE run_id = ${run2} AND rule_id = 'remediation.failed'`
          )
          expect(failed).toEqual([{ rule_id: "remediation.failed", entity_id: old[1] }])

          // Applied again with the quota back, the failed action and the rest are carried out; the done ones are not touched.
          sim.stats.reset()
          const again = yield* apply(writeTarget, file)
          expect(again.results.map((r) => r.outcome)).toEqual([
            "skipped_earlier",
            "skipped_earlier",
            "done",
            ...old.slice(2).map(() => "done")
          ])
          expect(sim.stats.writes.length).toBe(old.length - 1)
          const run3 = yield* audit(readTarget)
          expect(yield* rows(`SELECT rule_id FROM findings WHERE run_id = ${run3} AND rule_id LIKE 'remediation.%'`))
            .toEqual([])
          expect(yield* rows(`SELECT DISTINCT verification FROM remediation_actions`)).toEqual([{
            verification: "verified"
          }])
        }).pipe(Effect.provide(Layer.merge(auditLayer(dir), NodeContext.layer)))
      }),
    120_000
  )
})
