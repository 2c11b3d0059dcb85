import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { defaultFindingSettings, type FindingSettings } from "../../src/analyses/Findings.js"
import { query, snapshotAt, testStore } from "../support/Pipeline.js"
import { invitation, member, robot, token, usage, webhook } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"

const asOf = "2026-03-01T00:00:00Z"
const at = (hours: number) => new Date(Date.parse(asOf) + hours * 3600_000).toISOString()
const daysAgo = (days: number) => at(-24 * days)
const inDays = (days: number) => at(24 * days)

const settings: FindingSettings = { ...defaultFindingSettings, allowedDomains: ["acme.test"] }

/** Each rule's hits on one side of its threshold, misses on the other; ids say which is which. */
const state = {
  members: [
    member("admin1", "admin"),
    member("admin2", "admin"),
    member("admin3", "admin"),
    member("admin4", "admin"),
    member("ext-hit", "viewer", { email: "eve@gmail.com" }),
    member("sub-ok", "viewer", { email: "sam@eu.acme.test" }),
    member("bot-ok", "viewer", { user_type: "robot", email: null })
  ],
  robots: [robot("ok-bot"), robot("rot-hit"), robot("rot-miss"), robot("idle-hit")],
  robot_tokens: [
    // all with an expiry inside the lifetime limits, recently used and young, unless the id says otherwise
    token("okay", "ok-bot", { created_at: daysAgo(10), expires_at: inDays(100), last_used_at: daysAgo(1) }),
    token("noexp-hit", "ok-bot", { created_at: daysAgo(10), expires_at: null, last_used_at: daysAgo(1) }),
    token("unused-hit", "ok-bot", { created_at: daysAgo(60), expires_at: inDays(100), last_used_at: daysAgo(46) }),
    token("unused-miss", "ok-bot", { created_at: daysAgo(60), expires_at: inDays(100), last_used_at: daysAgo(44) }),
    token("never-hit", "ok-bot", { created_at: daysAgo(8), expires_at: inDays(100), last_used_at: null }),
    token("never-miss", "ok-bot", { created_at: daysAgo(6), expires_at: inDays(100), last_used_at: null }),
    token("long-hit", "ok-bot", { created_at: daysAgo(10), expires_at: inDays(357), last_used_at: daysAgo(1) }),
    token("long-miss", "ok-bot", { created_at: daysAgo(10), expires_at: inDays(355), last_used_at: daysAgo(1) }),
    token("old-hit", "ok-bot", { created_at: daysAgo(91), expires_at: inDays(100), last_used_at: daysAgo(1) }),
    token("old-miss", "ok-bot", { created_at: daysAgo(89), expires_at: inDays(100), last_used_at: daysAgo(1) }),
    token("expiring-hit", "ok-bot", { created_at: daysAgo(10), expires_at: inDays(13), last_used_at: daysAgo(1) }),
    token("expiring-miss", "ok-bot", { created_at: daysAgo(10), expires_at: inDays(15), last_used_at: daysAgo(1) }),
    // usage not reported: judged by age (50 days > 45), and never "never used"
    token("noreport-hit", "ok-bot", {
      created_at: daysAgo(50),
      expires_at: inDays(100),
      last_used_at: null,
      last_used_reported: false
    }),
    token("rot-a", "rot-hit", { created_at: daysAgo(20), expires_at: inDays(100), last_used_at: daysAgo(1) }),
    token("rot-b", "rot-hit", { created_at: daysAgo(8), expires_at: inDays(100), last_used_at: daysAgo(1) }),
    token("rot-c", "rot-miss", { created_at: daysAgo(20), expires_at: inDays(100), last_used_at: daysAgo(1) }),
    token("rot-d", "rot-miss", { created_at: daysAgo(6), expires_at: inDays(100), last_used_at: daysAgo(1) }),
    token("idle-x", "idle-bot-none", { status: "revoked", created_at: daysAgo(10), expires_at: inDays(100) }),
    token("idle-y", "idle-hit", { status: "revoked", created_at: daysAgo(10), expires_at: inDays(100) })
  ],
  invitations: [
    invitation("expiring-hit", { expires_at: at(47), created_at: at(47 - 168) }),
    invitation("expiring-miss", { expires_at: at(49), created_at: at(49 - 168) }),
    invitation("expired-hit", { status: "expired", expires_at: daysAgo(2) }),
    invitation("accepted-miss", { status: "accepted", expires_at: daysAgo(2) }),
    invitation("priv-hit", { role: "admin", expires_at: inDays(5) }),
    invitation("ext-inv-hit", { email: "x@gmail.com", expires_at: inDays(5) })
  ],
  webhooks: [webhook("http-hit", "http://hooks.acme.test/a"), webhook("https-miss", "https://hooks.acme.test/b")],
  plan_usage: [
    usage("seats", 80, 100),
    usage("webhooks", 10, 10),
    usage("database_items", 79, 100),
    usage("api_calls", 5, null)
  ]
}

const expected = [
  "access.admin_count 3fa85f64-5717-4562-b3fc-2c963f66afa6",
  "access.external_domain ext-hit",
  "access.external_domain ext-inv-hit",
  "invitation.expired expired-hit",
  "invitation.expiring expiring-hit",
  "invitation.privileged priv-hit",
  "quota.utilisation seats medium",
  "quota.utilisation webhooks high",
  "robot.idle idle-hit",
  "robot.rotation_unfinished rot-hit",
  "token.expiring expiring-hit",
  "token.long_lived long-hit",
  "token.never_used never-hit",
  "token.no_expiry noexp-hit",
  "token.old old-hit",
  "token.unused noreport-hit",
  "token.unused unused-hit",
  "webhook.insecure_url http-hit"
]

describe("findings", () => {
  it.scoped("each rule fires on the right side of its threshold and not on the other", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* snapshotAt(state, asOf, settings)
          const found = yield* query("SELECT rule_id, entity_id, severity, detail FROM findings WHERE run_id = 1")
          const keys = found
            .map((f) =>
              `${f["rule_id"]} ${f["entity_id"]}${f["rule_id"] === "quota.utilisation" ? ` ${f["severity"]}` : ""}`
            )
            .sort()
          expect(keys).toEqual(expected)
          const noReport = found.find((f) => f["entity_id"] === "noreport-hit")!
          expect(noReport["detail"]).toContain("does not report last use")
        }),
        testStore(dir)
      )
    }))

  it.scoped("thresholds come from the settings", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* snapshotAt(state, asOf, {
            ...settings,
            thresholds: { ...settings.thresholds, max_admins: 4, token_unused_days: 43, token_rotate_days: 88 }
          })
          const keys = (yield* query("SELECT rule_id, entity_id FROM findings WHERE run_id = 1"))
            .map((f) => `${f["rule_id"]} ${f["entity_id"]}`)
          expect(keys).not.toContain("access.admin_count 3fa85f64-5717-4562-b3fc-2c963f66afa6")
          expect(keys).toContain("token.unused unused-miss")
          expect(keys).toContain("token.old old-miss")
        }),
        testStore(dir)
      )
    }))

  it.scoped("first seen carries across runs; suppressions mark without hiding, and stop at their expiry", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const suppressed: FindingSettings = {
        ...settings,
        suppressions: [{
          rule: "webhook.insecure_url",
          entity: "http://hooks.acme.test/a",
          reason: "internal network, ticket SEC-12",
          expires: "2026-03-02T12:00:00Z"
        }]
      }
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* snapshotAt(state, asOf, suppressed)
          yield* snapshotAt(state, inDays(1), suppressed)
          yield* snapshotAt(state, inDays(2), suppressed)
          const rows = yield* query(
            `SELECT run_id, first_seen_run_id, is_new, suppressed, suppression_reason FROM findings
             WHERE rule_id = 'webhook.insecure_url' ORDER BY run_id`
          )
          expect(rows).toEqual([
            {
              run_id: 1,
              first_seen_run_id: 1,
              is_new: true,
              suppressed: true,
              suppression_reason: "internal network, ticket SEC-12"
            },
            {
              run_id: 2,
              first_seen_run_id: 1,
              is_new: false,
              suppressed: true,
              suppression_reason: "internal network, ticket SEC-12"
            },
            { run_id: 3, first_seen_run_id: 1, is_new: false, suppressed: false, suppression_reason: null }
          ])
        }),
        testStore(dir)
      )
    }))

  it.scoped("a coverage gap is a high finding, and carries (does not close) the findings of its collection", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* snapshotAt(state, asOf, settings)
          yield* snapshotAt(
            { ...state, robot_tokens: { status: "forbidden", detail: "403 forbidden" } },
            inDays(1),
            settings
          )
          yield* snapshotAt(state, inDays(2), settings)
          expect(
            yield* query("SELECT run_id, severity, entity_id FROM findings WHERE rule_id = 'coverage.gap'")
          ).toEqual([{ run_id: 2, severity: "high", entity_id: "robot_tokens" }])
          // The token finding stays, with its first-seen run, through the gap.
          expect(
            yield* query(
              "SELECT run_id, first_seen_run_id FROM findings WHERE rule_id = 'token.no_expiry' ORDER BY run_id"
            )
          ).toEqual([
            { run_id: 1, first_seen_run_id: 1 },
            { run_id: 2, first_seen_run_id: 1 },
            { run_id: 3, first_seen_run_id: 1 }
          ])
        }),
        testStore(dir)
      )
    }))

  it.scoped("the quota forecast of a linear series lands within a day of the truth", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          // 37 units a day from 100, limit 2000: reached after 1900 / 37 = 51.35 days from the first point.
          // Runs 1-23 on days 0-22, then run 24 on day 44 and run 25 on day 45 (the series stays linear).
          for (const d of [...Array.from({ length: 23 }, (_, i) => i), 44, 45]) {
            yield* snapshotAt(
              {
                plan_usage: [
                  usage("database_items", 100 + 37 * d, 2000),
                  usage("seats", 5, 5),
                  // Almost flat against a vast limit: centuries away, which must not overflow a timestamp.
                  usage("api_calls", 5 + (d === 20 ? 1 : 0), 9_000_000_000_000)
                ]
              },
              inDays(d),
              settings
            )
          }
          const [trend] = yield* query(
            "SELECT growth_per_day, projected_exhaustion_at FROM quota_fits WHERE dimension = 'database_items' AND run_id = 21"
          )
          const truth = Date.parse(asOf) + (1900 / 37) * 86400_000
          expect(trend!["growth_per_day"]).toBeCloseTo(37, 6)
          expect(Math.abs(Date.parse(trend!["projected_exhaustion_at"] as string) - truth)).toBeLessThan(86400_000)
          // A flat series (seats) and no limit get no projection but "reached now" when at the limit.
          const [seats] = yield* query(
            "SELECT growth_per_day, projected_exhaustion_at FROM quota_fits WHERE dimension = 'seats' AND run_id = 21"
          )
          expect(seats!["growth_per_day"]).toBe(0)
          const forecast = yield* query(
            `SELECT run_id, severity FROM findings WHERE rule_id = 'quota.forecast' AND entity_id = 'database_items'
             ORDER BY run_id`
          )
          // Days left on day d: 51.35 - d. Within 30 days from day 22 (29.35; 30.35 on day 21), within 7 on day 45 (6.35).
          expect(forecast).toEqual([
            { run_id: 23, severity: "medium" },
            { run_id: 24, severity: "medium" },
            { run_id: 25, severity: "high" }
          ])
          const [api] = yield* query(
            "SELECT growth_per_day, projected_exhaustion_at FROM quota_fits WHERE dimension = 'api_calls' AND run_id = 21"
          )
          expect(api!["growth_per_day"]).toBeGreaterThan(0)
          expect(api!["projected_exhaustion_at"]).toBeNull()
        }),
        testStore(dir)
      )
    }))
})
