/**
 * Robot tokens for a generated world: the fixed parts the first robots play (so every token finding is there from
 * day one) and a drawn history for the others (rotated, expired, never expiring, stale, half rotated).
 */
import type { Random } from "../kit/Random.js"
import { DAY } from "../kit/Time.js"
import type { Robot, Token, UsageProfile } from "./Model.js"
import type { World } from "./World.js"

/**
 * The first robots of every workspace play fixed parts, so that each token and robot finding an audit looks for is
 * there from day one and stays there through churn (a `neglected` robot is never rotated or deleted; the two
 * `monthly` ones renew 25 days into a 28-day token, 14 days apart, so a token is always within 14 days of expiry).
 * The remaining robots draw their state at random.
 */
export type Scenario =
  | "never-expires"
  | "long-lived"
  | "stale"
  | "never-used"
  | "half-rotated"
  | "idle"
  | "monthly-a"
  | "monthly-b"
export const SCENARIOS: ReadonlyArray<Scenario> = [
  "never-expires",
  "long-lived",
  "stale",
  "never-used",
  "half-rotated",
  "idle",
  "monthly-a",
  "monthly-b"
]
/** Monthly robots: a 28-day token, its successor made 25 days in. */
export const MONTHLY_LIFETIME = 28 * DAY
export const MONTHLY_RENEWAL = 25 * DAY

export const scenarioTokens = (
  world: World,
  rng: Random,
  robot: Robot,
  scenario: Scenario,
  now: number
): Array<Token> => {
  const hour = () => rng.int(0, 3_600_000)
  const make = (created: number, lifetime: number | null, usage: UsageProfile, lastUsed: number | null): Token => ({
    id: world.newId(),
    created_at: created,
    robot_id: robot.id,
    usage,
    name: `${robot.display_name}-${scenario}`,
    token: world.newToken(),
    expires_at: lifetime === null ? null : created + lifetime,
    last_used_at: lastUsed,
    revoked_at: null
  })
  const recently = () => now - rng.int(1, 20) * 3_600_000
  switch (scenario) {
    case "never-expires":
      return [make(now - 420 * DAY - hour(), null, "daily", recently())]
    case "long-lived":
      return [make(now - rng.int(100, 150) * DAY - hour(), 540 * DAY, "weekly", now - rng.int(1, 5) * DAY)]
    case "stale":
      return [make(now - rng.int(200, 260) * DAY - hour(), 365 * DAY, "stale", now - rng.int(50, 70) * DAY)]
    case "never-used":
      return [make(now - rng.int(20, 40) * DAY - hour(), 365 * DAY, "never", null)]
    case "half-rotated":
      return [
        make(now - rng.int(150, 200) * DAY - hour(), 365 * DAY, "daily", recently()),
        make(now - rng.int(10, 20) * DAY - hour(), 365 * DAY, "daily", recently())
      ]
    case "idle": {
      const old = make(now - rng.int(300, 360) * DAY, 180 * DAY, "stale", null)
      old.last_used_at = old.expires_at! - rng.int(1, 10) * DAY
      const last = make(now - rng.int(100, 200) * DAY, 365 * DAY, "stale", null)
      last.revoked_at = now - rng.int(5, 30) * DAY
      last.last_used_at = last.revoked_at - rng.int(0, DAY)
      return [old, last]
    }
    case "monthly-a":
    case "monthly-b": {
      // The current token is 20 (a) or 6 (b) days old; three predecessors, each replaced 25 days in, then expired.
      const current = now - (scenario === "monthly-a" ? 20 : 6) * DAY - hour()
      const tokens: Array<Token> = []
      for (let k = 3; k >= 0; k--) {
        const created = current - k * MONTHLY_RENEWAL
        tokens.push(
          make(created, MONTHLY_LIFETIME, k === 0 ? "daily" : "stale", k === 0 ? recently() : created + MONTHLY_RENEWAL)
        )
      }
      return tokens
    }
  }
}

/** A robot's tokens: a history of rotated ones, then its current state, drawn from the mix audits find. */
export const generateTokens = (world: World, rng: Random, robot: Robot, average: number, now: number): Array<Token> => {
  const count = Math.max(1, Math.round(average + (rng.next() - 0.5) * 2))
  const profile = rng.next()
  const tokens: Array<Token> = []
  const make = (created: number, lifetimeDays: number | null, usage: UsageProfile): Token => ({
    id: world.newId(),
    created_at: created,
    robot_id: robot.id,
    usage,
    name: rng.chance(0.5) ? `${robot.display_name}-${new Date(created).getUTCFullYear()}` : null,
    token: world.newToken(),
    expires_at: lifetimeDays === null ? null : created + lifetimeDays * DAY,
    last_used_at: null,
    revoked_at: null
  })
  // Older, rotated tokens: revoked a few days after their successor, or simply expired.
  let at = Math.max(robot.created_at, now - 400 * DAY)
  for (let i = 0; i < count - 1; i++) {
    const t = make(at, rng.int(60, 180), "daily")
    at = Math.min(now - 20 * DAY, at + rng.int(40, 120) * DAY)
    // Revoked a few days after its successor came, unless it had expired by then.
    const revokeAt = Math.min(now - DAY, at + rng.int(1, 5) * DAY)
    if (rng.chance(0.7) && revokeAt < t.expires_at!) t.revoked_at = revokeAt
    t.last_used_at = Math.min(t.revoked_at ?? t.expires_at ?? at, at)
    tokens.push(t)
  }
  const u = rng.next()
  const usage: UsageProfile = u < 0.6 ? "daily" : u < 0.7 ? "weekly" : u < 0.9 ? "stale" : "never"
  // A stale token was last used long ago, so it must be older still.
  const created = Math.max(at, now - rng.int(usage === "stale" ? 60 : 10, usage === "stale" ? 300 : 200) * DAY)
  const l = rng.next()
  const lifetime = l < 0.12 ? null : l < 0.27 ? rng.int(400, 730) : rng.int(90, 365)
  const current = make(created, lifetime, usage)
  // Keep the current token valid at the start; some expire within the next weeks (an integration about to break).
  if (current.expires_at !== null && current.expires_at <= now + DAY) current.expires_at = now + rng.int(3, 40) * DAY
  current.last_used_at = usage === "never"
    ? null
    : usage === "stale"
    ? Math.max(created, now - rng.int(50, 200) * DAY)
    : Math.max(created, now - rng.int(0, usage === "weekly" ? 6 : 1) * DAY - rng.int(0, DAY - 1))
  tokens.push(current)
  if (profile < 0.08) {
    // An idle robot: its last token was revoked and never replaced.
    current.revoked_at = now - rng.int(2, 30) * DAY
  } else if (profile < 0.18) {
    // A rotation left half done: a second active token for over a week.
    const next = make(now - rng.int(8, 30) * DAY, rng.int(90, 365), "daily")
    next.last_used_at = now - rng.int(0, DAY - 1)
    tokens.push(next)
  }
  return tokens
}
