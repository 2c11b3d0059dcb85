/**
 * The evidence pack's sections, as data: each section has a title, the controls it evidences, a sentence on what it
 * shows, its key figures and its tables (or, where its input does not exist, why there is none). The HTML page and
 * the CSV files are both rendered from this one model, so the page and the files never disagree.
 */
import { workspaceLabel } from "../reports/ReportData.js"
import {
  adminChangeHow,
  lastActivity,
  NOT_REPORTED,
  personBy,
  personDate,
  personName,
  tokenOutcome
} from "../reports/Wording.js"
import { seatReconciliation } from "./Completeness.js"
import type { EvidenceData } from "./EvidenceData.js"

/** A cell: text, a number, or nothing. Times are ISO-8601 in UTC (`2026-03-31T09:00:00Z`). */
export type Cell = string | number | null

export interface Table {
  /** The CSV file this table is written to. */
  readonly file: string
  readonly caption: string
  readonly headers: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<Cell>>
  /**
   * How the page shows it: a row per record, or (for a few wide records) each record as a card of header and value.
   * The CSV file is the same either way.
   */
  readonly layout?: "rows" | "cards"
  /** Columns the CSV has and the page leaves out (ids, long lists); every column whose header ends in " id" too. */
  readonly pageHidden?: ReadonlyArray<string>
}

export interface Control {
  readonly framework: "SOC 2" | "ISO 27001"
  readonly id: string
  readonly name: string
}

export interface Section {
  readonly id: string
  readonly title: string
  readonly controls: ReadonlyArray<Control>
  /** What the section shows, in a sentence an auditor reads first. */
  readonly purpose: string
  readonly facts: ReadonlyArray<readonly [string, Cell]>
  readonly tables: ReadonlyArray<Table>
  /** Said instead of the tables where the section's input does not exist in this period ("None in this period: …"). */
  readonly none: string | null
  /** Warnings shown in bold at the top of the section. */
  readonly warnings: ReadonlyArray<string>
}

const SOC2 = {
  "CC6.1": {
    framework: "SOC 2",
    id: "CC6.1",
    name: "Logical access security: users, privileged access and credentials identified and restricted"
  },
  "CC6.2": {
    framework: "SOC 2",
    id: "CC6.2",
    name: "Access granted only once authorised, and removed when no longer authorised"
  },
  "CC6.3": {
    framework: "SOC 2",
    id: "CC6.3",
    name: "Access authorised, changed or removed by role and least privilege, and reviewed"
  }
} as const satisfies Record<string, Control>

const ISO = {
  "A.5.15": { framework: "ISO 27001", id: "A.5.15", name: "Access control" },
  "A.5.18": { framework: "ISO 27001", id: "A.5.18", name: "Access rights: provided, reviewed, modified and removed" },
  "A.8.2": { framework: "ISO 27001", id: "A.8.2", name: "Privileged access rights" }
} as const satisfies Record<string, Control>

const ALL = [SOC2["CC6.1"], SOC2["CC6.2"], SOC2["CC6.3"], ISO["A.5.15"], ISO["A.5.18"], ISO["A.8.2"]]

const yesNo = (value: boolean | null) => (value === null ? null : value ? "yes" : "no")
const count = (n: number, word: string, many = `${word}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? word : many}`

/** Every figure of a table is written to CSV as is; a section's file name is its number and id. */
const file = (n: number, name: string) => `${String(n).padStart(2, "0")}-${name}.csv`

const scopeSection = (data: EvidenceData): Section => {
  const { report, scope, head } = data
  const run = report.run
  const first = report.baseline ?? run
  return {
    id: "scope",
    title: "Scope and dates covered",
    controls: ALL,
    purpose:
      "What this pack covers: one workspace, one period, and the stored runs whose data every other section is drawn from. Nothing here was read from the API when the pack was made: it is the stored history, whose integrity chain the manifest pins.",
    facts: [],
    warnings: scope.startsLate
      ? [
        `The history starts after the period does: the first stored run is run ${first.run_id} (${
          first.started_at.slice(0, 10)
        } ${
          first.started_at.slice(11, 16)
        } UTC), so the population at the start is that run's, and what happened before it is not known.`
      ]
      : [],
    none: null,
    tables: [{
      file: file(1, "scope"),
      caption: "Scope",
      layout: "cards",
      headers: ["Fact", "Value"],
      rows: [
        ["Workspace", workspaceLabel(run)],
        ["Workspace id", run.workspace_id],
        ["Source", run.source],
        ["Period", scope.label],
        ["Period starts (UTC)", scope.dates === null ? first.started_at : `${scope.dates.start}T00:00:00Z`],
        ["Period ends (UTC)", scope.dates === null ? run.started_at : `${scope.dates.end}T23:59:59Z`],
        ["State at the start: run", first.run_id],
        ["State at the start: run started (UTC)", first.started_at],
        ["State at the end: run", run.run_id],
        ["State at the end: run started (UTC)", run.started_at],
        ["Integrity chain head at the period's end: run", head.run_id],
        ["Integrity chain head: content hash (SHA-256)", head.content_hash],
        ["Tool version", run.tool_version]
      ]
    }, {
      file: file(1, "control-mapping"),
      caption: "Where each control is evidenced",
      headers: ["Framework", "Control", "What it asks", "Sections"],
      rows: ALL.map((
        c
      ) => [
        c.framework,
        c.id,
        c.name,
        mapping.filter(([, ids]) => ids.includes(c.id)).map(([title]) => title).join("; ")
      ])
    }]
  }
}

/** Which section evidences which control (the scope section's table; each section lists its own). */
const mapping: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["Completeness and accuracy of the population", ["CC6.1", "CC6.2", "CC6.3", "A.5.15", "A.5.18", "A.8.2"]],
  ["Population at the start and the end", ["CC6.1", "A.5.15", "A.5.18"]],
  ["Privileged access", ["CC6.1", "CC6.3", "A.8.2"]],
  ["Joiners, movers and leavers", ["CC6.2", "CC6.3", "A.5.18"]],
  ["Robots and tokens", ["CC6.1", "A.5.15", "A.8.2"]],
  ["Access review: decisions and sign-off", ["CC6.2", "CC6.3", "A.5.18"]],
  ["Remediation and verification", ["CC6.2", "CC6.3", "A.5.18"]],
  ["Leavers and time to removal", ["CC6.2", "A.5.18"]],
  ["Open findings at the end", ["CC6.1", "A.5.15", "A.8.2"]]
]

const completenessSection = (data: EvidenceData): Section => {
  const runs = data.runs
  const status = (s: string) => runs.filter((r) => r.status === s).length
  const end = runs.find((r) => r.run_id === data.report.run.run_id)
  const gaps = runs.flatMap((r) => r.gaps.map((g) => ({ run: r, gap: g })))
  const warnings = [
    ...(status("failed") > 0
      ? [`${count(status("failed"), "run")} of the period failed and stored no data (listed below with the error).`]
      : []),
    ...(gaps.length > 0
      ? [
        `${count(gaps.length, "collection")} could not be read in some runs (coverage gaps): ${
          [...new Set(gaps.map((g) => `${g.gap.collection} (${g.gap.status})`))].join(", ")
        }. Each section takes each collection from the last run that read it completely.`
      ]
      : []),
    ...(data.missing.length > 0
      ? [
        `No run stored data on ${count(data.missing.reduce((n, m) => n + m.days, 0), "day")} of the period: ${
          data.missing.map((m) => (m.days === 1 ? m.from : `${m.from} to ${m.to}`)).join(", ")
        }.`
      ]
      : [])
  ]
  return {
    id: "completeness",
    title: "Completeness and accuracy of the population",
    controls: ALL,
    purpose:
      "Every run of the workspace in the period, with what it read completely and what it could not read, so that an auditor can judge whether the population below is complete (IPE). The people each run counted are reconciled against the plan's own seat count (robots use no seats).",
    facts: [
      ["Runs", runs.length],
      ["Complete", status("complete")],
      ["Incomplete (a collection could not be read)", status("incomplete")],
      ["Failed (nothing stored)", status("failed")],
      ["Days without a stored run", data.missing.reduce((n, m) => n + m.days, 0)],
      ["Seats at the end: plan against people counted", end === undefined ? null : seatReconciliation(end)]
    ],
    warnings,
    none: null,
    tables: [
      {
        file: file(2, "completeness-runs"),
        caption: "Runs of the period",
        pageHidden: ["Read completely"],
        headers: [
          "Run",
          "Stands for",
          "Started (UTC)",
          "Finished (UTC)",
          "Status",
          "Collections read",
          "Read completely",
          "Not read (gaps)",
          "Members",
          "Humans",
          "Robots",
          "Seats used (plan)",
          "Seat limit",
          "Seats against people",
          "Content hash (SHA-256)",
          "Error"
        ],
        rows: runs.map((r) => [
          r.run_id,
          standsFor(data, r.run_id),
          r.started_at,
          r.finished_at,
          r.status,
          r.complete.length,
          r.complete.join(", "),
          r.gaps.map((g) => `${g.collection}: ${g.status}${g.detail ? ` (${g.detail})` : ""}`).join("; "),
          r.members,
          r.humans,
          r.robots,
          r.seats_used,
          r.seats_limit,
          r.status === "failed" ? null : seatReconciliation(r),
          r.content_hash,
          r.error
        ])
      },
      {
        file: file(2, "completeness-missing-days"),
        caption: "Days of the period without a stored run",
        headers: ["From", "To", "Days"],
        rows: data.missing.map((m) => [m.from, m.to, m.days])
      }
    ]
  }
}

/** What a run is to the period: the state at its start or its end, or a later run up to the chain head. */
const standsFor = (data: EvidenceData, runId: number): string | null =>
  runId === data.scope.fromRunId && runId === data.scope.toRunId
    ? "start and end"
    : runId === data.scope.fromRunId
    ? "the start"
    : runId === data.scope.toRunId
    ? "the end"
    : runId > data.scope.toRunId
    ? "after the end (a failed run, up to the chain head)"
    : null

const populationSection = (data: EvidenceData): Section => {
  const { start, end } = data.report.counts
  return {
    id: "population",
    title: "Population at the start and the end",
    controls: [SOC2["CC6.1"], ISO["A.5.15"], ISO["A.5.18"]],
    purpose:
      "Everyone who had access to the workspace at the period's start or at its end (people and robots), with the role at each end. Generated by the system from the API's own listings; the completeness section shows which runs these ends are.",
    facts: [
      ["Members at the start", start.members],
      ["Members at the end", end.members],
      ["People (humans) at the start / end", `${start.humans} / ${end.humans}`],
      ["Robots at the start / end", `${start.robots} / ${end.robots}`],
      ["Admins (people) at the start / end", `${start.admins} / ${end.admins}`]
    ],
    warnings: [],
    none: data.population.length === 0 ? "None in this period: no members were read at either end." : null,
    tables: [{
      file: file(3, "population"),
      caption: "Members at the start or the end",
      headers: ["Name", "Email", "Type", "Role at start", "Role at end", "Status", "Created (UTC)", "Membership id"],
      rows: data.population.map((p) => [
        personName(p),
        p.email,
        p.user_type,
        p.role_at_start,
        p.role_at_end,
        p.status,
        p.created_at,
        p.id
      ])
    }]
  }
}

const privilegedSection = (data: EvidenceData): Section => {
  const { admins, adminChanges, adminTokens } = data.report
  return {
    id: "privileged",
    title: "Privileged access",
    controls: [SOC2["CC6.1"], SOC2["CC6.3"], ISO["A.8.2"]],
    purpose:
      "The admins (people and robots) at both ends, every grant and revocation of admin rights during the period with who made it and when (from the access log), and the tokens of admin robots.",
    facts: [
      ["Admins at the start (people and robots)", admins.filter((a) => a.admin_at_start).length],
      ["Admins at the end (people and robots)", admins.filter((a) => a.admin_at_end).length],
      ["Admin grants in the period", adminChanges.filter((c) => c.kind === "granted").length],
      ["Admin revocations in the period", adminChanges.filter((c) => c.kind === "revoked").length]
    ],
    warnings: [],
    none: admins.length === 0 && adminChanges.length === 0 ? "None in this period: nobody held admin rights." : null,
    tables: [
      {
        file: file(4, "privileged-admins"),
        caption: "Admins at the start or the end",
        headers: [
          "Name",
          "Email",
          "Type",
          "Role at start",
          "Role at end",
          "Admin at start",
          "Admin at end",
          "Created (UTC)",
          "Membership id"
        ],
        rows: admins.map((a) => [
          personName(a),
          a.email,
          a.user_type,
          a.role_at_start,
          a.role_at_end,
          yesNo(a.admin_at_start),
          yesNo(a.admin_at_end),
          a.created_at,
          a.id
        ])
      },
      {
        file: file(4, "privileged-changes"),
        caption: "Admin grants and revocations",
        headers: ["Changed (UTC)", "Detected in run", "Granted or revoked", "Name", "Email", "How", "By"],
        rows: adminChanges.map((c) => [
          c.changed_at ?? c.detected_at,
          c.run_id,
          c.kind,
          personName(c),
          c.email,
          adminChangeHow(c),
          c.actor_display_name ?? NOT_REPORTED
        ])
      },
      {
        file: file(4, "privileged-robot-tokens"),
        caption: "Tokens of admin robots",
        headers: [
          "Robot",
          "Token",
          "Suffix",
          "Status at start",
          "Status at end",
          "Created (UTC)",
          "Expires (UTC)",
          "Last used (UTC)"
        ],
        rows: adminTokens.filter((t) => t.token_id !== null).map((t) => [
          t.robot_name ?? t.robot_id,
          t.name,
          t.token_suffix === null ? null : `…${t.token_suffix}`,
          t.status_at_start,
          t.status_at_end,
          t.created_at,
          t.expires_at ?? "never",
          lastActivity(t.last_used_at, t.last_used_reported === true)
        ])
      }
    ]
  }
}

const joinersSection = (data: EvidenceData): Section => {
  const people = data.report.people
  const n = (status: string) => people.filter((p) => p.status === status).length
  return {
    id: "joiners-movers-leavers",
    title: "Joiners, movers and leavers",
    controls: [SOC2["CC6.2"], SOC2["CC6.3"], ISO["A.5.18"]],
    purpose:
      "Everyone whose access changed during the period: who joined, who left, whose role changed, and who came and went within it, with the date and who made the change (from the access log; \"not reported\" where the API's log does not say).",
    facts: [
      ["Joined", n("joined")],
      ["Left", n("left")],
      ["Role changed", n("role changed")],
      ["Joined and left within the period", n("joined and left")]
    ],
    warnings: [],
    none: people.length === 0 ? "None in this period: nobody joined, left or changed role." : null,
    tables: [{
      file: file(5, "joiners-movers-leavers"),
      caption: "Joiners, movers and leavers",
      headers: [
        "Status",
        "Name",
        "Email",
        "Type",
        "Role before",
        "Role after",
        "When (UTC)",
        "By",
        "Invited by",
        "Membership id"
      ],
      rows: people.map((p) => [
        p.status,
        personName(p),
        p.email,
        p.user_type,
        p.role_at_start,
        p.role_at_end,
        personDate(p),
        personBy(p),
        p.invited_by,
        p.id
      ])
    }]
  }
}

const robotsSection = (data: EvidenceData): Section => {
  const { tokens, tokenChanges } = data.report
  const read = data.report.coverage.find((c) => c.collection === "robots")?.status
  const withTokens = tokens.filter((t) => t.token_id !== null)
  return {
    id: "robots-and-tokens",
    title: "Robots and tokens",
    controls: [SOC2["CC6.1"], ISO["A.5.15"], ISO["A.8.2"]],
    purpose:
      "The service accounts (robots) at the period's end with every credential (token) they hold, its status, expiry and last use, and every token created, revoked or expired during the period.",
    facts: [
      ["Robots at the end", new Set(tokens.map((t) => t.robot_id)).size],
      ["Active tokens at the end", withTokens.filter((t) => t.status === "active").length],
      [
        "Active tokens that never expire",
        withTokens.filter((t) => t.status === "active" && t.expires_at === null).length
      ],
      ["Tokens changed in the period", tokenChanges.length]
    ],
    warnings: [],
    none: read === "not_applicable"
      ? "None in this period: this source has no robots or tokens."
      : tokens.length === 0 && tokenChanges.length === 0
      ? "None in this period: no robots held access."
      : null,
    tables: [
      {
        file: file(6, "robots-tokens"),
        caption: "Robots and their tokens at the end",
        headers: [
          "Robot",
          "Robot role",
          "Token",
          "Suffix",
          "Status",
          "Created (UTC)",
          "Expires (UTC)",
          "Last used (UTC)",
          "Robot id",
          "Token id"
        ],
        rows: tokens.map((t) => [
          t.robot_name ?? t.robot_id,
          t.robot_role,
          t.token_id === null ? "(no tokens)" : t.name,
          t.token_suffix === null ? null : `…${t.token_suffix}`,
          t.status,
          t.created_at,
          t.token_id === null ? null : t.expires_at ?? "never",
          t.token_id === null ? null : lastActivity(t.last_used_at, t.last_used_reported === true),
          t.robot_id,
          t.token_id
        ])
      },
      {
        file: file(6, "robots-token-changes"),
        caption: "Token changes in the period",
        headers: [
          "Robot",
          "Token",
          "Suffix",
          "Outcome",
          "Created (UTC)",
          "Expires (UTC)",
          "Last change (UTC)",
          "By",
          "Token id"
        ],
        rows: tokenChanges.map((t) => [
          t.robot_name,
          t.name,
          t.token_suffix === null ? null : `…${t.token_suffix}`,
          tokenOutcome(t),
          t.created_at,
          t.expires_at ?? "never",
          t.last_at,
          t.last_by ?? NOT_REPORTED,
          t.id
        ])
      }
    ]
  }
}

const reviewSection = (data: EvidenceData): Section => {
  const campaigns = data.review?.period ?? []
  const followUps = data.review?.followUps ?? []
  return {
    id: "access-review",
    title: "Access review: decisions and sign-off",
    controls: [SOC2["CC6.2"], SOC2["CC6.3"], ISO["A.5.18"]],
    purpose:
      "The access review campaigns of the period (each froze the population of one run for its reviewers): how many items were decided, keep or remove, self-reviews, who signed the review off and when, and whether each Remove or Change role decision was carried out in a later run.",
    facts: [
      ["Campaigns", campaigns.length],
      ["Signed off", campaigns.filter((c) => c.status === "closed").length],
      ["Removals and role changes decided", followUps.length],
      ["… of them carried out", followUps.filter((f) => f.status === "carried_out").length]
    ],
    warnings: campaigns.filter((c) => c.status !== "closed").map((c) => `Campaign ${c.campaign_id} is not signed off.`),
    none: campaigns.length === 0 ? "None in this period: no access review campaign froze a run of this period." : null,
    tables: [
      {
        file: file(7, "access-review-campaigns"),
        caption: "Campaigns",
        layout: "cards",
        headers: [
          "Campaign",
          "Frozen run",
          "Started (UTC)",
          "Due",
          "Items",
          "Privileged items",
          "Decided",
          "Keep",
          "Remove",
          "Change role",
          "Self-reviews",
          "Privileged undecided",
          "Status",
          "Signed off by",
          "Signed off (UTC)",
          "Undecided accepted",
          "Population hash",
          "Outcomes hash"
        ],
        rows: campaigns.map((c) => [
          c.campaign_id,
          c.run_id,
          c.started_at,
          c.due_on,
          c.items,
          c.privileged_items,
          c.decided,
          c.keep,
          c.remove,
          c.change_role,
          c.self_reviews,
          c.undecided_privileged,
          c.status === "closed" ? "signed off" : "open",
          c.signed_by,
          c.signed_at,
          c.accepted_undecided,
          c.population_hash,
          c.outcomes_hash
        ])
      },
      {
        file: file(7, "access-review-follow-ups"),
        caption: "Removals and role changes decided, and whether they were carried out",
        pageHidden: ["Item key"],
        headers: [
          "Campaign",
          "Item",
          "Decision",
          "New role",
          "Carried out",
          "In run",
          "Change",
          "Detected (UTC)",
          "By",
          "Item key"
        ],
        rows: followUps.map((f) => [
          f.campaign_id,
          f.label,
          f.decision.replace(/_/g, " "),
          f.new_role,
          f.status === "carried_out" ? "yes" : "pending",
          f.change_run_id,
          f.change_type,
          f.detected_at,
          f.actor_display_name ?? (f.status === "carried_out" ? NOT_REPORTED : null),
          f.item_key
        ])
      }
    ]
  }
}

const remediationSection = (data: EvidenceData): Section => {
  const actions = data.remediation ?? []
  const by = (v: string) => actions.filter((a) => a.verification === v).length
  return {
    id: "remediation",
    title: "Remediation and verification",
    controls: [SOC2["CC6.2"], SOC2["CC6.3"], ISO["A.5.18"]],
    purpose:
      "Every remediation action applied to the workspace during the period (a removal or role change carried out through the API), what was called, its outcome, and whether a later run verified it (the access is gone), saw it reverted, or has not checked yet.",
    facts: [["Actions", actions.length], ["Verified", by("verified")], ["Reverted", by("reverted")], [
      "Pending verification",
      by("pending")
    ]],
    warnings: by("reverted") > 0
      ? [`${count(by("reverted"), "action")} was undone after it was applied (reverted).`]
      : [],
    none: data.remediation === null
      ? "None in this period: no remediation is recorded in this history."
      : actions.length === 0
      ? "None in this period: no remediation action was applied."
      : null,
    tables: [{
      file: file(8, "remediation"),
      caption: "Remediation actions",
      headers: [
        "Plan",
        "Action",
        "Kind",
        "Target",
        "Reason",
        "Method",
        "Path",
        "Outcome",
        "Applied (UTC)",
        "Verification"
      ],
      rows: actions.map((
        a
      ) => [
        a.plan_id,
        a.action_id,
        a.kind,
        a.target_label,
        a.reason,
        a.method,
        a.path,
        a.outcome,
        a.applied_at,
        a.verification
      ])
    }]
  }
}

const removalSection = (data: EvidenceData): Section => {
  const r = data.removal
  return {
    id: "time-to-removal",
    title: "Leavers and time to removal",
    controls: [SOC2["CC6.2"], ISO["A.5.18"]],
    purpose:
      `Each person the people directory says left, matched to their membership: when they left, when their access was removed, and how many days that took against the target of ${
        count(r.targetDays, "day")
      } (a leaver still holding access at the end counts against it).`,
    facts: [
      ["Leavers", r.leavers],
      ["Removed", r.removed],
      [`Removed within ${count(r.targetDays, "day")}`, r.withinTarget],
      ["Share within the target", r.share === null ? null : `${Math.round(r.share * 100)}%`],
      ["Still holding access at the end", r.leavers - r.removed]
    ],
    warnings: r.leavers - r.removed > 0
      ? [`${count(r.leavers - r.removed, "leaver")} still had access at the end of the period.`]
      : [],
    none: !data.roster
      ? "None in this period: no people directory (roster) was read in this period, so leavers are not known."
      : r.leavers === 0
      ? "None in this period: the people directory names no leaver who held access."
      : null,
    tables: [{
      file: file(9, "time-to-removal"),
      caption: "Leavers",
      headers: [
        "Name",
        "Email",
        "Left on",
        "Left on inferred (first seen)",
        "Removed (UTC)",
        "Days",
        "Within target",
        "Membership id"
      ],
      rows: r.rows.map((row) => [
        row.display_name ?? row.email ?? row.member_id,
        row.email,
        row.left_on,
        yesNo(row.left_on_inferred),
        row.removed ? row.removed_at : "still has access",
        row.days,
        yesNo(row.within_target),
        row.member_id
      ])
    }]
  }
}

const findingsSection = (data: EvidenceData): Section => {
  const findings = data.report.findings
  const open = findings.filter((f) => !f.suppressed)
  const sev = (s: string) => open.filter((f) => f.severity === s).length
  return {
    id: "open-findings",
    title: "Open findings at the end",
    controls: [SOC2["CC6.1"], ISO["A.5.15"], ISO["A.8.2"]],
    purpose:
      "What the audit's rules flagged at the period's end (tokens that never expire or are unused, admins over the limit, external addresses, coverage gaps and more), with when each was first seen; suppressed findings are listed with the reason and expiry given.",
    facts: [
      ["Open", open.length],
      ["Critical / high", `${sev("critical")} / ${sev("high")}`],
      ["Medium / low / info", `${sev("medium")} / ${sev("low")} / ${sev("info")}`],
      ["Suppressed", findings.length - open.length]
    ],
    warnings: [],
    none: findings.length === 0 ? "None in this period: no finding was open at the end." : null,
    tables: [{
      file: file(10, "open-findings"),
      caption: "Findings at the end",
      pageHidden: ["Entity type"],
      headers: [
        "Severity",
        "Rule",
        "Entity",
        "Detail",
        "First seen (UTC)",
        "First seen in run",
        "Suppressed",
        "Reason",
        "Suppressed until (UTC)",
        "Entity type",
        "Entity id"
      ],
      rows: findings.map((f) => [
        f.severity,
        f.rule_id,
        f.entity_name ?? f.entity_id,
        f.detail,
        f.first_seen_at,
        f.first_seen_run_id,
        yesNo(f.suppressed),
        f.suppression_reason,
        f.suppression_expires_at,
        f.entity_type,
        f.entity_id
      ])
    }]
  }
}

/** The sections in the order the page shows them. */
export const evidenceSections = (data: EvidenceData): ReadonlyArray<Section> => [
  scopeSection(data),
  completenessSection(data),
  populationSection(data),
  privilegedSection(data),
  joinersSection(data),
  robotsSection(data),
  reviewSection(data),
  remediationSection(data),
  removalSection(data),
  findingsSection(data)
]
