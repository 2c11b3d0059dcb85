/**
 * A small history for the evidence tests, stored by the real job (runAudit, the store, findings, sealing) into a
 * real DuckDB file: runs in March 2026 with a day missing, a joiner, a leaver, a role change, an admin grant, a
 * revoked token and the plan's seats.
 */
import { Effect } from "effect"
import { defaultFindingSettings } from "../../src/analyses/Findings.js"
import { snapshotAt } from "../support/Pipeline.js"
import { event, invitation, member, robot, token, usage, webhook } from "../support/Records.js"

export const WS = "3fa85f64-5717-4562-b3fc-2c963f66afa6"

/** The days of March 2026 with a run (the 4th has none). */
export const DAYS = [2, 3, 5, 6] as const

const at = (d: number) => `2026-03-${String(d).padStart(2, "0")}T06:00:00Z`

const state = (d: number) => ({
  members: [
    member("ann", "admin", { display_name: "Ann Admin" }),
    member("bob", d > 2 ? "admin" : "viewer", { display_name: "Bob Builder" }),
    ...(d < 5 ? [member("lea", "member", { display_name: "Lea Leaver" })] : []),
    member("eve", "viewer", { email: "eve@gmail.com", display_name: "Eve External" }),
    ...(d > 3 ? [member("dan", "member", { display_name: "Dan Joiner" })] : []),
    member("r1m", "viewer", { user_type: "robot", email: null, user_id: "r1", display_name: "ci-bot" })
  ],
  robots: [robot("r1", "viewer", { display_name: "ci-bot" })],
  robot_tokens: [
    token("t1", "r1", { expires_at: null, created_at: "2025-01-01T00:00:00Z" }),
    token("t2", "r1", { status: d > 3 ? "revoked" : "active" })
  ],
  invitations: [invitation("i1", { expires_at: "2026-03-09T00:00:00Z", created_at: "2026-02-25T00:00:00Z" })],
  webhooks: [webhook("w1", "https://hooks.acme.test/a")],
  plan_usage: [usage("seats", d < 5 ? 5 : 5, 10), usage("api_calls", 100 * d, 10000)],
  events: [event(`e${d}`, "membership.updated", "bob", at(d))]
})

export const buildHistory = Effect.forEach(
  DAYS,
  (d) => snapshotAt(state(d), at(d), { ...defaultFindingSettings, allowedDomains: ["acme.test"] }),
  {
    discard: true
  }
)

/** The scope `evidence --period 2026-Q1` resolves to over this history (it starts late: the first run is on 2 March). */
export const Q1 = {
  label: "2026-Q1",
  dates: { start: "2026-01-01", end: "2026-03-31" },
  fromRunId: 1,
  toRunId: 4,
  startsLate: true
} as const

export const COMMAND = "ptolemy-audit evidence --period 2026-Q1"

/** Every element the page itself writes (its own markup and the chart's SVG); anything else came from data. */
export const PAGE_TAGS = new Set([
  "html",
  "head",
  "meta",
  "title",
  "style",
  "body",
  "main",
  "header",
  "footer",
  "nav",
  "section",
  "figure",
  "figcaption",
  "h1",
  "h2",
  "p",
  "ol",
  "ul",
  "li",
  "dl",
  "dt",
  "dd",
  "div",
  "span",
  "strong",
  "code",
  "a",
  "table",
  "caption",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
  "svg",
  "g",
  "path",
  "line",
  "rect",
  "text"
])

/** The hostile history's month (test/reports/Hostile.ts stores two runs on 1 and 2 March). */
export const hostileScope = {
  label: "2026-03",
  dates: { start: "2026-03-01", end: "2026-03-31" },
  fromRunId: 1,
  toRunId: 2,
  startsLate: true
}
