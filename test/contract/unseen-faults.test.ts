/**
 * Faults the fault matrix (test/trust/faults.test.ts) does not inject, probed from the outside: the real CLI in a child
 * process against the independent contract server (./ptolemy-independent-server.ts, written from the API reference),
 * with transport-level faults (stalled and trickled bodies, a Content-Length the body never reaches, closed sockets),
 * proxy pages, redirects, odd `Retry-After` values and pagination that misbehaves (a failing page 3, `has_more` without
 * a cursor, a cursor loop, duplicates across pages).
 *
 * Each case starts from a database holding one clean, complete baseline run of the same workspace state (made once,
 * then copied per case so the cases can run side by side), runs `ptolemy-audit run` once with the fault injected, and
 * checks what a user would expect: a retried-to-complete run, a coverage gap, or a failed run (exit 3) with a clear
 * message naming the endpoint and the status. Always: the CLI ends on its own, prints no stack trace and never the
 * token, leaves the baseline run exactly as it was, and records no change at all (the workspace did not change, so any
 * change, above all a `member_removed`, is a phantom), and the token is in no file it wrote.
 *
 * The faults are answers scripted through the server's `addRawFault` hook (it sees each request with the answer the
 * server would give, and may answer through the raw socket instead). The database is read from the outside, through
 * its documented views, with a read-only DuckDB connection once the CLI has exited. `UNSEEN_ONLY=<regex>` runs only
 * the cases whose names match (the cases run side by side in `beforeAll`, so `-t` alone would still run them all).
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { randomBytes } from "node:crypto"
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliResult, runCli } from "../support/Cli.js"
import { findLeaks } from "../support/SecretScan.js"
import { ago, ahead, uuid } from "./dates-and-ids.js"
import {
  type IndependentPtolemy,
  type Obj,
  type RawFaultContext,
  type RecordedRequest,
  startIndependentPtolemy,
  type WorkspaceState
} from "./ptolemy-independent-server.js"

// ---------------------------------------------------------------------------------------------------------------
// A small workspace: 8 members, so that the server's 3-item pages give members pages of 3, 3 and 2.

const WS_ID = "5b0e8f7a-2c1d-4e3f-9a8b-7c6d5e4f3a2b"
const WS_SLUG = "vega-labs"
const M = (n: number) => uuid("a1a1", n)
const U = (n: number) => uuid("b2b2", n)
const T = (n: number) => uuid("c3c3", n)
const I = (n: number) => uuid("d4d4", n)
const W = (n: number) => uuid("e5e5", n)
const E = (n: number) => uuid("a7a7", n)
/** Robot users 101..104 (user ids), whose memberships are members 5..8. */
const R = (n: number) => U(100 + n)

const human = (n: number, role: string, name: string): Obj => ({
  id: M(n),
  user_id: U(n),
  user_type: "human",
  role,
  display_name: name,
  email: `${name.toLowerCase()}@vega.example`,
  created_at: ago(300 - n),
  updated_at: ago(300 - n)
})

const robotMember = (k: number, role: string, name: string): Obj => ({
  id: M(4 + k),
  user_id: R(k),
  user_type: "robot",
  role,
  display_name: name,
  email: null,
  created_at: ago(300 - 4 - k),
  updated_at: ago(300 - 4 - k)
})

const robot = (k: number, role: string, name: string): Obj => ({
  id: R(k),
  membership_id: M(4 + k),
  display_name: name,
  description: `${name} integration`,
  role,
  created_at: ago(300 - 4 - k)
})

const STATE: WorkspaceState = {
  workspace: { id: WS_ID, name: "Vega Labs", slug: WS_SLUG, created_at: ago(400), updated_at: ago(30), settings: {} },
  // created in this order: members 1-8 come in pages of 3, 3 and 2; robots 1-4 in pages of 3 and 1
  memberships: [
    human(1, "admin", "Ada"),
    human(2, "member", "Ben"),
    human(3, "viewer", "Cy"),
    human(4, "editor", "Dee"),
    robotMember(1, "member", "sync-bot"),
    robotMember(2, "viewer", "report-bot"),
    robotMember(3, "viewer", "ci-bot"),
    robotMember(4, "member", "etl-bot")
  ],
  robots: [
    robot(1, "member", "sync-bot"),
    robot(2, "viewer", "report-bot"),
    robot(3, "viewer", "ci-bot"),
    robot(4, "member", "etl-bot")
  ],
  tokens: {
    [R(1)]: [
      {
        id: T(1),
        name: "main",
        token_suffix: "a1b2",
        status: "active",
        created_at: ago(40),
        expires_at: ahead(300),
        last_used_at: ago(1)
      },
      {
        id: T(2),
        name: "old",
        token_suffix: "c3d4",
        status: "revoked",
        created_at: ago(200),
        expires_at: ago(10),
        last_used_at: ago(50),
        revoked_at: ago(40)
      }
    ],
    [R(3)]: [{
      id: T(3),
      name: "ci",
      token_suffix: "e5f6",
      status: "active",
      created_at: ago(20),
      expires_at: ahead(60),
      last_used_at: ago(2)
    }],
    [R(4)]: [{
      id: T(4),
      name: "etl",
      token_suffix: "a7b8",
      status: "active",
      created_at: ago(30),
      expires_at: ahead(90),
      last_used_at: ago(1)
    }]
  },
  invitations: [
    {
      id: I(1),
      email: "hal@vega.example",
      role: "member",
      status: "pending",
      invited_by: M(1),
      created_at: ago(2),
      expires_at: ahead(5)
    },
    {
      id: I(2),
      email: "ivy@vega.example",
      role: "viewer",
      status: "expired",
      invited_by: M(1),
      created_at: ago(30),
      expires_at: ago(23)
    }
  ],
  plan: {
    plan: "growth",
    overage_enabled: false,
    billing_period: { start: ago(10), end: ahead(20) },
    usage: {
      seats: { used: 4, limit: 20 },
      webhooks: { used: 1, limit: 5 },
      database_items: { used: 100, limit: 1000 },
      api_calls: { used: 1000, limit: null }
    }
  },
  webhooks: [{
    id: W(1),
    url: "https://hooks.vega.example/ptolemy",
    label: "alerts",
    active: true,
    created_at: ago(60)
  }],
  subscriptions: { [W(1)]: [{ id: uuid("f6f6", 1), event_type: "*" }] },
  events: [
    {
      id: E(1),
      event_type: "membership.created",
      resource_type: "membership",
      resource_id: M(7),
      actor: { id: U(1), type: "human", display_name: "Ada" },
      created_at: ago(100),
      data: {}
    },
    {
      id: E(2),
      event_type: "robot_token.created",
      resource_type: "robot_token",
      resource_id: T(1),
      actor: { id: U(1), type: "human", display_name: "Ada" },
      created_at: ago(40),
      data: {}
    },
    {
      id: E(3),
      event_type: "invitation.created",
      resource_type: "invitation",
      resource_id: I(1),
      actor: { id: U(1), type: "human", display_name: "Ada" },
      created_at: ago(2),
      data: {}
    }
  ]
}

/** Rows per collection of a complete run of STATE. */
const BASELINE_COUNTS: Record<string, number> = {
  workspace: 1,
  members: 8,
  robots: 4,
  robot_tokens: 4,
  invitations: 2,
  webhooks: 1,
  plan_usage: 4
}
const VIEW_OF: Record<string, string> = {
  workspace: "workspaces",
  members: "members",
  robots: "robots",
  robot_tokens: "robot_tokens",
  invitations: "invitations",
  webhooks: "webhooks",
  plan_usage: "plan_usage"
}
const MEMBER_IDS = [1, 2, 3, 4, 5, 6, 7, 8].map(M).join(",")

const TOKEN = `ptk_live_${randomBytes(32).toString("hex")}`
const WRONG_TOKEN = `ptk_live_${randomBytes(32).toString("hex")}`
const SECRETS = [TOKEN, TOKEN.slice("ptk_live_".length), WRONG_TOKEN, WRONG_TOKEN.slice("ptk_live_".length)]

// ---------------------------------------------------------------------------------------------------------------
// Reading the audit database from the outside (read-only, after the CLI has exited), through its documented views.

const query = async (db: string, sql: string): Promise<Array<Record<string, unknown>>> => {
  const instance = await DuckDBInstance.create(db, { access_mode: "READ_ONLY" })
  try {
    const connection = await instance.connect()
    try {
      return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>
    } finally {
      connection.closeSync()
    }
  } finally {
    instance.closeSync()
  }
}

const EARLIER_VIEWS = [
  "runs",
  "coverage",
  "workspaces",
  "members",
  "robots",
  "robot_tokens",
  "invitations",
  "webhooks",
  "plan_usage",
  "events",
  "findings",
  "changes"
]

/** Every row of every view as of run 1 (the baseline), as text: what no later run may change. */
const earlierRows = async (db: string): Promise<Array<string>> =>
  (
    await query(
      db,
      `${
        EARLIER_VIEWS.map((v) => `SELECT '${v}' AS v, CAST(t AS VARCHAR) AS row FROM ${v} t WHERE t.run_id = 1`).join(
          " UNION ALL "
        )
      } ORDER BY ALL`
    )
  ).map((r) => `${String(r["v"])}: ${String(r["row"])}`)

interface RunRow {
  readonly run_id: number
  readonly status: string
  readonly error: string | null
  /** collection=status, ... */
  readonly coverage: string | null
  /** collection: detail | ... for the gaps */
  readonly gaps: string | null
  readonly counts: Record<string, number>
  readonly member_ids: string | null
  readonly events: number
  readonly changes: string | null
  readonly rate_limit_remaining: number | null
}

const readRuns = async (db: string): Promise<Array<RunRow>> => {
  const rows = await query(
    db,
    `SELECT r.run_id, r.status, r.error, r.rate_limit_remaining,
       (SELECT string_agg(c.collection || '=' || c.status, ',' ORDER BY c.collection) FROM coverage c WHERE c.run_id = r.run_id) AS coverage,
       (SELECT string_agg(c.collection || ': ' || coalesce(c.detail, ''), ' | ' ORDER BY c.collection) FROM coverage c
          WHERE c.run_id = r.run_id AND c.status NOT IN ('complete', 'not_applicable')) AS gaps,
       ${
      Object.entries(VIEW_OF)
        .map(([collection, view]) => `(SELECT count(*) FROM ${view} x WHERE x.run_id = r.run_id) AS "n_${collection}"`)
        .join(",\n       ")
    },
       (SELECT string_agg(m.id, ',' ORDER BY m.id) FROM members m WHERE m.run_id = r.run_id) AS member_ids,
       (SELECT count(*) FROM events e WHERE e.run_id = r.run_id) AS events,
       (SELECT string_agg(c.change_type || ' ' || coalesce(c.entity_id, c.entity_name, ''), ', ' ORDER BY c.change_type, c.entity_id)
          FROM changes c WHERE c.run_id = r.run_id) AS changes
     FROM runs r ORDER BY r.run_id`
  )
  return rows.map((r) => ({
    run_id: Number(r["run_id"]),
    status: String(r["status"]),
    error: (r["error"] as string | null) ?? null,
    coverage: (r["coverage"] as string | null) ?? null,
    gaps: (r["gaps"] as string | null) ?? null,
    counts: Object.fromEntries(Object.keys(VIEW_OF).map((c) => [c, Number(r[`n_${c}`])])),
    member_ids: (r["member_ids"] as string | null) ?? null,
    events: Number(r["events"]),
    changes: (r["changes"] as string | null) ?? null,
    rate_limit_remaining: r["rate_limit_remaining"] === null ? null : Number(r["rate_limit_remaining"])
  }))
}

const coverageOf = (run: RunRow, collection: string): string | undefined =>
  (run.coverage ?? "")
    .split(",")
    .map((p) => p.split("="))
    .find(([c]) => c === collection)?.[1]

// ---------------------------------------------------------------------------------------------------------------
// Fault building blocks (raw answers through the server's RawFault hook).

const PROXY_PAGE = (status: number, text: string): string =>
  `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n<center><h1>${status} ${text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`

const LOGIN_PAGE =
  "<!DOCTYPE html><html><head><title>Sign in</title></head><body><form action=\"/login\"><input name=\"user\"></form></body></html>"

const page = (ctx: RawFaultContext): ReadonlyArray<Obj> =>
  Array.isArray(ctx.payload?.["data"]) ? (ctx.payload!["data"] as ReadonlyArray<Obj>) : []
const isMembersList = (ctx: RawFaultContext) =>
  ctx.method === "GET" && ctx.route === "/memberships" && ctx.status === 200
/** The members page that starts with member n (pages start at members 1, 4 and 7). */
const membersPageStarting = (n: number) => (ctx: RawFaultContext) => isMembersList(ctx) && page(ctx)[0]?.["id"] === M(n)

const send = (ctx: RawFaultContext, status: number, headers: Record<string, string>, body: string): number => {
  ctx.res.writeHead(status, headers)
  ctx.res.end(body)
  return status
}
const sendJson = (ctx: RawFaultContext, payload: unknown, headers: Record<string, string> = {}): number =>
  send(ctx, ctx.status, { ...ctx.headers, ...headers }, JSON.stringify(payload))

const always = Number.POSITIVE_INFINITY

// ---------------------------------------------------------------------------------------------------------------
// The cases.

type Outcome =
  /** exit 0, a complete run identical to the baseline */
  | { readonly kind: "complete" }
  /** exit 0 with the collection a `failed` (or `gapStatus`) coverage gap (no rows for it), or exit 3 with a failed run */
  | {
    readonly kind: "gap-or-failed"
    readonly collection: string
    readonly mentions?: RegExp
    readonly gapStatus?: RegExp
  }
  /** exit 0: complete, or the collection a coverage gap */
  | { readonly kind: "complete-or-gap"; readonly collection: string; readonly mentions?: RegExp }
  /** exit 3: a failed run, nothing else stored */
  | { readonly kind: "failed"; readonly mentions: ReadonlyArray<RegExp> }
  /** any of the three, as long as it is consistent (redirects: following them or refusing them are both fine) */
  | { readonly kind: "any"; readonly collection: string; readonly mentions?: RegExp }

interface Case {
  readonly name: string
  readonly inject: (server: IndependentPtolemy, env: CaseEnv) => void | Promise<void>
  readonly args?: ReadonlyArray<string>
  readonly token?: string
  readonly outcome: Outcome
  /** slow by nature (timeouts, backoff, Retry-After): started first, so that its waiting overlaps the others */
  readonly early?: boolean
  /** generous: the CLI is killed after this and the case fails as "did not end" */
  readonly timeoutMs?: number
  readonly extra?: (o: CaseResult) => void
}

interface CaseEnv {
  /** an extra server on another origin (another port), recording the Authorization header of what reaches it */
  readonly otherOrigin: () => Promise<
    { readonly url: string; readonly authorizations: ReadonlyArray<string | undefined> }
  >
}

interface CaseResult {
  readonly name: string
  readonly cli: CliResult
  readonly elapsedMs: number
  readonly requests: ReadonlyArray<RecordedRequest>
  readonly earlier: ReadonlyArray<string>
  readonly runs: ReadonlyArray<RunRow>
  readonly other: Array<{ readonly url: string; readonly authorizations: ReadonlyArray<string | undefined> }>
  /** files the run wrote (database, reports) that contain a token */
  readonly leakedInto: ReadonlyArray<string>
  /** faults the case injected that never answered a request: the case would prove nothing */
  readonly unfired: ReadonlyArray<string>
}

const TIMEOUT_ARGS = ["--request-timeout", "1"]
/** A failure message names the endpoint. */
const ENDPOINT = new RegExp(`/workspaces/${WS_SLUG}(/plan|/memberships|/invitations|/webhooks|/events)?\\b`)
/** Generous: a normal run of this small workspace takes a few seconds, several times that on a loaded machine. */
const DEFAULT_TIMEOUT_MS = 100_000

/** The request with this URL that came after request `index`: was a faulty answer asked for again? */
const retriedAfter = (requests: ReadonlyArray<RecordedRequest>, index: number): RecordedRequest | undefined =>
  requests.slice(index + 1).find((q) => q.url === requests[index]!.url && q.status === 200)

const cases: ReadonlyArray<Case> = [
  // ---- transport: the body
  {
    name: "headers sent, then the body stalls forever (members page 2): the timeout covers the body, retried",
    early: true,
    args: TIMEOUT_ARGS,
    timeoutMs: 75_000,
    inject: (server) =>
      server.addRawFault({
        name: "stall",
        times: 1,
        match: membersPageStarting(4),
        respond: (ctx) => {
          const body = JSON.stringify(ctx.payload)
          ctx.res.writeHead(200, { ...ctx.headers, "content-length": String(Buffer.byteLength(body)) })
          ctx.res.write(body.slice(0, 20))
          return 200 // and never the rest
        }
      }),
    outcome: { kind: "complete" },
    extra: (o) => {
      const stalled = o.requests.findIndex((q) => q.route === "/memberships" && q.url.includes("after="))
      expect(retriedAfter(o.requests, stalled), "the stalled page was asked for again").toBeDefined()
    }
  },
  {
    name: "a body trickled one byte per 200 ms, never finishing (plan): the timeout covers the whole answer",
    early: true,
    args: TIMEOUT_ARGS,
    timeoutMs: 75_000,
    inject: (server) =>
      server.addRawFault({
        name: "trickle",
        times: 1,
        match: (ctx) => ctx.method === "GET" && ctx.route === "/plan",
        respond: (ctx) => {
          ctx.res.writeHead(200, ctx.headers) // chunked
          ctx.res.write("{")
          const timer = setInterval(() => ctx.res.write(" "), 200)
          ctx.res.on("close", () => clearInterval(timer))
          return 200
        }
      }),
    outcome: { kind: "complete" }
  },
  {
    name:
      "Content-Length larger than the body, then the socket closed (invitations), and a 502 proxy page (webhooks), twice each: retried",
    inject: (server) => {
      server.addRawFault({
        name: "truncated",
        times: 2,
        match: (ctx) => ctx.method === "GET" && ctx.route === "/invitations",
        respond: (ctx) => {
          const body = JSON.stringify(ctx.payload)
          ctx.res.writeHead(200, { ...ctx.headers, "content-length": String(Buffer.byteLength(body) + 512) })
          ctx.res.write(body.slice(0, Math.floor(body.length / 2)))
          setTimeout(() => ctx.res.socket?.destroy(), 30)
          return 0
        }
      })
      server.addRawFault({
        name: "502 html",
        times: 2,
        match: (ctx) => ctx.method === "GET" && ctx.route === "/webhooks",
        respond: (ctx) => send(ctx, 502, { "content-type": "text/html" }, PROXY_PAGE(502, "Bad Gateway"))
      })
    },
    outcome: { kind: "complete" }
  },
  // ---- proxy pages and odd 200s
  {
    name: "a 502 proxy page (HTML) on every answer of one collection (webhooks): a gap or a failure naming 502",
    early: true,
    inject: (server) =>
      server.addRawFault({
        name: "502 html always",
        times: always,
        match: (ctx) => ctx.route === "/webhooks" || ctx.route.startsWith("/webhooks/"),
        respond: (ctx) => send(ctx, 502, { "content-type": "text/html" }, PROXY_PAGE(502, "Bad Gateway"))
      }),
    outcome: { kind: "gap-or-failed", collection: "webhooks", mentions: /502/ }
  },
  {
    name: "a 504 proxy page (HTML) on every request (the gateway is down): exit 3 naming the endpoint and 504",
    early: true,
    inject: (server) =>
      server.addRawFault({
        name: "504 html always",
        times: always,
        match: () => true,
        respond: (ctx) => send(ctx, 504, { "content-type": "text/html" }, PROXY_PAGE(504, "Gateway Time-out"))
      }),
    outcome: { kind: "failed", mentions: [/504/, ENDPOINT] }
  },
  {
    name: "a 200 with an empty body (plan) and a 200 with an HTML page (webhooks), once each: retried",
    inject: (server) => {
      server.addRawFault({
        name: "empty 200",
        times: 1,
        match: (ctx) => ctx.method === "GET" && ctx.route === "/plan",
        respond: (ctx) => send(ctx, 200, { ...ctx.headers, "content-length": "0" }, "")
      })
      server.addRawFault({
        name: "html 200",
        times: 1,
        match: (ctx) => ctx.method === "GET" && ctx.route === "/webhooks",
        respond: (ctx) => send(ctx, 200, { ...ctx.headers, "content-type": "text/html; charset=utf-8" }, LOGIN_PAGE)
      })
    },
    outcome: { kind: "complete" }
  },
  {
    name: "a 200 with `null` (members page 1), once: retried, or a members gap, never an empty member list",
    inject: (server) =>
      server.addRawFault({
        name: "null 200",
        times: 1,
        match: membersPageStarting(1),
        respond: (ctx) => send(ctx, 200, ctx.headers, "null")
      }),
    outcome: { kind: "complete-or-gap", collection: "members" }
  },
  // ---- redirects
  {
    name: "a 301 redirect of /plan to another path on the same server: followed, or a clear error; never wrong data",
    inject: (server) =>
      server.addRawFault({
        name: "301",
        times: always,
        match: (ctx) => ctx.method === "GET" && ctx.route === "/plan" && !ctx.query.has("moved"),
        respond: (ctx) =>
          send(
            ctx,
            301,
            { location: `/v1/workspaces/${WS_SLUG}/plan?moved=1`, "content-type": "text/html" },
            PROXY_PAGE(301, "Moved Permanently")
          )
      }),
    outcome: { kind: "any", collection: "plan_usage", mentions: /301/ }
  },
  {
    name: "a 307 redirect of /plan to another origin: the token is never sent there",
    inject: async (server, env) => {
      const other = await env.otherOrigin()
      server.addRawFault({
        name: "307 cross-origin",
        times: always,
        match: (ctx) => ctx.method === "GET" && ctx.route === "/plan",
        respond: (ctx) =>
          send(ctx, 307, { location: `${other.url}/v1/workspaces/${WS_SLUG}/plan`, "content-length": "0" }, "")
      })
    },
    outcome: { kind: "any", collection: "plan_usage", mentions: /307/ },
    extra: (o) => {
      const leaked = o.other.flatMap((s) => s.authorizations).filter((a) =>
        a !== undefined && a.includes(TOKEN.slice(9))
      )
      expect(leaked.length, "requests that carried the token to another origin").toBe(0)
    }
  },
  // ---- throttling and Retry-After
  {
    name:
      "429 with Retry-After as an HTTP-date (invitations) and 503 with Retry-After: 1 (webhooks), once each: waited for, retried",
    early: true,
    inject: (server) => {
      server.addRawFault({
        name: "429 http-date",
        times: 1,
        match: (ctx) => ctx.method === "GET" && ctx.route === "/invitations",
        respond: (ctx) =>
          send(
            ctx,
            429,
            { ...ctx.headers, "retry-after": new Date(Date.now() + 3000).toUTCString() },
            JSON.stringify({ error: { code: "rate_limited", message: "slow down" } })
          )
      })
      server.addRawFault({
        name: "503 retry-after",
        times: 1,
        match: (ctx) => ctx.method === "GET" && ctx.route === "/webhooks",
        respond: (ctx) =>
          send(
            ctx,
            503,
            { ...ctx.headers, "retry-after": "1" },
            JSON.stringify({ error: { code: "service_unavailable", message: "maintenance" } })
          )
      })
    },
    outcome: { kind: "complete" },
    extra: (o) => {
      const throttled = o.requests.findIndex((q) => q.status === 429)
      const retry = retriedAfter(o.requests, throttled)
      expect(retry, "the throttled request was retried").toBeDefined()
      expect(retry!.at - o.requests[throttled]!.at, "waited until the HTTP-date (2-3 s ahead)").toBeGreaterThanOrEqual(
        1500
      )
      const failed = o.requests.findIndex((q) => q.status === 503)
      const again = retriedAfter(o.requests, failed)
      expect(again, "the 503 was retried").toBeDefined()
      expect(again!.at - o.requests[failed]!.at, "waited for Retry-After: 1").toBeGreaterThanOrEqual(900)
    }
  },
  {
    name:
      "429 without Retry-After (members page 2), 500 on members page 3, 503 with Retry-After: soon (plan), transient: retried",
    inject: (server) => {
      server.addRawFault({
        name: "429 no retry-after",
        times: 2,
        match: membersPageStarting(4),
        respond: (ctx) =>
          send(ctx, 429, ctx.headers, JSON.stringify({ error: { code: "rate_limited", message: "slow down" } }))
      })
      server.addRawFault({
        name: "500 page 3",
        times: 1,
        match: membersPageStarting(7),
        respond: (ctx) => send(ctx, 500, ctx.headers, JSON.stringify({ error: { code: "internal", message: "boom" } }))
      })
      server.addRawFault({
        name: "retry-after garbage",
        times: 2,
        match: (ctx) => ctx.method === "GET" && ctx.route === "/plan",
        respond: (ctx) =>
          send(
            ctx,
            503,
            { ...ctx.headers, "retry-after": "soon" },
            JSON.stringify({ error: { code: "service_unavailable", message: "maintenance" } })
          )
      })
    },
    outcome: { kind: "complete" },
    extra: (o) => expect(o.requests.filter((q) => q.status === 500).length, "the 500 on page 3 happened").toBe(1)
  },
  {
    name: "429 rate_limited with Retry-After: 3600 on every answer of plan: the run does not sleep for an hour",
    early: true,
    timeoutMs: 75_000,
    inject: (server) =>
      server.addRawFault({
        name: "retry-after huge",
        times: always,
        match: (ctx) => ctx.method === "GET" && ctx.route === "/plan",
        respond: (ctx) =>
          send(
            ctx,
            429,
            { ...ctx.headers, "retry-after": "3600" },
            JSON.stringify({ error: { code: "rate_limited", message: "slow down" } })
          )
      }),
    outcome: { kind: "gap-or-failed", collection: "plan_usage", mentions: /429/ }
  },
  {
    name: "X-RateLimit-Remaining: 0 on every 200 (and not a number on the workspace): the run still completes",
    inject: (server) =>
      server.addRawFault({
        name: "remaining 0",
        times: always,
        match: (ctx) => ctx.status === 200,
        respond: (ctx) => sendJson(ctx, ctx.payload, { "x-ratelimit-remaining": ctx.route === "" ? "unlimited" : "0" })
      }),
    outcome: { kind: "complete" },
    extra: (o) => expect(o.runs[1]?.rate_limit_remaining).toBe(0)
  },
  // ---- pagination
  {
    name: "a 500 on page 3 of members, every time: members a gap (no partial list) or the run fails; no removals",
    early: true,
    inject: (server) =>
      server.addRawFault({
        name: "500 page 3 always",
        times: always,
        match: membersPageStarting(7),
        respond: (ctx) => send(ctx, 500, ctx.headers, JSON.stringify({ error: { code: "internal", message: "boom" } }))
      }),
    outcome: { kind: "gap-or-failed", collection: "members", mentions: /500/ }
  },
  {
    name: "403 on page 2 of members (after page 1 was read): members a gap with no partial rows, no removals",
    inject: (server) =>
      server.addRawFault({
        name: "403 page 2",
        times: always,
        match: membersPageStarting(4),
        respond: (ctx) =>
          send(
            ctx,
            403,
            ctx.headers,
            JSON.stringify({ error: { code: "forbidden", message: "this endpoint requires the Admin role" } })
          )
      }),
    outcome: { kind: "gap-or-failed", collection: "members", gapStatus: /^(failed|forbidden)$/, mentions: /403|admin/i }
  },
  {
    name: "members page 1 says has_more but has no next_cursor: never a 3-member list taken as complete",
    inject: (server) =>
      server.addRawFault({
        name: "has_more without cursor",
        times: always,
        match: membersPageStarting(1),
        respond: (ctx) => {
          const { next_cursor: _dropped, ...meta } = (ctx.payload!["meta"] ?? {}) as Obj
          return sendJson(ctx, { ...ctx.payload, meta: { ...meta, has_more: true } })
        }
      }),
    outcome: { kind: "gap-or-failed", collection: "members" }
  },
  {
    name: "members page 3 hands back page 2's cursor (a cursor loop): the run ends, members a gap or a failure",
    timeoutMs: 75_000,
    inject: (server) => {
      let firstCursor: string | undefined
      server.addRawFault({
        name: "cursor loop",
        times: always,
        match: (ctx) => {
          if (membersPageStarting(1)(ctx)) firstCursor = String((ctx.payload!["meta"] as Obj)["next_cursor"])
          return membersPageStarting(7)(ctx) && firstCursor !== undefined
        },
        respond: (ctx) =>
          sendJson(ctx, {
            ...ctx.payload,
            meta: { ...(ctx.payload!["meta"] as Obj), has_more: true, next_cursor: firstCursor! }
          })
      })
    },
    outcome: { kind: "gap-or-failed", collection: "members" },
    extra: (o) => {
      const membersCalls = o.requests.filter((q) => q.route === "/memberships").length
      expect(membersCalls, "members pages asked for (a loop must be noticed, not followed)").toBeLessThan(50)
    }
  },
  {
    name: "endless pagination: members page 3 on, every page empty with has_more and a fresh cursor: the run ends",
    early: true,
    timeoutMs: 75_000,
    inject: (server) => {
      let n = 0
      server.addRawFault({
        name: "endless",
        times: always,
        match: (ctx) =>
          ctx.method === "GET" && ctx.route === "/memberships" &&
          (membersPageStarting(7)(ctx) || (ctx.query.get("after") ?? "").startsWith("endless-")),
        respond: (ctx) => {
          n += 1
          const body = JSON.stringify({
            object: "list",
            data: [],
            meta: { has_more: true, next_cursor: `endless-${n}` }
          })
          // a little latency, as a real API has (and so that a client that never stops does not hog this machine)
          setTimeout(() => send(ctx, 200, ctx.headers, body), 25)
          return 200
        }
      })
    },
    outcome: { kind: "gap-or-failed", collection: "members" }
  },
  {
    name:
      "the same member on pages 1 and 2 of members, the same robot on pages 1 and 2 of robots: each stored once, no phantom change",
    inject: (server) => {
      const duplicateAcrossPages = (route: string, first: string, second: string) => {
        let lastOfPage1: Obj | undefined
        const on = (ctx: RawFaultContext, id: string) =>
          ctx.method === "GET" && ctx.route === route && ctx.status === 200 && page(ctx)[0]?.["id"] === id
        server.addRawFault({
          name: `duplicate on ${route}`,
          times: always,
          match: (ctx) => {
            if (on(ctx, first)) lastOfPage1 = page(ctx).at(-1)
            return on(ctx, second) && lastOfPage1 !== undefined
          },
          respond: (ctx) => sendJson(ctx, { ...ctx.payload, data: [lastOfPage1!, ...page(ctx)] })
        })
      }
      duplicateAcrossPages("/memberships", M(1), M(4))
      duplicateAcrossPages("/memberships/robots", R(1), R(4))
    },
    outcome: { kind: "complete" },
    extra: (o) => {
      const pages2 = o.requests.filter((q) => q.url.includes("after=") && /^\/memberships(\/robots)?$/.test(q.route))
      expect(pages2.length, "both second pages (with the duplicate) were read").toBeGreaterThanOrEqual(2)
    }
  },
  // ---- sub-resources that vanish (404) while their parent is still listed
  {
    name: "a robot's tokens answer 404 while the robot is still listed: a tokens gap, never a phantom token_revoked",
    inject: (server) =>
      server.addFault({
        name: "404 tokens",
        match: (q) => q.method === "GET" && q.route === `/memberships/robots/${R(3)}/tokens`,
        times: always,
        status: 404,
        code: "not_found"
      }),
    outcome: { kind: "gap-or-failed", collection: "robot_tokens", mentions: /404/ },
    extra: (o) => expect(`${o.cli.stdout}${o.cli.stderr}`).not.toMatch(/PTOLEMY_WORKSPACE/)
  },
  {
    name:
      "a webhook's subscriptions answer 404 while the webhook is still listed: a webhooks gap, never webhook_removed",
    inject: (server) =>
      server.addFault({
        name: "404 subscriptions",
        match: (q) => q.method === "GET" && q.route === `/webhooks/${W(1)}/subscriptions`,
        times: always,
        status: 404,
        code: "not_found"
      }),
    outcome: { kind: "gap-or-failed", collection: "webhooks", mentions: /404/ }
  },
  // ---- auth and connections
  {
    name: "401 on the very first request (a wrong token): exit 3 (or 2), a clear message, nothing but a failed run row",
    token: WRONG_TOKEN,
    inject: () => undefined,
    outcome: { kind: "failed", mentions: [/401/, ENDPOINT] }
  },
  {
    name: "the server closes every connection without answering: exit 3, and the run ends",
    early: true,
    timeoutMs: 110_000,
    inject: (server) =>
      server.addRawFault({
        name: "close",
        times: always,
        match: () => true,
        respond: (ctx) => {
          ctx.req.socket.destroy()
          return 0
        }
      }),
    outcome: { kind: "failed", mentions: [ENDPOINT] }
  }
]

const selected = cases.filter((c) => new RegExp(process.env["UNSEEN_ONLY"] ?? "").test(c.name))

// ---------------------------------------------------------------------------------------------------------------
// Running a case.

const explain = (o: CaseResult): string =>
  [
    `case: ${o.name}`,
    `exit ${o.cli.code}${o.cli.signal === null ? "" : ` (signal ${o.cli.signal})`} after ${o.elapsedMs} ms`,
    `runs: ${JSON.stringify(o.runs.slice(1))}`,
    `requests: ${o.requests.length} (${
      o.requests
        .slice(0, 40)
        .map((q) => `${q.status} ${q.method} ${q.url.replace(/^\/v1\/workspaces\/[^/?]+/, "")}`)
        .join("; ")
    })`,
    `--- stdout\n${o.cli.stdout.slice(0, 3000)}`,
    `--- stderr\n${o.cli.stderr.slice(0, 3000)}`
  ].join("\n")

let baselineDir: string
let baselineEarlier: ReadonlyArray<string>
const running = new Map<string, Promise<CaseResult>>()
const cleanup: Array<() => Promise<void>> = []

const startOtherOrigin = async (): Promise<
  { url: string; authorizations: Array<string | undefined>; close: () => Promise<void> }
> => {
  const authorizations: Array<string | undefined> = []
  const server: Server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = req.headers
    authorizations.push(headers.authorization)
    res.writeHead(200, { "content-type": "application/json", "x-ratelimit-remaining": "1000" })
    res.end(JSON.stringify(STATE.plan))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

const runCase = async (c: Case): Promise<CaseResult> => {
  const dir = mkdtempSync(join(tmpdir(), "ptolemy-unseen-"))
  for (const name of readdirSync(baselineDir).filter((n) => n.startsWith("audit.duckdb"))) {
    copyFileSync(join(baselineDir, name), join(dir, name))
  }
  const db = join(dir, "audit.duckdb")
  const server = await startIndependentPtolemy({
    token: TOKEN,
    workspaceId: WS_ID,
    workspaceSlug: WS_SLUG,
    initial: STATE
  })
  const others: Array<Awaited<ReturnType<typeof startOtherOrigin>>> = []
  try {
    server.setPhase("fault")
    await c.inject(server, {
      otherOrigin: async () => {
        const other = await startOtherOrigin()
        others.push(other)
        return other
      }
    })
    const started = Date.now()
    const cli = await runCli(["run", ...(c.args ?? [])], {
      cwd: dir,
      timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      env: {
        PTOLEMY_API_URL: server.baseUrl,
        PTOLEMY_API_TOKEN: c.token ?? TOKEN,
        PTOLEMY_WORKSPACE: WS_SLUG,
        PTOLEMY_AUDIT_DB: db,
        PTOLEMY_AUDIT_REPORTS: join(dir, "reports")
      }
    })
    const elapsedMs = Date.now() - started
    return {
      name: c.name,
      cli,
      elapsedMs,
      requests: [...server.requests],
      unfired: server.faultNames().filter((name) => !server.requests.some((q) => q.fault === name)),
      earlier: await earlierRows(db),
      runs: await readRuns(db),
      other: others.map((o) => ({ url: o.url, authorizations: [...o.authorizations] })),
      // Through SQL, unzipped XML and Parquet, not raw bytes: compression would hide a token from a byte search.
      leakedInto: (await findLeaks(
        readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) =>
          join(e.parentPath, e.name)
        ),
        SECRETS
      )).map((leak) => `${leak.file} (${leak.where})`)
    }
  } finally {
    await server.close()
    for (const o of others) await o.close()
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }))
  }
}

/** Runs the cases a few at a time (most of their time is spent waiting on timeouts and backoff); each test waits for its own. */
const startAll = (all: ReadonlyArray<Case>, width: number): void => {
  const queue = [...all.filter((c) => c.early === true), ...all.filter((c) => c.early !== true)]
  const settle = new Map<string, { resolve: (r: CaseResult) => void; reject: (e: unknown) => void }>()
  for (const c of all) {
    running.set(c.name, new Promise<CaseResult>((resolve, reject) => settle.set(c.name, { resolve, reject })))
  }
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      const { resolve, reject } = settle.get(c.name)!
      await runCase(c).then(resolve, reject)
    }
  }
  for (let i = 0; i < width; i++) void worker()
}

// ---------------------------------------------------------------------------------------------------------------
// Checking a case.

const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(native\)|\(<anonymous>\))$/m
const RAW_ERRORS = /\b(SyntaxError|TypeError|ReferenceError|RangeError|UnhandledPromiseRejection|FiberFailure)\b/

const check = (c: Case, o: CaseResult): void => {
  const why = explain(o)
  const output = `${o.cli.stdout}\n${o.cli.stderr}`

  // The fault it is about happened.
  expect(o.unfired, `faults that never fired\n${why}`).toEqual([])

  // It ended on its own, printed no stack trace, and never a token.
  expect(o.cli.signal, `the CLI did not end on its own\n${why}`).toBeNull()
  expect(o.elapsedMs, `the CLI did not end on its own: stopped at the test's limit\n${why}`).toBeLessThan(
    (c.timeoutMs ?? DEFAULT_TIMEOUT_MS) - 500
  )
  expect(STACK_FRAME.exec(output)?.[0] ?? null, `a stack trace was printed\n${why}`).toBeNull()
  expect(RAW_ERRORS.exec(output)?.[0] ?? null, `a raw JavaScript error was printed\n${why}`).toBeNull()
  for (const secret of SECRETS) expect(output.includes(secret), `a token was printed\n${why}`).toBe(false)
  expect(o.leakedInto, `files that contain a token\n${why}`).toEqual([])

  // The baseline run is exactly as it was.
  expect(o.earlier, `the baseline run changed\n${why}`).toEqual(baselineEarlier)
  expect(o.runs[0]?.status).toBe("complete")

  // Nothing changed upstream, so no change at all may be recorded (above all no member_removed).
  for (const run of o.runs) expect(run.changes, `phantom changes in run ${run.run_id}\n${why}`).toBeNull()

  const run = o.runs[1]
  const kind = o.cli.code === 3 ? "failed" : run?.status ?? "nothing"

  // Whatever happened must be consistent: the exit code with the stored run, and the run with its rows.
  if (o.cli.code === 2) {
    expect(o.runs.length, `exit 2 promises nothing was written\n${why}`).toBe(1)
  } else {
    expect(o.runs.length, `one run row per run\n${why}`).toBe(2)
  }
  if (run !== undefined) {
    if (run.status === "failed") {
      expect(o.cli.code, `a failed run exits 3\n${why}`).toBe(3)
      expect(run.error ?? "", `a failed run says why\n${why}`).not.toBe("")
      expect({ counts: run.counts, events: run.events }, `a failed run stores nothing\n${why}`).toEqual({
        counts: Object.fromEntries(Object.keys(BASELINE_COUNTS).map((k) => [k, 0])),
        events: 0
      })
    } else {
      expect(o.cli.code, `a stored run exits 0 (no --fail-on, no --require-complete)\n${why}`).toBe(0)
      expect(["complete", "incomplete"]).toContain(run.status)
      for (const [collection, n] of Object.entries(BASELINE_COUNTS)) {
        const status = coverageOf(run, collection)
        if (status === "complete") {
          expect(run.counts[collection], `${collection} is complete: all its rows\n${why}`).toBe(n)
        } else {
          expect(status, `${collection}: a gap is forbidden or failed\n${why}`).toMatch(/^(forbidden|failed)$/)
          expect(run.counts[collection], `${collection} is a gap: no partial rows\n${why}`).toBe(0)
          expect(run.status, `a run with a gap is incomplete\n${why}`).toBe("incomplete")
        }
      }
      if (coverageOf(run, "members") === "complete") {
        expect(run.member_ids, `the members, each once\n${why}`).toBe(MEMBER_IDS)
      }
    }
  }

  const outcome = c.outcome
  const failedMessage = (mentions: ReadonlyArray<RegExp>) => {
    for (const m of mentions) expect(`${output}\n${run?.error ?? ""}`, `the failure names ${m}\n${why}`).toMatch(m)
    for (const m of mentions) expect(output, `the message on screen names ${m}\n${why}`).toMatch(m)
  }
  switch (outcome.kind) {
    case "complete":
      expect({ code: o.cli.code, status: kind, gaps: run?.gaps ?? null }, why).toEqual({
        code: 0,
        status: "complete",
        gaps: null
      })
      break
    case "complete-or-gap":
      expect(o.cli.code, why).toBe(0)
      if (run?.status === "incomplete") {
        expect(run.gaps ?? "", why).toMatch(new RegExp(`^${outcome.collection}: `))
        if (outcome.mentions) expect(run.gaps ?? "", why).toMatch(outcome.mentions)
      }
      break
    case "gap-or-failed":
      expect(kind === "failed" || kind === "incomplete", `a gap or a failed run, not ${kind}\n${why}`).toBe(true)
      if (kind === "incomplete") {
        expect(coverageOf(run!, outcome.collection), why).toMatch(outcome.gapStatus ?? /^failed$/)
        if (outcome.mentions) expect(run!.gaps ?? "", why).toMatch(outcome.mentions)
      } else if (outcome.mentions) {
        failedMessage([outcome.mentions])
      }
      break
    case "failed":
      if (o.cli.code === 2) {
        // PRODUCT.md: bad configuration, nothing written (accepted for a token the API rejects outright)
        failedMessage(outcome.mentions)
      } else {
        expect({ code: o.cli.code, status: kind }, why).toEqual({ code: 3, status: "failed" })
        failedMessage(outcome.mentions)
      }
      break
    case "any":
      if (kind === "incomplete" && outcome.mentions) {
        expect(coverageOf(run!, outcome.collection), why).toBe("failed")
        expect(run!.gaps ?? "", why).toMatch(outcome.mentions)
      } else if (kind === "failed" && outcome.mentions) {
        failedMessage([outcome.mentions])
      }
      break
  }
  c.extra?.(o)
}

// ---------------------------------------------------------------------------------------------------------------

describe("faults the fault matrix does not inject, against the real CLI", () => {
  beforeAll(async () => {
    // One clean baseline run: every case starts from a copy of it.
    baselineDir = mkdtempSync(join(tmpdir(), "ptolemy-unseen-baseline-"))
    const server = await startIndependentPtolemy({
      token: TOKEN,
      workspaceId: WS_ID,
      workspaceSlug: WS_SLUG,
      initial: STATE
    })
    try {
      const baseline = await runCli(["run"], {
        cwd: baselineDir,
        timeoutMs: 60_000,
        env: {
          PTOLEMY_API_URL: server.baseUrl,
          PTOLEMY_API_TOKEN: TOKEN,
          PTOLEMY_WORKSPACE: WS_SLUG,
          PTOLEMY_AUDIT_DB: join(baselineDir, "audit.duckdb"),
          PTOLEMY_AUDIT_REPORTS: join(baselineDir, "reports")
        }
      })
      expect(baseline.code, `baseline run: ${baseline.stdout}\n${baseline.stderr}`).toBe(0)
    } finally {
      await server.close()
    }
    const runs = await readRuns(join(baselineDir, "audit.duckdb"))
    expect(runs.map((r) => [r.run_id, r.status, r.counts, r.member_ids])).toEqual([[
      1,
      "complete",
      BASELINE_COUNTS,
      MEMBER_IDS
    ]])
    baselineEarlier = await earlierRows(join(baselineDir, "audit.duckdb"))
    expect(baselineEarlier.length).toBeGreaterThan(20)
    // Four at a time: two cores, and each CLI process costs seconds of CPU to start; a loaded CI stays well inside the limits.
    startAll(selected, 4)
  }, 120_000)

  afterAll(async () => {
    await Promise.allSettled([...running.values()])
    for (const f of cleanup) await f()
    if (baselineDir !== undefined) rmSync(baselineDir, { recursive: true, force: true })
  }, 150_000)

  for (const c of selected) {
    it(c.name, { timeout: 150_000 }, async () => {
      const result = await running.get(c.name)!
      const run = result.runs[1]
      console.info(
        `${c.name}\n  -> exit ${result.cli.code} in ${result.elapsedMs} ms, ${result.requests.length} requests; run 2: ${
          run?.status ?? "none"
        }` +
          `${run?.gaps ? `; gaps: ${run.gaps}` : ""}${run?.error ? `; error: ${run.error}` : ""}` +
          `\n  stderr: ${result.cli.stderr.trim().split("\n").slice(-4).join(" / ").slice(0, 600)}`
      )
      check(c, result)
    })
  }
})
