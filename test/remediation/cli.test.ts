/**
 * `remediate apply` as a user runs it (the compiled CLI in a child process) against the simulator: refused with
 * exit 2 and nothing sent without the write token, for a tampered or too old plan, over the cap, or without a
 * confirmation; killed (SIGKILL) between a write's answer and its record, then applied again, every target is
 * written exactly once.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { planText } from "../../src/remediation/PlanFile.js"
import { startPtolemySimulator } from "../../src/simulator/ptolemy/index.js"
import { Database } from "../../src/store/Database.js"
import { storeLayer } from "../../src/store/StoreLayer.js"
import { auditLayer } from "../support/Audit.js"
import { runCli, runCliOnTerminal, terminalRunner } from "../support/Cli.js"
import { tempDir } from "../support/TempDir.js"
import { audit, decide, type Json, plan } from "./support.js"

const observe = (db: string, sql: string) =>
  Effect.scoped(
    Effect.flatMap(Database, (d) => d.query(sql)).pipe(Effect.provide(storeLayer({ path: db, readOnly: true })))
  )

describe("remediate apply on the command line", () => {
  it.scopedLive(
    "refuses with exit 2 and sends nothing; a SIGKILL mid-apply and a second apply write each target once",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const db = join(dir, "audit.duckdb")
        const sim = yield* Effect.acquireRelease(
          Effect.promise(() => startPtolemySimulator({ seed: 5, size: "small", churn: 0 })),
          (s) => Effect.promise(() => s.close())
        )
        const members = sim.world.list("memberships") as Array<Json>
        const humans = members.filter((m) => m.user_type === "human" && m.role !== "admin").slice(0, 4)
        const planPath = join(dir, "plan.json")
        // The history, a signed-off campaign and its plan, made in-process; the store is closed before the CLI runs.
        const file = yield* Effect.scoped(
          Effect.gen(function*() {
            const run = yield* audit({
              url: sim.url,
              token: sim.tokens.admin,
              workspace: sim.workspace.slug,
              now: () => sim.now()
            })
            yield* decide(
              run,
              dir,
              new Date(),
              Object.fromEntries(humans.map((h) => [`member:${h.id}`, { Decision: "Remove" }]))
            )
            return yield* plan({ now: new Date() })
          }).pipe(Effect.provide(Layer.merge(auditLayer(dir), NodeContext.layer)))
        )
        expect(file.plan.actions.length).toBe(4)
        writeFileSync(planPath, planText(file))
        const env = { PTOLEMY_API_URL: sim.url, PTOLEMY_WRITE_TOKEN: sim.tokens.write }
        const applyCli = (args: ReadonlyArray<string>, extra: Record<string, string> = {}, planFile = planPath) =>
          Effect.promise(() =>
            runCli(["remediate", "apply", planFile, "--db", db, ...args], { env: { ...env, ...extra } })
          )
        const refusedWith = (result: { code: number | null; stderr: string }, text: RegExp) => {
          expect(result.stderr).toMatch(text)
          expect(result.code).toBe(2)
          expect(sim.stats.requests).toEqual([])
        }
        sim.stats.reset()

        // No write token (the read token is not one).
        refusedWith(
          yield* Effect.promise(() =>
            runCli(["remediate", "apply", planPath, "--db", db, "--yes"], {
              env: { PTOLEMY_API_URL: sim.url, PTOLEMY_API_TOKEN: sim.tokens.admin }
            })
          ),
          /No write token: set PTOLEMY_WRITE_TOKEN/
        )
        // A tampered plan: one path changed, the hash left as it was.
        const tampered = join(dir, "tampered.json")
        writeFileSync(
          tampered,
          readFileSync(planPath, "utf8").replace(
            humans[0]!.id,
            humans[0]!.id.replace(/^./, (c: string) => (c === "a" ? "b" : "a"))
          )
        )
        refusedWith(yield* applyCli(["--yes"], {}, tampered), /does not match its hash/)
        // Too old, over the cap, and without a confirmation (stdin is not a terminal).
        refusedWith(yield* applyCli(["--yes", "--max-plan-age", "0"]), /more than --max-plan-age 0/)
        refusedWith(
          yield* applyCli(["--yes", "--max-actions", "3"]),
          /4 actions to carry out, more than --max-actions 3: nothing was sent/
        )
        refusedWith(yield* applyCli([]), /stdin is not a terminal/)
        // At a terminal it shows the plan and asks; any answer but "yes" sends nothing.
        if (terminalRunner === null) {
          console.warn("skipped: the confirmation at a terminal needs util-linux's `script` for a pseudo-terminal")
        } else {
          const asked = yield* Effect.promise(() =>
            runCliOnTerminal(["remediate", "apply", planPath, "--db", db], { env, input: "no\n" })
          )
          expect(asked.output).toContain(file.plan_id)
          for (const h of humans) expect(asked.output).toContain(h.id)
          expect(asked.output).toMatch(/Apply plan .* Type yes:/)
          expect(asked.output).toMatch(/Not applied \(the answer was not "yes"\)\. Nothing was sent\./)
          expect(asked.code).toBe(2)
          expect(sim.stats.requests).toEqual([])
        }
        // The token never appears in what the CLI printed.
        const shown = yield* applyCli([])
        expect(`${shown.stdout}${shown.stderr}`).not.toContain(sim.tokens.write)

        // Killed after the first write was answered, before its outcome was recorded.
        const killed = yield* applyCli(["--yes"], { PTOLEMY_AUDIT_CRASH_AT: "remediation-sent" })
        expect(killed.signal).toBe("SIGKILL")
        expect(sim.stats.writes.length).toBe(1)
        const interrupted = yield* observe(
          db,
          `SELECT action_id, outcome, calls FROM remediation_actions ORDER BY position`
        )
        expect(interrupted[0]).toEqual({ action_id: "a1", outcome: "interrupted", calls: 1 })
        expect(interrupted.slice(1).map((r) => r["outcome"])).toEqual(["planned", "planned", "planned"])

        const second = yield* applyCli(["--yes"])
        expect(second.stderr).toBe("")
        expect(second.code).toBe(0)
        // Every target written exactly once, across both applies; the one the killed apply wrote is already done.
        const writes = sim.stats.writes.map((w) => w.path)
        expect(writes.length).toBe(4)
        expect(new Set(writes).size).toBe(4)
        expect(new Set(writes)).toEqual(
          new Set(humans.map((h) => `/v1/workspaces/${sim.workspace.id}/memberships/${h.id}`))
        )
        const final = yield* observe(db, `SELECT action_id, outcome, calls FROM remediation_actions ORDER BY position`)
        expect(final).toEqual([
          { action_id: "a1", outcome: "already_done", calls: 1 },
          { action_id: "a2", outcome: "done", calls: 1 },
          { action_id: "a3", outcome: "done", calls: 1 },
          { action_id: "a4", outcome: "done", calls: 1 }
        ])
        expect(second.stdout).toMatch(/3 done, 1 already done/)

        // The write token is nowhere in the database, nor in the plan.
        for (const file of [db, planPath]) {
          expect(readFileSync(file).includes(Buffer.from(sim.tokens.write))).toBe(false)
        }

        // A third apply sends nothing at all, and status shows the plan.
        sim.stats.reset()
        const third = yield* applyCli(["--yes"])
        expect(third.code).toBe(0)
        expect(sim.stats.requests).toEqual([])
        const status = yield* Effect.promise(() => runCli(["remediate", "status", "--db", db, "--json"]))
        expect(status.code).toBe(0)
        const json = JSON.parse(status.stdout) as { plans: Array<Json>; actions: Array<Json> }
        expect(json.plans).toEqual([
          expect.objectContaining({ plan_id: file.plan_id, done: 3, already_done: 1, pending: 4 })
        ])
        expect(json.actions.map((a) => a["verification"])).toEqual(["pending", "pending", "pending", "pending"])

        // A write the API keeps refusing (5xx after every retry): exit 3, recorded as failed; once it answers, done.
        const other = members.filter((m) => m.user_type === "human" && m.role !== "admin")[5]!
        const second_plan = join(dir, "plan-2.json")
        const file2 = yield* Effect.scoped(
          Effect.gen(function*() {
            const run = yield* audit({
              url: sim.url,
              token: sim.tokens.admin,
              workspace: sim.workspace.slug,
              now: () => sim.now()
            })
            yield* decide(run, dir, new Date(), { [`member:${other.id}`]: { Decision: "Remove" } })
            return yield* plan({ now: new Date() })
          }).pipe(Effect.provide(Layer.merge(auditLayer(dir), NodeContext.layer)))
        )
        writeFileSync(second_plan, planText(file2))
        sim.setFaults({ rules: [{ method: "DELETE", path: "/memberships/", action: { status: 500 } }] })
        const failing = yield* applyCli(["--yes"], {}, second_plan)
        sim.setFaults({})
        expect(failing.code).toBe(3)
        expect(failing.stderr).toMatch(/1 action\(s\) failed/)
        expect(failing.stdout).toMatch(/failed \(500\)/)
        const retried = yield* applyCli(["--yes"], {}, second_plan)
        expect(retried.code).toBe(0)
        expect(retried.stdout).toMatch(/1 done/)
        expect((sim.world.list("memberships") as Array<Json>).some((m) => m.id === other.id)).toBe(false)

        // remediate plan: the table on stdout, the file written (and readable by apply), a bad policy refused.
        const policyPath = join(dir, "policy.json")
        writeFileSync(policyPath, JSON.stringify({ rules: [{ finding: "invitation.privileged" }] }))
        const planned = yield* Effect.promise(() =>
          runCli(["remediate", "plan", "--db", db, "--policy", policyPath, "--out", join(dir, "plan-3.json")])
        )
        expect({ code: planned.code, stderr: planned.stderr }).toEqual({ code: 0, stderr: "" })
        const admin = (sim.world.list("invitations") as Array<Json>).find((i) =>
          i.status === "pending" && i.role === "admin"
        )!
        expect(planned.stdout).toContain(`- a1   revoke_invitation       ${admin.email}`)
        expect(planned.stdout).toContain(`DELETE /workspaces/${sim.workspace.id}/invitations/${admin.id}`)
        expect(planned.stdout).toMatch(/Plan: 1 to remove or revoke, 0 to change, \d+ left out\./)
        // The member the last plan removed is not planned again before a run has verified it.
        expect(planned.stdout).toContain(`carried it out already (a1: done); the next run verifies it`)
        const written = JSON.parse(readFileSync(join(dir, "plan-3.json"), "utf8"))
        expect(planned.stdout).toContain(`written to ${join(dir, "plan-3.json")} (${written.hash})`)
        writeFileSync(policyPath, JSON.stringify({ rules: [{ finding: "token.nope" }] }))
        const bad = yield* Effect.promise(() =>
          runCli(["remediate", "plan", "--db", db, "--policy", policyPath, "--out", join(dir, "plan-4.json")])
        )
        expect(bad.code).toBe(2)
        expect(bad.stderr).toMatch(/is not a remediation policy/)
      }),
    300_000
  )
})
