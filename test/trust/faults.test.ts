/**
 * The fault matrix (README, "Guarantees"): each fault injected into the simulator, the real CLI run against it in a
 * child process, and for each the exit code, the message, what was stored, and that nothing stored earlier changed.
 * Then the token is looked for everywhere the tool writes, and found nowhere.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { verifyChain } from "../../src/history/Integrity.js"
import {
  type FaultOptions,
  type RequestRecord,
  type RunningSimulator,
  startPtolemySimulator
} from "../../src/simulator/ptolemy/index.js"
import { Database } from "../../src/store/Database.js"
import { storeLayer } from "../../src/store/StoreLayer.js"
import { type CliResult, runCli } from "../support/Cli.js"
import { findLeaks } from "../support/SecretScan.js"
import { tempDir } from "../support/TempDir.js"

interface Case {
  readonly name: string
  readonly faults?: FaultOptions
  /** Changes to the world before the run (and undone after). */
  readonly before?: (sim: RunningSimulator) => void
  readonly token?: (sim: RunningSimulator) => string
  readonly args?: ReadonlyArray<string>
  readonly workspace?: string
  readonly code: number
  /** What the run left: its run row's status and gaps, or nothing at all. */
  readonly stored: "complete" | "incomplete" | "failed" | "nothing"
  readonly gaps?: ReadonlyArray<string>
  readonly message?: RegExp
  /** What the simulator's request log must show of the run (it holds only this case's requests). */
  readonly requests?: (log: ReadonlyArray<RequestRecord>) => void
}

/** Timers and the two processes' clocks agree to the millisecond; a few are allowed for rounding. */
const CLOCK_SLACK_MS = 5

/**
 * The run saw `throttled` 429s, and each was asked for again (the same page: method, path and query), not before its
 * Retry-After had passed since the answer; the page was answered in the end.
 */
const retriedAfterWaiting = (seconds: number, throttled: number) => (log: ReadonlyArray<RequestRecord>) => {
  const page = (r: RequestRecord) => `${r.method} ${r.path}?${r.query}`
  const refused = log.filter((r) => r.status === 429)
  expect(refused.length).toBe(throttled)
  for (const answer of refused) {
    const retry = log.find((r) =>
      page(r) === page(answer) && r.receivedAt >= answer.answeredAt - CLOCK_SLACK_MS && r !== answer
    )
    expect(retry, `the 429 on ${page(answer)} was asked for again`).toBeDefined()
    expect(retry!.receivedAt - answer.answeredAt).toBeGreaterThanOrEqual(seconds * 1000 - CLOCK_SLACK_MS)
  }
  const last = log.filter((r) => page(r) === page(refused[0]!)).at(-1)!
  expect(last.status).toBe(200)
}

const cases: ReadonlyArray<Case> = [
  {
    name: "burst throttling, Retry-After honoured",
    faults: {
      rules: [{ path: /^\/memberships(\?|$)/, times: 2, action: { status: 429, code: "rate_limited", retryAfter: 2 } }]
    },
    code: 0,
    stored: "complete",
    // The client's own backoff starts at a quarter of a second: only the header makes it wait two.
    requests: retriedAfterWaiting(2, 2)
  },
  {
    name: "a burst of 5xx",
    faults: { rules: [{ path: "/invitations", times: 3, action: { status: 503 } }] },
    code: 0,
    stored: "complete"
  },
  {
    name: "a hanging response (request timeout, retried)",
    faults: { rules: [{ path: "/plan", times: 1, action: "hang" }] },
    args: ["--request-timeout", "1"],
    code: 0,
    stored: "complete"
  },
  {
    name: "dropped connections",
    faults: { rules: [{ path: "/webhooks", times: 2, action: "drop" }] },
    code: 0,
    stored: "complete"
  },
  {
    name: "truncated JSON, once",
    faults: { rules: [{ path: "/memberships/robots", times: 2, action: "malformed" }] },
    code: 0,
    stored: "complete"
  },
  { name: "unknown extra fields", faults: { extraFields: true }, code: 0, stored: "complete" },
  {
    name: "a token pasted with a trailing newline",
    token: (sim) => `${sim.tokens.admin}\n`,
    code: 0,
    stored: "complete"
  },
  {
    name: "an expired cursor",
    faults: { rules: [{ path: "/events", times: 1, action: "expire-cursor" }] },
    before: (sim) => sim.advanceDays(2),
    code: 0,
    stored: "complete"
  },
  {
    name: "a collection that is always malformed",
    faults: { rules: [{ path: "/invitations", action: "malformed" }] },
    code: 0,
    stored: "incomplete",
    gaps: ["invitations"]
  },
  {
    name: "a missing required field (schema drift)",
    faults: { omitFields: [{ resource: "membership", field: "role" }] },
    code: 0,
    stored: "incomplete",
    gaps: ["members"],
    message: /members is a coverage gap \(failed\).*role/
  },
  {
    name: "403 on some collections",
    faults: { forbid: ["invitations", "webhooks"] },
    code: 0,
    stored: "incomplete",
    gaps: ["invitations", "webhooks"],
    message: /invitations is a coverage gap \(forbidden\)/
  },
  {
    name: "403 with --require-complete",
    faults: { forbid: ["invitations"] },
    args: ["--require-complete"],
    code: 4,
    stored: "incomplete",
    gaps: ["invitations"],
    message: /incomplete.*--require-complete/
  },
  {
    name: "a robot token (Viewer): Admin collections are gaps",
    token: (sim) => sim.tokens.robotViewer,
    code: 0,
    stored: "incomplete",
    gaps: ["invitations", "members", "robot_tokens", "robots"]
  },
  {
    name: "the token revoked mid-run",
    faults: { rules: [{ path: "/invitations", times: 1, action: "revoke-token" }] },
    token: (sim) => sim.tokens.robotMember,
    code: 3,
    stored: "failed",
    message: /401.*PTOLEMY_API_TOKEN/
  },
  {
    name: "the quota running out mid-run",
    before: (sim) => {
      const used = (sim.world.planJson() as { usage: { api_calls: { used: number } } }).usage.api_calls.used
      sim.world.setPlan({ limits: { api_calls: used + 8 } })
    },
    code: 3,
    stored: "failed",
    message: /quota/
  },
  {
    name: "the API down (every answer 5xx)",
    faults: { serverErrorRate: 1 },
    code: 3,
    stored: "failed",
    message: /kept failing after every retry/
  },
  {
    name: "a workspace that does not exist",
    workspace: "no-such-workspace",
    code: 2,
    stored: "nothing",
    message: /404/
  }
]

const views = [
  "runs",
  "coverage",
  "members",
  "robots",
  "robot_tokens",
  "invitations",
  "webhooks",
  "plan_usage",
  "events",
  "changes",
  "findings"
]

/** Every row of every view, as the database holds them now. */
const observe = (db: string) =>
  Effect.scoped(
    Effect.gen(function*() {
      const database = yield* Database
      const dump: Record<string, ReadonlyArray<unknown>> = {}
      for (const view of views) dump[view] = yield* database.query(`SELECT * FROM ${view} ORDER BY ALL`)
      return { dump }
    }).pipe(Effect.provide(storeLayer({ path: db, readOnly: true })))
  )

/** What `verify` would find wrong with the hash chain (it recomputes every run's hash: once, at the end). */
const chainBreaches = (db: string) =>
  Effect.scoped(
    Effect.flatMap(Database, (database) => verifyChain(database)).pipe(
      Effect.map((result) => result.breaches),
      Effect.provide(storeLayer({ path: db, readOnly: true }))
    )
  )

/** The rows of runs up to `runId`: what a later run must never change. */
const upTo = (dump: Record<string, ReadonlyArray<unknown>>, runId: number) =>
  Object.fromEntries(
    Object.entries(dump).map(([view, rows]) => [
      view,
      rows.filter((r) => Number((r as { run_id: number }).run_id) <= runId)
    ])
  )

const files = (dir: string): Array<string> =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))

describe("the fault matrix", () => {
  it.scopedLive(
    "each fault: the exit code, the message, what is stored, and nothing lost from earlier runs",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const db = join(dir, "audit.duckdb")
        const reports = join(dir, "reports")
        const sim = yield* Effect.acquireRelease(
          Effect.promise(() => startPtolemySimulator({ seed: 41, size: "small", churn: 1 })),
          (s) => Effect.promise(() => s.close())
        )
        const outputs: Array<CliResult> = []
        const run = (c: Partial<Case>) =>
          Effect.promise(() =>
            runCli(["run", "--db", db, "--reports", reports, ...(c.args ?? [])], {
              env: {
                PTOLEMY_API_URL: sim.url,
                PTOLEMY_API_TOKEN: c.token ? c.token(sim) : sim.tokens.admin,
                PTOLEMY_WORKSPACE: c.workspace ?? sim.workspace.slug
              }
            })
          ).pipe(Effect.tap((result) => Effect.sync(() => outputs.push(result))))

        expect((yield* run({})).code).toBe(0)
        // What the database held before each case: the first run's, then what the previous case left.
        let before = yield* observe(db)
        for (const c of cases) {
          const lastRun = Math.max(...before.dump["runs"]!.map((r) => Number((r as { run_id: number }).run_id)))
          sim.advanceDays(1)
          c.before?.(sim)
          sim.setFaults(c.faults ?? {})
          sim.stats.reset()
          const result = yield* run(c)
          sim.setFaults({})
          c.requests?.(sim.stats.requests)
          sim.world.setPlan({ limits: { api_calls: 10_000_000 } })
          const after = yield* observe(db)
          const runs = after.dump["runs"] as ReadonlyArray<
            { run_id: number; status: string; coverage: Record<string, string> }
          >
          const newRuns = runs.filter((r) => r.run_id > lastRun)
          const gaps = newRuns.flatMap((r) =>
            Object.entries(r.coverage ?? {}).filter(([, s]) => s === "forbidden" || s === "failed").map(([k]) => k)
          ).sort()
          expect({
            case: c.name,
            code: result.code,
            stored: newRuns.length === 0 ? "nothing" : newRuns.map((r) => r.status).join(","),
            gaps: c.gaps === undefined ? undefined : gaps
          }).toEqual({ case: c.name, code: c.code, stored: c.stored, gaps: c.gaps })
          if (c.message) {
            expect({ case: c.name, output: result.stdout + result.stderr }).toMatchObject({
              output: expect.stringMatching(c.message)
            })
          }
          // Nothing stored earlier changed.
          expect({ case: c.name, earlier: upTo(after.dump, lastRun) }).toEqual({
            case: c.name,
            earlier: upTo(before.dump, lastRun)
          })
          before = after
        }
        // Every run's hash still verifies, after every fault (a broken link or hash would stay broken).
        expect(yield* chainBreaches(db)).toEqual([])

        // The token is nowhere: not in what any run printed, the database, the reports or the exported history.
        const exported = join(dir, "history")
        expect((yield* Effect.promise(() => runCli(["export", "--db", db, "--to", exported]))).code).toBe(0)
        const secrets = [sim.tokens.admin, sim.tokens.robotViewer, sim.tokens.robotMember].flatMap((
          t
        ) => [t, t.slice("ptk_live_".length)])
        const written = [db, ...files(reports), ...files(exported)]
        expect(written.length).toBeGreaterThan(10)
        for (const secret of secrets) {
          for (const output of outputs) {
            expect(output.stdout.includes(secret) || output.stderr.includes(secret)).toBe(false)
          }
        }
        // Through SQL, unzipped XML and Parquet, not raw bytes: compression would hide a token from a byte search.
        expect(yield* Effect.promise(() => findLeaks(written.filter((f) => statSync(f).size > 0), secrets))).toEqual([])
      }),
    600_000
  ) // one CLI run per fault (about twenty), each a Node start-up, a snapshot and its reports
})
