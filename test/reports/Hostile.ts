/**
 * A workspace whose people wrote hostile strings into every field the reports show: Markdown and HTML that would
 * break out of their context, link and mention syntax, terminal escape sequences, bidirectional overrides,
 * spreadsheet formulas, a value longer than Excel allows. The audit job stores it as any other.
 */
import { Effect, Option, Stream } from "effect"
import { defaultFindingSettings } from "../../src/analyses/Findings.js"
import { runAudit } from "../../src/job/AuditJob.js"
import { SnapshotItem } from "../../src/snapshot/SnapshotItem.js"
import { fakeSource, type FakeState, workspace } from "../support/FakeSource.js"
import { event, invitation, member, robot, token, usage, webhook } from "../support/Records.js"

const ESC = "\u001b"

export const HOSTILE = {
  /** Breaks out of the title and adds a heading and an image. */
  workspace: "Acme\n# Owned <img src=x onerror=alert(1)>",
  link: "Eve [bank login](https://phish.invalid)",
  html: "<img src=x onerror=alert(1)> <details><summary>open me",
  carriageReturn: "Mallory\r| injected | row |",
  fence: "seats\n```\n%%{init: {\"theme\": \"forest\"}}%%\n```mermaid",
  terminal: `${ESC}]0;pwned\u0007${ESC}[2J${ESC}]8;;https://phish.invalid${ESC}\\click${ESC}]8;;${ESC}\\`,
  bidi: "\u202eexe.txt",
  formula: "=HYPERLINK(\"https://phish.invalid\",\"click\")",
  mention: "@octocat #1 :smile: $x^2$ www.phish.invalid ~~gone~~ **bold** _it_",
  long: `long-${"x".repeat(100_000)}`
} as const

/** Every raw control character the reports must never carry (C0 but tab and newline, DEL, C1, bidi controls). */
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/

const day = (d: number) => `2026-03-0${d}T06:00:00Z`

export const hostileState = (d: number): FakeState => ({
  members: [
    member("ann", "admin", { display_name: HOSTILE.terminal }),
    member("eve", "viewer", { display_name: HOSTILE.link, email: "eve@acme.test" }),
    member("mal", d > 1 ? "admin" : "viewer", {
      display_name: HOSTILE.carriageReturn,
      email: `${HOSTILE.bidi}@acme.test`
    }),
    member("htm", "editor", { display_name: HOSTILE.html }),
    ...(d > 1 ? [member("new", "member", { display_name: HOSTILE.mention, email: HOSTILE.formula })] : []),
    member("rbm", "viewer", { user_type: "robot", email: null, user_id: "r1", display_name: HOSTILE.long })
  ],
  robots: [robot("r1", "viewer", { display_name: HOSTILE.long })],
  robot_tokens: [token("t1", "r1", { name: HOSTILE.terminal, expires_at: null })],
  invitations: [invitation("i1", { email: HOSTILE.html, created_at: day(1), expires_at: "2026-03-09T00:00:00Z" })],
  webhooks: [webhook("w1", `http://${HOSTILE.link}`, { label: HOSTILE.fence, active: d === 1 })],
  plan_usage: [usage(HOSTILE.fence, 10 * d, 100), usage("seats", 40 + d, 50)],
  events: d > 1 ? [event("e1", "membership.updated", "mal", "2026-03-02T05:00:00Z", HOSTILE.terminal)] : []
})

/** The fake source, with the hostile workspace name. */
const hostileSource = (d: number) => {
  const inner = fakeSource(() => hostileState(d))
  const named = { ...workspace, name: HOSTILE.workspace, raw: { ...workspace.raw, name: HOSTILE.workspace } }
  return {
    ...inner,
    workspaces: () => Effect.succeed([{ workspace: named, scope: "workspace" as const }]),
    snapshot: (...args: Parameters<typeof inner.snapshot>) =>
      Stream.map(
        inner.snapshot(...args),
        (item) =>
          item._tag === "Rows" && item.collection === "workspace" ? SnapshotItem.rows("workspace", [named]) : item
      )
  }
}

/** Runs of the hostile workspace, one a day: the second makes a member admin (with a hostile actor) and adds one. */
export const hostileHistory = (days = 2) =>
  Effect.forEach(
    Array.from({ length: days }, (_, i) => i + 1),
    (d) =>
      runAudit([{ source: hostileSource(d), workspace: Option.some("acme-capital") }], {
        toolVersion: "test",
        now: () => day(d),
        findings: { ...defaultFindingSettings, allowedDomains: ["acme.test"] }
      }),
    { discard: true }
  )
