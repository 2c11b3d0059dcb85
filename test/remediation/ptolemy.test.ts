/**
 * Remediation against the Ptolemy simulator over loopback, into a real DuckDB file: a plan from a signed-off
 * campaign (removals, a role change, token revocations, an invitation), applied through the write endpoints; the
 * simulator's state and request log show exactly those changes; a second apply sends nothing; drift is skipped; the
 * last admin is left out of the plan and refused live; the next run verifies, and a member re-added upstream shows
 * reverted.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { renderMarkdown } from "../../src/reports/Markdown.js"
import { loadReportData } from "../../src/reports/ReportData.js"
import { type RunningSimulator, startPtolemySimulator } from "../../src/simulator/ptolemy/index.js"
import { Database } from "../../src/store/Database.js"
import { auditLayer } from "../support/Audit.js"
import { tempDir } from "../support/TempDir.js"
import { apply, audit, decide, type Json, plan, rows } from "./support.js"

const simulator = Effect.acquireRelease(
  Effect.promise(() => startPtolemySimulator({ seed: 5, size: "small", churn: 0 })),
  (sim) => Effect.promise(() => sim.close())
)

const readTarget = (sim: RunningSimulator) => ({
  url: sim.url,
  token: sim.tokens.admin,
  workspace: sim.workspace.slug,
  now: () => sim.now()
})
const writeTarget = (sim: RunningSimulator) => ({
  source: "ptolemy" as const,
  url: sim.url,
  workspaceId: sim.workspace.id,
  token: sim.tokens.write
})

/** The world's cast: non-admin humans, the admins, a robot with active tokens, a pending invitation. */
const cast = (sim: RunningSimulator) => {
  const members = sim.world.list("memberships") as Array<Json>
  const humans = members.filter((m) => m.user_type === "human" && m.role !== "admin")
  const admins = members.filter((m) => m.role === "admin")
  const robot = (sim.world.list("robots") as Array<Json>).find((r) => r.display_name === "pricing-sync-5")!
  const tokens = sim.world.tokens(robot.id).filter((t) => t["status"] === "active") as Array<Json>
  const invitation = (sim.world.list("invitations") as Array<Json>).find((i) =>
    i.status === "pending" && i.role === "viewer"
  )!
  const member = humans.find((m) => m.role === "member")!
  const removed = humans.filter((m) => m.id !== member.id).slice(0, 2)
  return { admins, robot, tokens, invitation, member, removed }
}

describe("remediate against the Ptolemy simulator", () => {
  it.scopedLive(
    "plans from a campaign, applies exactly those calls, sends nothing twice, and the next runs verify and catch a revert",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const sim = yield* simulator
        const { admins, robot, tokens, invitation, member, removed } = cast(sim)
        expect(admins.length).toBe(4)
        expect(tokens.length).toBe(2)
        yield* Effect.gen(function*() {
          const run1 = yield* audit(readTarget(sim))
          const decisions = {
            [`member:${removed[0]!.id}`]: { Decision: "Remove" },
            [`member:${removed[1]!.id}`]: { Decision: "Remove" },
            [`member:${member.id}`]: { Decision: "Change role", "New role": "viewer" },
            [`token:${tokens[0]!["id"]}`]: { Decision: "Remove" },
            [`token:${tokens[1]!["id"]}`]: { Decision: "Remove" },
            [`invitation:${invitation.id}`]: { Decision: "Remove" },
            // Every admin: the last one must stay.
            ...Object.fromEntries(admins.map((a) => [`member:${a.id}`, { Decision: "Remove", Comment: "test" }]))
          }
          const campaign = yield* decide(run1, dir, new Date(), decisions)
          const file = yield* plan({ now: new Date() })
          const p = file.plan
          expect(p.campaign_id).toBe(campaign)
          expect(p.run_id).toBe(run1)
          const byTarget = new Map(p.actions.map((a) => [a.target.id, a]))
          const ws = `/workspaces/${sim.workspace.id}`
          expect(byTarget.get(removed[0]!.id)).toMatchObject({
            kind: "remove_member",
            call: { method: "DELETE", path: `${ws}/memberships/${removed[0]!.id}` }
          })
          expect(byTarget.get(member.id)).toMatchObject({
            kind: "change_role",
            new_role: "viewer",
            call: { method: "PATCH", body: { role: "viewer" } },
            precondition: { role: "member", run_id: run1 },
            reason: { type: "review", decision: "change_role", reviewer: "ciso@acme-capital.example" }
          })
          expect(byTarget.get(tokens[0]!["id"])).toMatchObject({
            kind: "revoke_token",
            call: { method: "DELETE", path: `${ws}/memberships/robots/${robot.id}/tokens/${tokens[0]!["id"]}` }
          })
          expect(byTarget.get(invitation.id)).toMatchObject({
            kind: "revoke_invitation",
            call: { method: "DELETE", path: `${ws}/invitations/${invitation.id}` }
          })
          // Three of the four admins are planned; the last is left out, and the plan says why.
          const plannedAdmins = admins.filter((a) => byTarget.has(a.id))
          expect(plannedAdmins.length).toBe(3)
          const kept = admins.find((a) => !byTarget.has(a.id))!
          expect(p.excluded).toEqual([
            expect.objectContaining({
              kind: "remove_member",
              target_id: kept.id,
              why: expect.stringContaining("last admin")
            })
          ])
          expect(p.actions.length).toBe(2 + 1 + 2 + 1 + 3)

          // Between plan and apply: a removal target's role changes (drift), and an admin the plan keeps... leaves
          // upstream, so the last planned admin removal would leave no admin: refused live.
          sim.world.changeRole(removed[1]!.id, "editor")
          sim.world.removeMembership(kept.id)
          sim.stats.reset()
          const result = yield* apply(writeTarget(sim), file)
          const outcome = new Map(result.results.map((r) => [r.action.target.id, r.outcome]))
          expect(outcome.get(removed[0]!.id)).toBe("done")
          expect(outcome.get(removed[1]!.id)).toBe("drifted")
          expect(outcome.get(member.id)).toBe("done")
          expect(outcome.get(tokens[0]!["id"])).toBe("done")
          expect(outcome.get(tokens[1]!["id"])).toBe("done")
          expect(outcome.get(invitation.id)).toBe("done")
          const adminOutcomes = plannedAdmins.map((a) => outcome.get(a.id))
          expect(adminOutcomes).toEqual(["done", "done", "refused"])

          // The request log: exactly the writes made, each with the write token; the rest were reads.
          const done = result.results.filter((r) => r.outcome === "done")
          expect(sim.stats.writes.map((w) => `${w.method} ${w.path}`)).toEqual(
            done.map((r) => `${r.action.call.method} /v1${r.action.call.path}`)
          )
          for (const w of sim.stats.writes) expect(w.token).toBe(sim.tokens.write)
          for (const r of sim.stats.requests.filter((r) => !r.write)) expect(r.method).toBe("GET")
          // The simulator's state shows exactly those changes.
          const now = sim.world.list("memberships") as Array<Json>
          const ids = new Set(now.map((m) => m.id))
          expect(ids.has(removed[0]!.id)).toBe(false)
          expect(now.find((m) => m.id === removed[1]!.id)?.role).toBe("editor")
          expect(now.find((m) => m.id === member.id)?.role).toBe("viewer")
          expect(now.filter((m) => m.role === "admin").map((m) => m.id)).toEqual([plannedAdmins[2]!.id])
          expect(sim.world.tokens(robot.id).filter((t) => t["status"] === "active")).toEqual([])
          expect((sim.world.list("invitations") as Array<Json>).find((i) => i.id === invitation.id)?.status).toBe(
            "revoked"
          )
          // Each write is an event by the write principal in the access log.
          const events = (sim.world.list("events") as Array<Json>).filter((e) => e.actor?.id === sim.writer.id)
          expect(events.map((e) => e.event_type).sort()).toEqual(
            [
              "invitation.revoked",
              "membership.deleted",
              "membership.deleted",
              "membership.deleted",
              "membership.updated",
              "robot_token.revoked",
              "robot_token.revoked"
            ]
          )
          // Every step is recorded, and the ledger still verifies.
          const recorded = yield* rows(
            `SELECT outcome, count(*)::INTEGER AS n FROM remediation_actions WHERE plan_id = '${file.plan_id}' GROUP BY ALL ORDER BY 1`
          )
          expect(recorded).toEqual([
            { outcome: "done", n: 7 },
            { outcome: "drifted", n: 1 },
            { outcome: "refused", n: 1 }
          ])

          // Applying again sends nothing at all.
          sim.stats.reset()
          const again = yield* apply(writeTarget(sim), file)
          expect(sim.stats.requests).toEqual([])
          expect(again.results.every((r) => r.outcome === "skipped_earlier")).toBe(true)

          // The next run verifies what was done.
          const run2 = yield* audit(readTarget(sim))
          const verified = yield* rows(
            `SELECT action_id, outcome, verification, verified_run_id FROM remediation_actions WHERE plan_id = '${file.plan_id}' ORDER BY position`
          )
          for (const r of verified) {
            if (r["outcome"] === "done") expect(r).toMatchObject({ verification: "verified", verified_run_id: run2 })
            else expect(r["verification"]).toBeNull()
          }
          const planRow =
            (yield* rows(`SELECT done, drifted, refused, verified, reverted, pending FROM remediation_plans`))[0]
          expect(planRow).toEqual({ done: 7, drifted: 1, refused: 1, verified: 7, reverted: 0, pending: 0 })

          // A removed member re-added upstream: reverted, and a remediation.reverted finding.
          sim.world.readdMember(removed[0]!.email)
          const run3 = yield* audit(readTarget(sim))
          const reverted = yield* rows(
            `SELECT verification, checked_run_id FROM remediation_actions WHERE plan_id = '${file.plan_id}' AND target_id = '${
              removed[0]!.id
            }'`
          )
          expect(reverted).toEqual([{ verification: "reverted", checked_run_id: run3 }])
          const findings = yield* rows(
            `SELECT rule_id, entity_id FROM findings WHERE run_id = ${run3} AND rule_id LIKE 'remediation.%'`
          )
          expect(findings).toEqual([{ rule_id: "remediation.reverted", entity_id: removed[0]!.id }])
          // The period report: each action, its call, outcome and verification.
          const data = yield* loadReportData(yield* Database, {
            kind: "window",
            fromRunId: run1,
            toRunId: run3,
            label: "test period"
          })
          expect(data.remediation.length).toBe(p.actions.length)
          const markdown = renderMarkdown(data)
          expect(markdown).toContain("## Remediation of the period")
          const line = markdown.split("\n").find((l) =>
            l.includes(`DELETE /workspaces/${sim.workspace.id}/memberships/${removed[0]!.id}`)
          )
          // (Markdown cells escape parentheses.)
          expect(line).toMatch(/\| done \\\(204\\\) \S+ \| reverted \|$/)
          expect(markdown.split("\n").filter((l) => /\| verified \\\(run \d+\\\) \|$/.test(l)).length).toBe(6)
          const breaches = yield* rows(
            "SELECT entry_id FROM ledger_integrity WHERE content_hash IS DISTINCT FROM recomputed_hash"
          )
          expect(breaches).toEqual([])
        }).pipe(Effect.provide(Layer.merge(auditLayer(dir), NodeContext.layer)))
      }),
    120_000
  )
})
