import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import {
  type RunningSimulator,
  type SimulatorOptions,
  startPtolemySimulator
} from "../../src/simulator/ptolemy/index.js"
import { auditLayer, auditOnce, query } from "../support/Audit.js"
import { findLeaks } from "../support/SecretScan.js"
import { tempDir } from "../support/TempDir.js"

const simulator = (options: SimulatorOptions) =>
  Effect.acquireRelease(
    Effect.promise(() => startPtolemySimulator(options)),
    (sim) => Effect.promise(() => sim.close())
  )

const target = (sim: RunningSimulator, token = sim.tokens.admin) => ({
  url: sim.url,
  token,
  workspace: sim.workspace.slug,
  now: () => sim.now()
})

const pages = (n: number) => Math.max(1, Math.ceil(n / 200))

/** What the server holds right now, keyed by id, as JSON objects. */
const truth = (items: ReadonlyArray<unknown>) =>
  new Map(items.map((item) => [(item as { id: string }).id, item as Record<string, unknown>]))

describe("the Ptolemy pipeline: client, simulator over loopback, real DuckDB file", () => {
  it.scopedLive("stores exactly what the server holds, in the fewest requests, across many pages and a boundary at 200", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      // 388 humans + 10 robots + the 2 test robots = exactly 400 memberships: two full pages, and no third request.
      const sim = yield* simulator({
        seed: 21,
        size: { humans: 388, robots: 10, tokensPerRobot: 2, invitations: 200, webhooks: 3 },
        churn: 0
      })
      yield* Effect.provide(
        Effect.gen(function*() {
          sim.stats.reset()
          const meteredBefore = (sim.world.planJson() as { usage: { api_calls: { used: number } } }).usage.api_calls
            .used
          const result = yield* auditOnce(target(sim))
          expect(result.runs.map((r) => r.status)).toEqual(["complete"])
          const runId = result.runs[0]!.runId

          // The plan is read alone, right after the workspace and before any other request is sent, so the
          // API calls it reports are the meter before the run plus those two, however the rest interleaves.
          const [resolve, plan, ...rest] = [...sim.stats.requests].sort((a, b) => a.receivedAt - b.receivedAt)
          expect(plan!.path).toMatch(/\/plan$/)
          expect(plan!.receivedAt).toBeGreaterThanOrEqual(resolve!.answeredAt)
          for (const r of rest) expect(r.receivedAt).toBeGreaterThanOrEqual(plan!.answeredAt)
          expect(yield* query(`SELECT used FROM plan_usage WHERE run_id = ${runId} AND dimension = 'api_calls'`))
            .toEqual([{ used: meteredBefore + 2 }])

          const memberships = sim.world.list("memberships")
          const robots = sim.world.list("robots") as Array<{ id: string }>
          const invitations = sim.world.list("invitations")
          const webhooks = sim.world.list("webhooks") as Array<{ id: string }>
          expect(memberships.length).toBe(400)

          // Every stored member is the server's object, unknown fields and all.
          const stored = yield* query(`SELECT id, role, raw FROM members WHERE run_id = ${runId}`)
          const server = truth(memberships)
          expect(stored.length).toBe(server.size)
          for (const row of stored) expect(JSON.parse(row["raw"] as string)).toEqual(server.get(String(row["id"])))
          const storedTokens = yield* query(`SELECT id, raw FROM robot_tokens WHERE run_id = ${runId}`)
          const serverTokens = truth(robots.flatMap((r) => sim.world.tokens(r.id)))
          expect(storedTokens.length).toBe(serverTokens.size)
          for (const row of storedTokens) {
            expect(JSON.parse(row["raw"] as string)).toEqual(serverTokens.get(String(row["id"])))
          }
          expect((yield* query(`SELECT count(*) AS n FROM invitations WHERE run_id = ${runId}`))[0]!["n"]).toBe(
            invitations.length
          )

          // The minimum: 1 workspace + member pages + robot pages + one token list per robot + invitation pages +
          // plan + webhook pages + one subscription list per webhook + event pages.
          const events = sim.world.list("events")
          const minimum = 1 + pages(memberships.length) + pages(robots.length) + robots.length +
            pages(invitations.length) + 1 + pages(webhooks.length) + webhooks.length + pages(events.length)
          expect(sim.stats.requests.length).toBe(minimum)
          expect(result.runs[0]!.usage.calls).toBe(minimum)
          // Pages of 200, one at a time within a collection.
          const memberRequests = sim.stats.requests.filter((r) => r.path.endsWith("/memberships"))
          expect(memberRequests.length).toBe(2)
          for (const r of memberRequests) expect(r.query).toContain("limit=200")
        }),
        auditLayer(dir)
      )
    }))

  it.scopedLive("a robot token: what it may read is stored, the rest a recorded coverage gap naming the role it lacks", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({ seed: 22, size: "tiny", churn: 0 })
      yield* Effect.provide(
        Effect.gen(function*() {
          const result = yield* auditOnce(target(sim, sim.tokens.robotViewer))
          expect(result.runs.map((r) => r.status)).toEqual(["incomplete"])
          const coverage = yield* query(
            `SELECT collection, status, detail FROM coverage WHERE run_id = ${
              result.runs[0]!.runId
            } ORDER BY collection`
          )
          const status = Object.fromEntries(coverage.map((c) => [c["collection"], c["status"]]))
          expect(status).toMatchObject({
            workspace: "complete",
            plan_usage: "complete",
            webhooks: "complete",
            events: "complete",
            members: "forbidden",
            robots: "forbidden",
            robot_tokens: "forbidden",
            invitations: "forbidden"
          })
          const members = coverage.find((c) => c["collection"] === "members")!
          expect(members["detail"]).toContain("403")
          expect(members["detail"]).toContain("Admin")
          expect(yield* query("SELECT count(*) AS n FROM members")).toEqual([{ n: 0 }])
          expect(
            (yield* query("SELECT entity_id FROM findings WHERE rule_id = 'coverage.gap' ORDER BY 1")).map((r) =>
              r["entity_id"]
            )
          ).toEqual(["invitations", "members", "robot_tokens", "robots"])
        }),
        auditLayer(dir)
      )
    }))

  it.scopedLive("a refused token (401) fails the run with a clear message, storing only a failed run row", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({ seed: 23, size: "tiny", churn: 0 })
      yield* Effect.provide(
        Effect.gen(function*() {
          const result = yield* auditOnce(target(sim, `ptk_live_${"0".repeat(64)}`))
          expect(result.failures.map((f) => f.reason)).toEqual(["Unauthorized"])
          expect(result.failures[0]!.message).toContain("401")
          expect(result.failures[0]!.message).toContain("PTOLEMY_API_TOKEN")
          expect(yield* query("SELECT status FROM runs")).toEqual([{ status: "failed" }])
        }),
        auditLayer(dir)
      )
    }))

  it.scopedLive("burst throttling (429 with Retry-After) is retried to a complete run", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({
        seed: 24,
        size: "tiny",
        churn: 0,
        faults: {
          rules: [{ path: "/memberships", times: 2, action: { status: 429, code: "rate_limited", retryAfter: 1 } }]
        }
      })
      yield* Effect.provide(
        Effect.gen(function*() {
          const result = yield* auditOnce(target(sim))
          expect(result.runs.map((r) => r.status)).toEqual(["complete"])
          const throttled = sim.stats.requests.filter((r) => r.status === 429)
          expect(throttled.length).toBe(2)
          expect(yield* query("SELECT count(*) > 0 AS some FROM members")).toEqual([{ some: true }])
        }),
        auditLayer(dir)
      )
    }))

  it.scopedLive("an exhausted quota (429 quota_exceeded) fails the run, is not retried, and stores nothing", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({ seed: 25, size: "small", churn: 0 })
      yield* Effect.provide(
        Effect.gen(function*() {
          const first = yield* auditOnce(target(sim))
          expect(first.runs[0]!.status).toBe("complete")
          const before = yield* query("SELECT * FROM members ORDER BY ALL")
          const used = (sim.world.planJson() as { usage: { api_calls: { used: number } } }).usage.api_calls.used
          sim.world.setPlan({ limits: { api_calls: used + 5 } })
          sim.stats.reset()
          const second = yield* auditOnce(target(sim))
          expect(second.runs.map((r) => r.status)).toEqual(["failed"])
          expect(second.runs[0]!.error).toContain("quota")
          // Every request the spent quota refused was sent exactly once: no page, no endpoint asked for again.
          const key = (r: { method: string; path: string; query: string }) => `${r.method} ${r.path}?${r.query}`
          const refused = sim.stats.requests.filter((r) => r.status === 429).map(key)
          expect(refused.length).toBeGreaterThan(0)
          const sent = sim.stats.requests.map(key)
          expect(refused.map((k) => [k, sent.filter((s) => s === k).length])).toEqual(refused.map((k) => [k, 1]))
          expect(yield* query("SELECT * FROM members ORDER BY ALL")).toEqual(before)
          expect(yield* query("SELECT run_id, status FROM runs ORDER BY run_id")).toEqual([
            { run_id: 1, status: "complete" },
            { run_id: 2, status: "failed" }
          ])
        }),
        auditLayer(dir)
      )
    }))

  it.scopedLive("an expired cursor restarts its collection once, and the run is complete and exact", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({
        seed: 26,
        size: { humans: 500, robots: 5, tokensPerRobot: 1, invitations: 3, webhooks: 1 },
        churn: 0,
        faults: { rules: [{ path: "/memberships", after: 1, times: 1, action: "expire-cursor" }] }
      })
      yield* Effect.provide(
        Effect.gen(function*() {
          const result = yield* auditOnce(target(sim))
          expect(result.runs.map((r) => r.status)).toEqual(["complete"])
          expect((yield* query("SELECT count(*) AS n FROM members"))[0]!["n"]).toBe(
            sim.world.list("memberships").length
          )
          expect(sim.stats.requests.filter((r) => r.status === 400).length).toBe(1)
        }),
        auditLayer(dir)
      )
    }))

  it.scopedLive("unknown fields are kept in the raw JSON", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({ seed: 27, size: "tiny", churn: 0, faults: { extraFields: true } })
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* auditOnce(target(sim))
          const server = truth(sim.world.list("memberships"))
          const [row] = yield* query("SELECT id, raw FROM members LIMIT 1")
          const expected = server.get(String(row!["id"]))!
          const raw = JSON.parse(row!["raw"] as string) as Record<string, unknown>
          const unknown = Object.keys(expected).filter((k) =>
            !["id", "user_id", "user_type", "role", "display_name", "email", "created_at", "updated_at"].includes(k)
          )
          expect(unknown.length).toBeGreaterThan(0)
          expect(raw).toEqual(expected)
        }),
        auditLayer(dir)
      )
    }))

  it.scopedLive("a run interrupted by an error (token revoked mid-run) leaves earlier snapshots untouched", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({ seed: 28, size: "small", churn: 1 })
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* auditOnce(target(sim))
          const before = yield* query("SELECT * FROM members ORDER BY ALL")
          sim.advanceDays(3)
          sim.setFaults({ rules: [{ path: "/invitations", times: 1, action: "revoke-token" }] })
          const second = yield* auditOnce(target(sim))
          expect(second.runs.map((r) => r.status)).toEqual(["failed"])
          expect(second.runs[0]!.error).toContain("401")
          expect(yield* query("SELECT * FROM members ORDER BY ALL")).toEqual(before)
        }),
        auditLayer(dir)
      )
    }))

  it.scopedLive("read-only by construction: full runs send only GETs and POSTs to /filter endpoints", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({ seed: 30, size: "small", churn: 1 })
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* auditOnce(target(sim))
          sim.advanceDays(2)
          yield* auditOnce(target(sim)) // reads events incrementally, through POST /events/filter
        }),
        auditLayer(dir)
      )
      const methods = sim.stats.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, ":id")}`)
      expect(methods.some((m) => m.startsWith("POST") && m.endsWith("/events/filter"))).toBe(true)
      for (const m of methods) expect(m).toMatch(/^(GET |POST .*\/filter$)/)
      // The incremental read asks only for events from the newest one stored on (reference section 13).
      const filter = sim.stats.requests.find((r) => r.method === "POST")!
      expect(filter.body).toMatchObject({
        filter: { and: [{ field: "created_at", op: "gte", value: expect.any(String) }] },
        sort: [{ field: "created_at", direction: "asc" }],
        limit: 200
      })
    }))

  it.scopedLive("an event stamped in the same second as the newest stored one is still read by the next run, and stored once", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({ seed: 31, size: "tiny", churn: 0 })
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* auditOnce(target(sim))
          const [newest] = yield* query("SELECT max(created_at) AS at, count(*) AS n FROM events")
          const at = new Date(String(newest!["at"])).getTime()
          // Published after the first run read the log, but stamped in the same second as the watermark.
          const world = sim.world
          const ws = world.workspace(sim.workspace.id)
          world.record(ws, "membership.updated", "membership", "late-in-the-same-second", world.owner(ws), {
            role: "admin"
          }, at)
          yield* auditOnce(target(sim))
          const late = yield* query("SELECT run_id FROM events WHERE resource_id = 'late-in-the-same-second'")
          expect(late).toEqual([{ run_id: 2 }])
          const [after] = yield* query("SELECT count(*) AS n, count(DISTINCT id) AS ids FROM events")
          expect(Number(after!["n"])).toBe(Number(newest!["n"]) + 1)
          expect(after!["ids"]).toEqual(after!["n"])
        }),
        auditLayer(dir)
      )
    }))

  it.scopedLive("a 404 on a webhook's subscriptions: gone if the webhook is gone too, otherwise a gap, never a removal", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({ seed: 32, size: "small", churn: 0 })
      const hooks = sim.world.workspace(sim.workspace.id).webhooks.items.map((w) => w.id).sort()
      expect(hooks.length).toBeGreaterThan(1)
      const [first, second] = hooks
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* auditOnce(target(sim))
          // Deleted while the run read it: the webhook and its subscriptions both answer 404 (one extra request).
          sim.setFaults({ rules: [{ path: `/webhooks/${first}`, action: { status: 404, code: "not_found" } }] })
          const deleted = yield* auditOnce(target(sim))
          expect(deleted.runs.map((r) => r.status)).toEqual(["complete"])
          expect((yield* query("SELECT id FROM webhooks WHERE run_id = 2 ORDER BY id")).map((r) => r["id"]))
            .toEqual(hooks.filter((id) => id !== first))
          // The subscriptions answer 404 but the webhook is still there: unexplained, so the collection is a gap.
          sim.setFaults({
            rules: [{ path: `/webhooks/${second}/subscriptions`, action: { status: 404, code: "not_found" } }]
          })
          const unexplained = yield* auditOnce(target(sim))
          expect(unexplained.runs.map((r) => r.status)).toEqual(["incomplete"])
          expect(yield* query("SELECT coverage['webhooks'] AS webhooks FROM runs WHERE run_id = 3")).toEqual([{
            webhooks: "failed"
          }])
          const removed = yield* query(
            "SELECT entity_id FROM changes WHERE change_type = 'webhook_removed' ORDER BY run_id"
          )
          expect(removed.map((r) => r["entity_id"])).toEqual([first])
        }),
        auditLayer(dir)
      )
    }))

  it.scopedLive("a robot deleted while its tokens are read is left out with its tokens; a 404 on a live robot's tokens is a gap", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({ seed: 33, size: "small", churn: 0 })
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* auditOnce(target(sim))
          const withTokens = yield* query(
            "SELECT robot_id, count(*) AS n FROM robot_tokens WHERE run_id = 1 AND status = 'active' GROUP BY ALL ORDER BY robot_id"
          )
          expect(withTokens.length).toBeGreaterThan(1)
          const [gone, live] = withTokens.map((r) => String(r["robot_id"]))
          sim.setFaults({
            rules: [{ path: `/memberships/robots/${gone}`, action: { status: 404, code: "not_found" } }]
          })
          const deleted = yield* auditOnce(target(sim))
          expect(deleted.runs.map((r) => r.status)).toEqual(["complete"])
          expect(yield* query(`SELECT count(*) AS n FROM robots WHERE run_id = 2 AND id = '${gone}'`)).toEqual([{
            n: 0
          }])
          expect(yield* query(`SELECT count(*) AS n FROM robot_tokens WHERE run_id = 2 AND robot_id = '${gone}'`))
            .toEqual([{ n: 0 }])
          sim.setFaults({
            rules: [{ path: `/memberships/robots/${live}/tokens`, action: { status: 404, code: "not_found" } }]
          })
          const unexplained = yield* auditOnce(target(sim))
          expect(unexplained.runs.map((r) => r.status)).toEqual(["incomplete"])
          expect(yield* query("SELECT coverage['robot_tokens'] AS tokens FROM runs WHERE run_id = 3")).toEqual([{
            tokens: "failed"
          }])
          // The live robot's tokens were never stored as revoked.
          expect(
            yield* query(
              `SELECT count(*) AS n FROM changes WHERE change_type = 'token_revoked'
               AND entity_id IN (SELECT id FROM robot_tokens WHERE run_id = 1 AND robot_id = '${live}')`
            )
          ).toEqual([{ n: 0 }])
          // The deleted robot was removed, at run 2 and only then.
          expect(yield* query(`SELECT run_id, entity_id FROM changes WHERE change_type = 'robot_removed'`)).toEqual([
            { run_id: 2, entity_id: gone }
          ])
        }),
        auditLayer(dir)
      )
    }))

  it.scopedLive("the token appears neither in the database nor in what the run stored", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({ seed: 29, size: "tiny", churn: 0 })
      yield* Effect.provide(auditOnce(target(sim)), auditLayer(dir))
      // Every text column of every table, through SQL (a byte search misses what DuckDB compresses).
      const leaks = yield* Effect.promise(() =>
        findLeaks([join(dir, "audit.duckdb")], [sim.tokens.admin, sim.tokens.admin.slice(9)])
      )
      expect(leaks).toEqual([])
    }))
})
