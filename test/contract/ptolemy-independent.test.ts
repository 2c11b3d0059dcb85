/**
 * Contract test: the real CLI against an INDEPENDENT implementation of the Ptolemy API contract.
 *
 * The server (./ptolemy-independent-server.ts) was written from the shared API reference, reference/ptolemy-api.md alone, without
 * reading the project's client or simulator, so that shared wrong assumptions show up here. Two hand-written states
 * of one workspace are audited in turn; the expected changes and findings below were worked out by hand from the two
 * states and the rules in PRODUCT.md / docs/findings.md / docs/sql.md.
 */
import { randomBytes } from "node:crypto"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliResult, runCli } from "../support/Cli.js"
import { findLeaks } from "../support/SecretScan.js"
import { ago, ahead, DAY, HOUR, iso, NOW, uuid } from "./dates-and-ids.js"
import {
  type IndependentPtolemy,
  type Obj,
  type RecordedRequest,
  startIndependentPtolemy,
  type WorkspaceState
} from "./ptolemy-independent-server.js"

// ---------------------------------------------------------------------------------------------------------------
// Identifiers (UUIDs, DOC) with a readable kind prefix; dates relative to the test's start (./dates-and-ids.ts).

const WS_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
const WS_SLUG = "orion-research"

const M = (n: number) => uuid("a1a1", n) // membership ids
const U = (n: number) => uuid("b2b2", n) // user ids (robot ids are user ids)
const T = (n: number) => uuid("c3c3", n) // token ids
const I = (n: number) => uuid("d4d4", n) // invitation ids
const W = (n: number) => uuid("e5e5", n) // webhook ids
const S = (n: number) => uuid("f6f6", n) // subscription ids
const E = (n: number) => uuid("a7a7", n) // event ids

const R1 = U(101) // etl-bot
const R2 = U(102) // reporting-bot
const R3 = U(103) // legacy-bot

const ALICE = { id: U(1), type: "human", display_name: "Alice Admin" }
const DAVE = { id: U(4), type: "human", display_name: "Dave Dunn" }

// ---------------------------------------------------------------------------------------------------------------
// The two states. Mixed-case roles and statuses are deliberate (§13: matched case-insensitively); so are absent
// optional fields (robot `email`, robot `description`, token `name`, `revoked_at`, `last_used_at`, invitation
// `invited_by`, `accepted_at`, `revoked_at`).

const human = (n: number, role: string, name: string, email: string, created: string, updated = created): Obj => ({
  id: M(n),
  user_id: U(n),
  user_type: "human",
  role,
  display_name: name,
  email,
  created_at: created,
  updated_at: updated
})

const robotMembership = (
  n: number,
  user: string,
  role: string,
  name: string,
  created: string,
  emailField: "null" | "absent"
): Obj => ({
  id: M(n),
  user_id: user,
  user_type: "robot",
  role,
  display_name: name,
  ...(emailField === "null" ? { email: null } : {}),
  created_at: created,
  updated_at: created
})

const robots: ReadonlyArray<Obj> = [
  {
    id: R1,
    membership_id: M(6),
    display_name: "etl-bot",
    description: "nightly ETL loader",
    role: "Member",
    created_at: ago(380)
  },
  { id: R2, membership_id: M(7), display_name: "reporting-bot", role: "viewer", created_at: ago(100) },
  { id: R3, membership_id: M(8), display_name: "legacy-bot", description: null, role: "VIEWER", created_at: ago(200) }
]

const webhook = (n: number, url: string, label: string, active: boolean, created: string): Obj => ({
  id: W(n),
  url,
  label,
  active,
  created_at: created
})

const subscriptions: WorkspaceState["subscriptions"] = {
  [W(1)]: [
    { id: S(1), event_type: "membership.created" },
    { id: S(2), event_type: "membership.deleted" },
    { id: S(3), event_type: "robot_token.revoked" },
    { id: S(4), event_type: "invitation.accepted" }
  ],
  [W(2)]: [{ id: S(5), event_type: "*" }]
}

const plan = (seatsUsed: number, seatsLimit: number): Obj => ({
  plan: "growth",
  overage_enabled: false,
  billing_period: { start: ago(10), end: ahead(20) },
  usage: {
    seats: { used: seatsUsed, limit: seatsLimit },
    webhooks: { used: 2, limit: 5 },
    database_items: { used: 900, limit: 1000 },
    api_calls: { used: 12_000, limit: null }
  }
})

const event = (
  n: number,
  type: string,
  resourceType: string,
  resourceId: string,
  actor: Obj,
  at: string,
  data: Obj = {}
): Obj => ({
  id: E(n),
  event_type: type,
  resource_type: resourceType,
  resource_id: resourceId,
  actor,
  created_at: at,
  data
})

const eventsA: ReadonlyArray<Obj> = [
  event(1, "membership.created", "membership", M(4), ALICE, ago(150), { role: "member" }),
  event(2, "robot_token.created", "robot_token", T(2), ALICE, ago(5)),
  event(3, "invitation.created", "invitation", I(1), ALICE, ago(1), { email: "grace@orion.example" }),
  event(4, "invitation.created", "invitation", I(2), ALICE, ago(2), { email: "heidi@labs.orion.example" }),
  event(5, "instrument.created", "instrument", "99990000-0000-4000-8000-000000000001", {
    id: R1,
    type: "robot",
    display_name: "etl-bot"
  }, ago(3)),
  event(6, "robot_token.created", "robot_token", T(8), ALICE, ago(20))
]

const workspace: Obj = {
  id: WS_ID,
  name: "Orion Research",
  slug: WS_SLUG,
  created_at: ago(400),
  updated_at: ago(30),
  settings: { default_role: "viewer", sso: { enforced: false } }
}

const stateA: WorkspaceState = {
  workspace,
  memberships: [
    human(1, "admin", "Alice Admin", "alice@orion.example", ago(400)),
    human(2, "member", "Bob Brown", "bob@notorion.example", ago(300)), // not a subdomain of orion.example
    human(3, "viewer", "Carol Chen", "carol@orion.example", ago(200)),
    human(4, "Member", "Dave Dunn", "dave@orion.example", ago(150)),
    // a subdomain (allowed), in upper case (domain names are case-insensitive); fractional seconds are still ISO-8601 UTC
    human(5, "Editor", "Erin Eze", "Erin@EU.Orion.Example", ago(120).replace("Z", ".250Z")),
    robotMembership(6, R1, "member", "etl-bot", ago(380), "null"),
    robotMembership(7, R2, "Viewer", "reporting-bot", ago(100), "absent"),
    robotMembership(8, R3, "viewer", "legacy-bot", ago(200), "null")
  ],
  robots,
  tokens: {
    [R1]: [
      // lifetime 730 days (long_lived), 380 days old (old), used yesterday
      {
        id: T(1),
        name: "etl-2024",
        token_suffix: "a1f0",
        status: "ACTIVE",
        created_at: ago(380),
        expires_at: ahead(350),
        last_used_at: ago(1)
      },
      // rotation started 5 days ago (< 7: not yet unfinished)
      {
        id: T(2),
        name: "etl-2025",
        token_suffix: "9c2e",
        status: "active",
        created_at: ago(5),
        expires_at: ahead(85),
        last_used_at: ago(1)
      },
      {
        id: T(3),
        name: "etl-2023",
        token_suffix: "77b1",
        status: "Revoked",
        created_at: ago(500),
        expires_at: ago(135),
        last_used_at: ago(371),
        revoked_at: ago(370)
      }
    ],
    [R2]: [
      // never expires (no_expiry), unused for 60 days (unused), 100 days old (old)
      {
        id: T(4),
        name: "report-main",
        token_suffix: "0b5a",
        status: "active",
        created_at: ago(100),
        expires_at: null,
        last_used_at: ago(60)
      },
      // expires in 10 days (expiring); the payload has no last_used_at at all (judged by age: 30 days, not unused)
      {
        id: T(5),
        name: "report-ci",
        token_suffix: "5d33",
        status: "Active",
        created_at: ago(30),
        expires_at: ahead(10)
      },
      // never used and 20 days old (never_used)
      {
        id: T(8),
        token_suffix: "c0de",
        status: "active",
        created_at: ago(20).replace("Z", ".5Z"),
        expires_at: ahead(70).replace("Z", ".123456Z"),
        last_used_at: null,
        revoked_at: null
      }
    ],
    // only an expired token: idle
    [R3]: [{
      id: T(7),
      name: "legacy",
      token_suffix: "dead",
      status: "EXPIRED",
      created_at: ago(200),
      expires_at: ago(10),
      last_used_at: ago(15)
    }]
  },
  invitations: [
    {
      id: I(1),
      email: "grace@orion.example",
      role: "member",
      status: "pending",
      invited_by: M(1),
      created_at: ago(1),
      expires_at: ahead(6)
    },
    {
      id: I(2),
      email: "heidi@labs.orion.example",
      role: "viewer",
      status: "Pending",
      invited_by: M(1),
      created_at: ago(2),
      expires_at: ahead(5)
    },
    {
      id: I(3),
      email: "ivan@orion.example",
      role: "member",
      status: "expired",
      created_at: ago(30),
      expires_at: ago(23)
    },
    // expires in 12 hours (< 48 h: expiring)
    {
      id: I(5),
      email: "kim@orion.example",
      role: "viewer",
      status: "pending",
      invited_by: M(1),
      created_at: iso(NOW - 6 * DAY - 12 * HOUR),
      expires_at: iso(NOW + 12 * HOUR)
    }
  ],
  plan: plan(5, 10),
  webhooks: [
    webhook(1, "https://hooks.orion.example/ptolemy", "access-alerts", true, ago(90)),
    webhook(2, "https://audit.orion.example/hook", "archive", false, ago(60))
  ],
  subscriptions,
  events: eventsA
}

/** State B: what happened between the two runs, all stamped at `b0` (after run A started, before run B starts). */
const makeStateB = (b0: number): WorkspaceState => {
  const at = iso(b0)
  const A = stateA
  const tokens = A.tokens
  return {
    ...A,
    memberships: [
      human(1, "admin", "Alice Admin", "alice@orion.example", ago(400)),
      human(2, "MEMBER", "Bob Brown", "bob@notorion.example", ago(300)), // same role, other case: no change
      // Carol (3) removed
      human(4, "ADMIN", "Dave Dunn", "dave@orion.example", ago(150), at), // member -> admin
      human(5, "editor", "Erin Eze", "Erin@EU.Orion.Example", ago(120).replace("Z", ".250Z")),
      robotMembership(6, R1, "member", "etl-bot", ago(380), "null"),
      robotMembership(7, R2, "Viewer", "reporting-bot", ago(100), "absent"),
      robotMembership(8, R3, "viewer", "legacy-bot", ago(200), "null"),
      human(9, "member", "Grace Gold", "grace@orion.example", at), // accepted invitation 1
      human(10, "viewer", "Frank Fox", "frank@contractor.test", at) // invited and accepted between the runs; outside the domains
    ],
    tokens: {
      [R1]: [
        { ...tokens[R1]![0]!, status: "revoked", revoked_at: at }, // rotation finished
        { ...tokens[R1]![1]!, status: "Active", last_used_at: iso(b0 - 60_000) }, // last use moved: not a change
        tokens[R1]![2]!,
        // created between the runs, never expires
        { id: T(6), token_suffix: "e4d2", status: "active", created_at: at, expires_at: null, last_used_at: null }
      ],
      [R2]: tokens[R2]!,
      [R3]: tokens[R3]!
    },
    invitations: [
      { ...A.invitations[0]!, status: "accepted", accepted_at: at },
      { ...A.invitations[1]!, status: "REVOKED", revoked_at: at },
      A.invitations[2]!,
      { ...A.invitations[3]!, status: "PENDING" },
      // a pending invitation that grants admin, outside the allowed domains
      {
        id: I(4),
        email: "judy@partner.test",
        role: "Admin",
        status: "pending",
        invited_by: M(4),
        created_at: at,
        expires_at: iso(b0 + 7 * DAY)
      },
      // sent and accepted between the runs (seen for the first time already settled)
      {
        id: I(6),
        email: "frank@contractor.test",
        role: "viewer",
        status: "accepted",
        invited_by: M(1),
        created_at: at,
        expires_at: iso(b0 + 7 * DAY),
        accepted_at: at
      }
    ],
    plan: plan(6, 15), // seat limit 10 -> 15
    webhooks: [
      webhook(1, "http://hooks.orion.example/ptolemy-v2", "access-alerts", true, ago(90)), // now plain HTTP
      A.webhooks[1]!
    ],
    events: [
      ...eventsA,
      event(11, "membership.deleted", "membership", M(3), ALICE, at),
      event(12, "membership.updated", "membership", M(4), ALICE, at, { role: { from: "member", to: "admin" } }),
      event(13, "robot_token.revoked", "robot_token", T(1), ALICE, at),
      event(14, "robot_token.created", "robot_token", T(6), DAVE, at),
      event(15, "invitation.accepted", "invitation", I(1), { id: U(9), type: "human", display_name: "Grace Gold" }, at),
      event(16, "membership.created", "membership", M(9), { id: U(9), type: "human", display_name: "Grace Gold" }, at),
      event(17, "invitation.revoked", "invitation", I(2), ALICE, at),
      event(18, "invitation.created", "invitation", I(4), DAVE, at, { email: "judy@partner.test", role: "admin" }),
      event(19, "invitation.created", "invitation", I(6), ALICE, at, { email: "frank@contractor.test" }),
      event(20, "invitation.accepted", "invitation", I(6), { id: U(10), type: "human", display_name: "Frank Fox" }, at),
      event(21, "membership.created", "membership", M(10), { id: U(10), type: "human", display_name: "Frank Fox" }, at),
      event(22, "webhook.updated", "webhook", W(1), ALICE, at, { url: "http://hooks.orion.example/ptolemy-v2" })
    ]
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Expectations, by hand.

/** change_type + entity: every change run B must report, and nothing else. Plan changes are keyed by dimension. */
const EXPECTED_CHANGES_B = [
  `member_removed ${M(3)}`,
  `role_changed ${M(4)}`,
  `member_added ${M(9)}`,
  `member_added ${M(10)}`,
  `token_revoked ${T(1)}`,
  `token_created ${T(6)}`,
  `invitation_accepted ${I(1)}`,
  `invitation_revoked ${I(2)}`,
  `invitation_sent ${I(4)}`,
  `invitation_sent ${I(6)}`,
  `invitation_accepted ${I(6)}`,
  `limit_changed seats`,
  `webhook_changed ${W(1)}`
].sort()

/** Who made the change, from the event log. */
const EXPECTED_ACTORS_B: Record<string, string> = {
  [`member_removed ${M(3)}`]: "Alice Admin",
  [`role_changed ${M(4)}`]: "Alice Admin",
  [`token_revoked ${T(1)}`]: "Alice Admin",
  [`token_created ${T(6)}`]: "Dave Dunn",
  [`invitation_revoked ${I(2)}`]: "Alice Admin",
  [`invitation_sent ${I(4)}`]: "Dave Dunn"
}

/** The rules whose outcome is exactly determined by the states (quota.forecast depends on fits over wall-clock seconds). */
const CHECKED_RULES = new Set([
  "token.no_expiry",
  "token.unused",
  "token.never_used",
  "token.long_lived",
  "token.old",
  "token.expiring",
  "robot.rotation_unfinished",
  "robot.idle",
  "invitation.expiring",
  "invitation.expired",
  "invitation.privileged",
  "access.external_domain",
  "access.admin_count",
  "webhook.insecure_url",
  "quota.utilisation",
  "coverage.gap"
])

/** Whether a never-expiring token's lifetime "exceeds 366 days" is left open by the docs: not judged either way. */
const AMBIGUOUS_FINDINGS = new Set([`token.long_lived ${T(4)}`, `token.long_lived ${T(6)}`])

const EXPECTED_FINDINGS_A = [
  `token.long_lived ${T(1)}`,
  `token.old ${T(1)}`,
  `token.no_expiry ${T(4)}`,
  `token.unused ${T(4)}`,
  `token.old ${T(4)}`,
  `token.expiring ${T(5)}`,
  `token.never_used ${T(8)}`,
  `robot.rotation_unfinished ${R2}`, // T4, T5, T8 active; two of them for 30 days
  `robot.idle ${R3}`,
  `invitation.expiring ${I(5)}`,
  `invitation.expired ${I(3)}`,
  `access.external_domain ${M(2)}`,
  `quota.utilisation database_items`
].sort()

const EXPECTED_FINDINGS_B = [
  `token.no_expiry ${T(4)}`,
  `token.unused ${T(4)}`,
  `token.old ${T(4)}`,
  `token.no_expiry ${T(6)}`,
  `token.expiring ${T(5)}`,
  `token.never_used ${T(8)}`,
  `robot.rotation_unfinished ${R2}`,
  `robot.idle ${R3}`,
  `invitation.expiring ${I(5)}`,
  `invitation.expired ${I(3)}`,
  `invitation.privileged ${I(4)}`,
  `access.external_domain ${M(2)}`,
  `access.external_domain ${M(10)}`,
  `access.external_domain ${I(4)}`,
  `access.admin_count`, // Alice and Dave: 2 > max_admins 1
  `webhook.insecure_url ${W(1)}`,
  `quota.utilisation database_items`
].sort()

// ---------------------------------------------------------------------------------------------------------------
// Plumbing.

interface ChangeRow {
  run_id: number
  previous_run_id: number
  change_type: string
  entity_type: string
  entity_id: string
  entity_name: string | null
  old_value: string | null
  new_value: string | null
  actor_display_name: string | null
}

interface FindingRow {
  run_id: number
  rule_id: string
  severity: string
  entity_type: string | null
  entity_id: string | null
  entity_name: string | null
  collection: string | null
  first_seen_run_id: number
  is_new: boolean
}

const PLAN_CHANGES = new Set(["plan_changed", "limit_changed"])
const changeKey = (c: ChangeRow): string =>
  `${c.change_type} ${PLAN_CHANGES.has(c.change_type) ? c.entity_name : c.entity_id}`

const findingKey = (f: FindingRow): string =>
  f.rule_id === "access.admin_count"
    ? f.rule_id
    : f.rule_id.startsWith("quota.")
    ? `${f.rule_id} ${f.entity_name}`
    : f.rule_id === "coverage.gap"
    ? `${f.rule_id} ${f.collection}`
    : `${f.rule_id} ${f.entity_id}`

const checkedFindings = (rows: ReadonlyArray<FindingRow>, runId: number): Array<string> =>
  rows
    .filter((f) => f.run_id === runId && CHECKED_RULES.has(f.rule_id))
    .map(findingKey)
    .filter((k) => !AMBIGUOUS_FINDINGS.has(k))
    .sort()

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const listFiles = (dir: string): Array<string> =>
  existsSync(dir)
    ? readdirSync(dir).flatMap((name) => {
      const path = join(dir, name)
      return statSync(path).isDirectory() ? listFiles(path) : [path]
    })
    : []

const explain = (label: string, r: CliResult): string =>
  `${label}: exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`

// ---------------------------------------------------------------------------------------------------------------

describe("ptolemy-audit against an independent implementation of the Ptolemy API contract", () => {
  const TOKEN = `ptk_live_${randomBytes(32).toString("hex")}`
  let server: IndependentPtolemy
  let dir: string
  let configPath: string
  let env: Record<string, string>
  const outputs: Array<CliResult> = []
  const runIds: Record<"A" | "B" | "C", number> = { A: 0, B: 0, C: 0 }

  const cli = async (args: ReadonlyArray<string>, extraEnv: Record<string, string> = {}): Promise<CliResult> => {
    const result = await runCli(args, { env: { ...env, ...extraEnv }, cwd: dir, timeoutMs: 180_000 })
    outputs.push(result)
    return result
  }

  const sql = async <A>(query: string): Promise<Array<A>> => {
    const r = await cli(["sql", query, "--format", "json"])
    expect(r.code, explain(`sql ${query}`, r)).toBe(0)
    return JSON.parse(r.stdout) as Array<A>
  }

  const phaseRequests = (phase: string): Array<RecordedRequest> => server.requests.filter((q) => q.phase === phase)

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ptolemy-independent-"))
    server = await startIndependentPtolemy({
      token: TOKEN,
      workspaceId: WS_ID,
      workspaceSlug: WS_SLUG,
      initial: stateA
    })
    env = {
      PTOLEMY_API_TOKEN: TOKEN,
      PTOLEMY_WORKSPACE: WS_SLUG,
      PTOLEMY_API_URL: server.baseUrl,
      PTOLEMY_AUDIT_DB: join(dir, "audit.duckdb"),
      PTOLEMY_AUDIT_REPORTS: join(dir, "reports")
    }
    // Allowed domains and thresholds only exist in the config file (docs/config.md); the target names its own URL.
    configPath = join(dir, "audit.config.json")
    writeFileSync(
      configPath,
      JSON.stringify({
        targets: [{ source: "ptolemy", workspace: WS_SLUG, token_env: "PTOLEMY_API_TOKEN", api_url: server.baseUrl }],
        thresholds: { max_admins: 1 },
        allowed_email_domains: ["orion.example"]
      })
    )
  })

  afterAll(async () => {
    await server?.close()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it(
    "audits state A then state B: exactly the hand-computed changes and findings, reads only",
    { timeout: 400_000 },
    async () => {
      // ---- run A: a 503 on the first attempt of the second page of members (transient: must be retried)
      server.setPhase("A")
      server.addFault({
        name: "503 on members page 2",
        match: (q) => q.method === "GET" && q.route === "/memberships" && q.query.has("after"),
        times: 1,
        status: 503,
        code: "service_unavailable"
      })
      const started = Date.now()
      const runA = await cli(["run", "--config", configPath])
      expect(runA.code, explain("run A", runA)).toBe(0)

      // ---- state B, stamped strictly between the runs (whole seconds, so wait for the next second to pass)
      const b0 = Math.ceil(Date.now() / 1000) * 1000
      await sleep(b0 + 1100 - Date.now())
      server.setState(makeStateB(b0))
      server.setPhase("B")
      // burst throttle on the first invitations page: 429 rate_limited with Retry-After (safe to retry, after 1 s)
      server.addFault({
        name: "429 on invitations",
        match: (q) => q.method === "GET" && q.route === "/invitations",
        times: 1,
        status: 429,
        code: "rate_limited",
        headers: { "retry-after": "1" }
      })
      // a 503 on the first attempt of etl-bot's second token page
      server.addFault({
        name: "503 on tokens page 2",
        match: (q) => q.method === "GET" && q.route === `/memberships/robots/${R1}/tokens` && q.query.has("after"),
        times: 1,
        status: 503,
        code: "service_unavailable"
      })
      // an expired members cursor: the client restarts the collection from its first page, once (§13)
      server.expireNextCursor("/memberships")
      const runB = await cli(["run", "--config", configPath])
      expect(runB.code, explain("run B", runB)).toBe(0)
      const elapsed = Date.now() - started

      // ---- the runs
      const runs = await sql<
        { run_id: number; status: string; workspace_id: string; api_calls: number; rate_limit_remaining: number }
      >(
        "SELECT run_id, status, workspace_id, api_calls, rate_limit_remaining FROM runs ORDER BY run_id"
      )
      expect(runs.map((r) => r.status)).toEqual(["complete", "complete"])
      expect(runs.map((r) => r.workspace_id)).toEqual([WS_ID, WS_ID])
      runIds.A = Number(runs[0]!.run_id)
      runIds.B = Number(runs[1]!.run_id)
      // Every request counts as one API call, errors and retries included (reference §9, DOC).
      expect(Number(runs[0]!.api_calls)).toBe(phaseRequests("A").length)
      expect(Number(runs[1]!.api_calls)).toBe(phaseRequests("B").length)
      // What is left is the lowest count the run was told, whichever answer arrived last.
      expect(Number(runs[1]!.rate_limit_remaining)).toBe(
        Math.min(...phaseRequests("B").map((q) => q.rateLimitRemaining))
      )

      // ---- the faults were met and survived as the contract says
      const reqB = phaseRequests("B")
      const throttled = reqB.findIndex((q) => q.status === 429)
      expect(throttled).toBeGreaterThanOrEqual(0)
      const retried = reqB.slice(throttled + 1).find((q) => q.url === reqB[throttled]!.url)
      expect(retried?.status).toBe(200)
      expect(retried!.at - reqB[throttled]!.at).toBeGreaterThanOrEqual(900) // waited for Retry-After: 1
      for (const phase of ["A", "B"]) {
        const reqs = phaseRequests(phase)
        const failed = reqs.findIndex((q) => q.status === 503)
        expect(failed, `a 503 in run ${phase}`).toBeGreaterThanOrEqual(0)
        expect(reqs.slice(failed + 1).find((q) => q.url === reqs[failed]!.url)?.status).toBe(200)
      }
      const expired = reqB.findIndex((q) => q.status === 400)
      expect(reqB[expired]?.route).toBe("/memberships")
      expect(reqB.slice(expired + 1).some((q) => q.route === "/memberships" && !q.url.includes("after="))).toBe(true)
      // every page of a collection was asked for: several members pages per run (server pages hold at most 3)
      expect(phaseRequests("A").filter((q) => q.route === "/memberships" && q.status === 200).length)
        .toBeGreaterThanOrEqual(3)

      // ---- changes of run B: exactly the modelled set, nothing phantom
      const changes = await sql<ChangeRow>(
        `SELECT run_id, previous_run_id, change_type, entity_type, entity_id, entity_name, old_value, new_value, actor_display_name
       FROM changes ORDER BY run_id, change_type, entity_id`
      )
      expect(changes.filter((c) => Number(c.run_id) === runIds.A), "the first run is a baseline").toEqual([])
      const changesB = changes.filter((c) => Number(c.run_id) === runIds.B)
      expect(changesB.map(changeKey).sort()).toEqual(EXPECTED_CHANGES_B)
      for (const c of changesB) expect(Number(c.previous_run_id)).toBe(runIds.A)
      const byKey = new Map(changesB.map((c) => [changeKey(c), c]))
      const role = byKey.get(`role_changed ${M(4)}`)
      expect([role?.old_value, role?.new_value]).toEqual(["member", "admin"])
      const limit = byKey.get("limit_changed seats")
      expect([String(limit?.old_value), String(limit?.new_value)]).toEqual(["10", "15"])
      const hook = byKey.get(`webhook_changed ${W(1)}`)
      expect(hook?.old_value).toContain("https://hooks.orion.example/ptolemy")
      expect(hook?.new_value).toContain("http://hooks.orion.example/ptolemy-v2")
      const actors = Object.fromEntries(
        Object.keys(EXPECTED_ACTORS_B).map((k) => [k, byKey.get(k)?.actor_display_name ?? null])
      )
      expect(actors).toEqual(EXPECTED_ACTORS_B)

      // ---- findings of both runs, for the rules whose outcome the states pin down
      const findings = await sql<FindingRow>(
        `SELECT run_id, rule_id, severity, entity_type, entity_id, entity_name, collection, first_seen_run_id, is_new
       FROM findings WHERE NOT suppressed ORDER BY run_id, rule_id, entity_id`
      )
      expect(checkedFindings(findings, runIds.A)).toEqual(EXPECTED_FINDINGS_A)
      expect(checkedFindings(findings, runIds.B)).toEqual(EXPECTED_FINDINGS_B)
      const fB = new Map(findings.filter((f) => Number(f.run_id) === runIds.B).map((f) => [findingKey(f), f]))
      expect(fB.get(`token.no_expiry ${T(4)}`)?.severity).toBe("high")
      expect(Number(fB.get(`token.no_expiry ${T(4)}`)?.first_seen_run_id)).toBe(runIds.A) // carried first-seen
      expect(fB.get(`token.no_expiry ${T(4)}`)?.is_new).toBe(false)
      expect(fB.get(`token.no_expiry ${T(6)}`)?.is_new).toBe(true)
      expect(fB.get(`webhook.insecure_url ${W(1)}`)?.severity).toBe("high")
      expect(fB.get(`invitation.privileged ${I(4)}`)?.severity).toBe("medium")

      // ---- entity views: case-insensitive roles/statuses normalised, absent fields understood, no duplicates
      const members = await sql<{ id: string; role: string; user_type: string; email: string | null }>(
        `SELECT id, role, user_type, email FROM members WHERE run_id = ${runIds.B} ORDER BY id`
      )
      expect(members.map((m) => m.id)).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10].map(M))
      expect(Object.fromEntries(members.map((m) => [m.id, m.role]))).toEqual({
        [M(1)]: "admin",
        [M(2)]: "member",
        [M(4)]: "admin",
        [M(5)]: "editor",
        [M(6)]: "member",
        [M(7)]: "viewer",
        [M(8)]: "viewer",
        [M(9)]: "member",
        [M(10)]: "viewer"
      })
      expect(members.filter((m) => m.user_type === "robot").map((m) => m.email)).toEqual([null, null, null])
      const tokens = await sql<
        { id: string; robot_id: string; status: string; expires_at: string | null; last_used_reported: boolean }
      >(
        `SELECT id, robot_id, status, expires_at, last_used_reported FROM robot_tokens WHERE run_id = ${runIds.B} ORDER BY id`
      )
      expect(tokens.map((t) => [t.id, t.robot_id, t.status])).toEqual([
        [T(1), R1, "revoked"],
        [T(2), R1, "active"],
        [T(3), R1, "revoked"],
        [T(4), R2, "active"],
        [T(5), R2, "active"],
        [T(6), R1, "active"],
        [T(7), R3, "expired"],
        [T(8), R2, "active"]
      ])
      expect(tokens.filter((t) => !t.last_used_reported).map((t) => t.id)).toEqual([T(5)])
      const events = await sql<{ id: string; n: number; run_id: number }>(
        "SELECT id, count(*) AS n, min(run_id) AS run_id FROM events GROUP BY id ORDER BY id"
      )
      const accessEvents = makeStateB(b0).events.filter((e) =>
        /^(membership|invitation|robot_token)\./.test(String(e["event_type"]))
      )
      const stored = new Map(events.map((e) => [e.id, e]))
      for (const e of accessEvents) {
        const row = stored.get(String(e["id"]))
        expect(row, `event ${String(e["id"])} ${String(e["event_type"])} stored`).toBeDefined()
        expect(Number(row!.n)).toBe(1)
      }

      // ---- reads only, always authenticated
      assertReadOnly(server.requests)

      // ---- reports written
      const reportFiles = listFiles(join(dir, "reports")).map((p) => p.slice(join(dir, "reports").length))
      for (const name of ["audit.md", "audit.xlsx", "findings.json"]) {
        expect(reportFiles.some((p) => p.endsWith(`/${name}`)), `${name} in ${reportFiles.join(", ")}`).toBe(true)
      }
      console.info(`runs A and B: ${elapsed} ms, ${phaseRequests("A").length} + ${phaseRequests("B").length} requests`)
    }
  )

  it(
    "a 403 on robots makes an incomplete run with a coverage gap, never robot removals",
    { timeout: 300_000 },
    async () => {
      expect(runIds.B, "runs A and B were stored").toBeGreaterThan(0)
      server.setPhase("C")
      server.forbid(["/memberships/robots"])
      // This run uses the environment settings alone, naming the workspace by its UUID this time.
      const runC = await cli(["run", "--require-complete"], { PTOLEMY_WORKSPACE: WS_ID })
      expect(runC.code, explain("run C", runC)).toBe(4)
      expect(phaseRequests("C").some((q) => q.status === 403 && q.route.startsWith("/memberships/robots"))).toBe(true)

      const runs = await sql<{ run_id: number; status: string; workspace_id: string }>(
        "SELECT run_id, status, workspace_id FROM runs ORDER BY run_id"
      )
      expect(runs.length).toBe(3)
      runIds.C = Number(runs[2]!.run_id)
      expect(runs[2]!.status).toBe("incomplete")
      expect(runs[2]!.workspace_id).toBe(WS_ID) // the UUID and the slug are the same workspace

      const coverage = await sql<{ collection: string; status: string; detail: string | null }>(
        `SELECT collection, status, detail FROM coverage WHERE run_id = ${runIds.C} ORDER BY collection`
      )
      const robotsCoverage = coverage.find((c) => c.collection === "robots")
      expect(robotsCoverage?.status).toBe("forbidden")
      expect(robotsCoverage?.detail ?? "").toMatch(/admin/i)
      expect(coverage.find((c) => c.collection === "members")?.status).toBe("complete")

      const changesC = await sql<ChangeRow>(`SELECT change_type, entity_id FROM changes WHERE run_id = ${runIds.C}`)
      expect(changesC.filter((c) => c.change_type === "robot_removed")).toEqual([])
      expect(changesC, "nothing changed upstream between runs B and C").toEqual([])
      const robotRows = await sql<{ n: number }>(`SELECT count(*) AS n FROM robots WHERE run_id = ${runIds.C}`)
      expect(Number(robotRows[0]!.n)).toBe(0)

      const findings = await sql<FindingRow>(
        `SELECT run_id, rule_id, severity, entity_type, entity_id, entity_name, collection, first_seen_run_id, is_new
       FROM findings WHERE run_id IN (${runIds.B}, ${runIds.C}) AND NOT suppressed`
      )
      const gaps = findings.filter((f) => Number(f.run_id) === runIds.C && f.rule_id === "coverage.gap")
      expect(gaps.map((g) => g.collection)).toContain("robots")
      for (const g of gaps) expect(g.severity).toBe("high")
      // a gap is not a fix: the robot and token findings are those of run B
      const robotAndToken = (runId: number) =>
        checkedFindings(findings, runId).filter((k) => k.startsWith("token.") || k.startsWith("robot."))
      expect(robotAndToken(runIds.C)).toEqual(robotAndToken(runIds.B))

      assertReadOnly(server.requests)
      // The token appears in no output, report or database file.
      for (const text of outputs.flatMap((o) => [o.stdout, o.stderr])) expect(text.includes(TOKEN)).toBe(false)
      // Through SQL, unzipped XML and Parquet, not raw bytes: compression would hide a token from a byte search.
      expect(await findLeaks(listFiles(dir).filter((p) => p !== configPath), [TOKEN])).toEqual([])
      expect(readFileSync(configPath, "utf8").includes(TOKEN)).toBe(false)
    }
  )
})

function assertReadOnly(requests: ReadonlyArray<RecordedRequest>): void {
  const writes = requests.filter((q) => !(q.method === "GET" || (q.method === "POST" && q.route.endsWith("/filter"))))
  expect(writes.map((q) => `${q.method} ${q.url}`)).toEqual([])
  expect(requests.filter((q) => !q.authorized).map((q) => `${q.method} ${q.url}`)).toEqual([])
}
