/**
 * The workbook's sheets about the state at the window's end and the run itself: Summary (both ends in figures, the
 * dates covered, a warning when the history starts late), Findings, Robots and tokens, Invitations, Quota history
 * (its data beside the chart that prints) and Run info.
 */
import { campaignNote } from "../PeriodData.js"
import {
  collectionRead,
  type FindingRow,
  isNewInWindow,
  type QuotaPoint,
  type ReportData,
  summarize,
  type TokenRow,
  workspaceLabel
} from "../ReportData.js"
import type { InvitationRow } from "../ReportData.js"
import { coveredBy, lastActivity, limitReached, periodLabel, startsLateWarning } from "../Wording.js"
import { reviewFacts } from "./PeopleSheets.js"
import { removalSummaryFacts, reviewSummaryFacts } from "./PeriodSheets.js"
import { addSheet, type Fact, factSheet, FONT, type Kind, type Workbook } from "./Sheet.js"

const SEVERITY_FILL: Record<string, { fill: string; font: string }> = {
  critical: { fill: "FF6A1B9A", font: "FFFFFFFF" },
  high: { fill: "FFC62828", font: "FFFFFFFF" },
  medium: { fill: "FFEF6C00", font: "FFFFFFFF" },
  low: { fill: "FFFFE082", font: "FF000000" },
  info: { fill: "FFBBDEFB", font: "FF000000" }
}

const gapNote = (data: ReportData, collection: string) => {
  const status = data.coverage.find((c) => c.collection === collection)?.status
  return status === "not_applicable"
    ? "Not applicable to this source."
    : status === "complete"
    ? "None."
    : `Not read in this run (${status ?? "missing"}): see Run info.`
}

const figures = (data: ReportData): ReadonlyArray<Fact> => {
  const s = summarize(data)
  const { end, start } = data.counts
  const of = (status: string) => data.people.filter((p) => p.status === status).length
  const compared = data.baseline !== null
  return [
    ["Members at the start", compared ? start.members : null, "number"],
    ["Members at the end", end.members, "number"],
    ["Humans at the start / at the end", compared ? `${start.humans} / ${end.humans}` : end.humans],
    ["Robots at the start / at the end", compared ? `${start.robots} / ${end.robots}` : end.robots],
    ["Admins at the start / at the end", compared ? `${start.admins} / ${end.admins}` : end.admins, undefined, "bold"],
    [
      "Admin grants",
      data.adminChanges.filter((c) => c.kind === "granted").length,
      "number",
      data.adminChanges.length > 0 ? "bold" : undefined
    ],
    ["Admin revocations", data.adminChanges.filter((c) => c.kind === "revoked").length, "number"],
    ["Joined", of("joined"), "number"],
    ["Left", of("left"), "number"],
    ["Role changed", of("role changed"), "number"],
    ["Joined and left inside the window", of("joined and left"), "number"],
    ["Active robot tokens", s.active_tokens, "number"],
    ["Pending invitations", s.pending_invitations, "number"],
    ["Findings: critical", s.findings.critical, "number"],
    ["Findings: high", s.findings.high, "number"],
    ["Findings: medium", s.findings.medium, "number"],
    ["Findings: low", s.findings.low, "number"],
    ["Findings: info", s.findings.info, "number"],
    [
      data.scope.kind === "window" ? "Findings new in the window" : "Findings new since the previous run",
      data.findings.filter((f) => !f.suppressed && isNewInWindow(data, f)).length,
      "number"
    ],
    ["Findings suppressed", s.findings.suppressed, "number"],
    ["Changes (every change between consecutive runs)", s.changes, "number"],
    ["Coverage gaps", s.coverage_gaps, "number", s.coverage_gaps > 0 ? "warning" : undefined]
  ]
}

/** A window's remediation in a few lines: how many actions, by outcome and by verification (none: nothing). */
const remediationFacts = (data: ReportData): ReadonlyArray<Fact> => {
  if (data.remediation.length === 0) return []
  const tally = (pick: (a: ReportData["remediation"][number]) => string | null) => {
    const counts = new Map<string, number>()
    for (const a of data.remediation) {
      const key = pick(a)
      if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    return [...counts].map(([k, n]) => `${n} ${k.replace("_", " ")}`).join(", ")
  }
  const verified = tally((a) => a.verification)
  return [
    ["Remediation actions", data.remediation.length, "number", "bold"],
    ["Remediation outcomes", tally((a) => a.outcome)],
    ...(verified === "" ? [] : [["Remediation verified by later runs", verified] as Fact])
  ]
}

export const summarySheet = (workbook: Workbook, data: ReportData) => {
  const late = startsLateWarning(data)
  const note = campaignNote(data)
  const campaign: ReadonlyArray<Fact> = note === undefined
    ? []
    : [
      ["Access review campaign", note.status, undefined, "bold"],
      ...(note.outcome ?? []).map(([k, v]): Fact => [k, v, typeof v === "number" ? "number" : "text"])
    ]
  factSheet(
    workbook,
    "Summary",
    [
      ["Workspace", `${workspaceLabel(data.run)} (${data.run.source})`],
      [data.scope.kind === "window" ? "Review period" : "Run", periodLabel(data)],
      ["Covered by", coveredBy(data)],
      ...(late === null ? [] : [["Warning", late, "text", "warning"] as Fact]),
      ["Status", data.run.status, undefined, data.run.status === "complete" ? undefined : "warning"],
      ...campaign,
      ...reviewSummaryFacts(data),
      ...remediationFacts(data),
      ...figures(data),
      ...removalSummaryFacts(data)
    ],
    data.quotas.length === 0 ? [] : [{
      title: ["Quota", "Used", "Limit", "Utilisation", "Limit reached"],
      rows: data.quotas.map((q) =>
        [
          [q.dimension, "text"],
          [q.used, "number"],
          [q.limit ?? "unlimited", q.limit === null ? "text" : "number"],
          [q.utilisation, "percent"],
          [limitReached(q, data.run.started_at), "text"]
        ] as ReadonlyArray<readonly [unknown, Kind]>
      )
    }]
  )
}

export const findingsSheet = (workbook: Workbook, data: ReportData) =>
  addSheet<FindingRow>(
    workbook,
    "Findings",
    data.run.source,
    [
      { header: "Severity", width: 10, value: (f) => f.severity },
      { header: "Rule", width: 24, value: (f) => f.rule_id },
      { header: "Entity", width: 32, wrap: true, value: (f) => f.entity_name ?? f.entity_id },
      { header: "Detail", width: 46, wrap: true, value: (f) => f.detail },
      { header: "First seen (UTC)", width: 12, kind: "date", value: (f) => f.first_seen_at },
      { header: "New", width: 6, kind: "boolean", value: (f) => isNewInWindow(data, f) },
      { header: "Suppressed", width: 10, kind: "boolean", value: (f) => f.suppressed },
      { header: "Suppression reason", width: 22, wrap: true, value: (f) => f.suppression_reason },
      { header: "Suppressed until (UTC)", width: 12, kind: "date", value: (f) => f.suppression_expires_at },
      { header: "Entity type", width: 12, id: true, value: (f) => f.entity_type },
      { header: "Entity id", width: 38, id: true, value: (f) => f.entity_id }
    ],
    data.findings,
    {
      empty: "No findings.",
      decorate: (row, f) => {
        const colour = SEVERITY_FILL[f.severity]
        if (colour) {
          const cell = row.getCell(1)
          cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: colour.fill } }
          cell.font = { ...FONT, bold: true, color: { argb: colour.font } }
        }
        if (f.suppressed) row.getCell(3).font = { ...FONT, italic: true, color: { argb: "FF777777" } }
      }
    }
  )

export const robotsSheet = (workbook: Workbook, data: ReportData) => {
  const { findingsOf } = reviewFacts(data)
  const tokensRead = collectionRead(data, "robot_tokens")
  return addSheet<TokenRow>(
    workbook,
    "Robots and tokens",
    data.run.source,
    [
      { header: "Robot", width: 22, value: (t) => t.robot_name },
      { header: "Robot role", width: 10, value: (t) => t.robot_role },
      {
        header: "Token",
        width: 10,
        value: (t) => (t.token_id !== null ? `…${t.token_suffix ?? "????"}` : tokensRead ? "(no tokens)" : "(not read)")
      },
      { header: "Token name", width: 26, wrap: true, value: (t) => t.name },
      { header: "Status", width: 9, value: (t) => t.status },
      { header: "Created (UTC)", width: 12, kind: "date", value: (t) => t.created_at },
      {
        header: "Expires (UTC)",
        width: 12,
        kind: "date",
        value: (t) => t.expires_at ?? (t.token_id === null ? null : "never")
      },
      {
        header: "Last used (UTC)",
        width: 12,
        kind: "date",
        value: (t) => (t.token_id === null ? null : lastActivity(t.last_used_at, t.last_used_reported !== false))
      },
      {
        header: "Findings",
        width: 36,
        wrap: true,
        value: (t) =>
          [...new Set([...(findingsOf.get(t.token_id ?? "") ?? []), ...(findingsOf.get(t.robot_id) ?? [])])].join(", ")
      },
      { header: "Robot id", width: 38, id: true, value: (t) => t.robot_id },
      { header: "Token id", width: 38, id: true, value: (t) => t.token_id }
    ],
    data.tokens,
    { empty: gapNote(data, "robots") }
  )
}

export const invitationsSheet = (workbook: Workbook, data: ReportData) => {
  const { findingsOf } = reviewFacts(data)
  return addSheet<InvitationRow>(
    workbook,
    "Invitations",
    data.run.source,
    [
      { header: "Email", width: 32, wrap: true, value: (i) => i.email },
      { header: "Role", width: 10, value: (i) => i.role },
      { header: "Status", width: 10, value: (i) => i.status },
      { header: "Sent (UTC)", width: 16, kind: "datetime", value: (i) => i.created_at },
      { header: "Expires (UTC)", width: 16, kind: "datetime", value: (i) => i.expires_at },
      { header: "Accepted (UTC)", width: 16, kind: "datetime", value: (i) => i.accepted_at },
      { header: "Revoked (UTC)", width: 16, kind: "datetime", value: (i) => i.revoked_at },
      { header: "Invited by", width: 20, value: (i) => i.invited_by_name ?? i.invited_by ?? "not reported" },
      { header: "Findings", width: 22, wrap: true, value: (i) => (findingsOf.get(i.id) ?? []).join(", ") },
      { header: "Invitation id", width: 38, id: true, value: (i) => i.id }
    ],
    data.invitations,
    { empty: gapNote(data, "invitations") }
  )
}

/**
 * Where the chart sits on the Quota history sheet: from the 8th column (counted from 0: 7), beside the data, over
 * columns of a known width (about 7 pixels per unit plus 5), so that the print area can cover exactly it.
 */
export const QUOTA_CHART = { column: 7, columnWidth: 12, columnPixels: 12 * 7 + 5, rowPixels: 20 } as const

export const quotaSheet = (
  workbook: Workbook,
  data: ReportData,
  chart: { readonly printArea: string; readonly columns: number } | null
) =>
  addSheet<QuotaPoint>(
    workbook,
    "Quota history",
    data.run.source,
    [
      { header: "Date (UTC)", width: 16, kind: "datetime", value: (p) => p.started_at },
      { header: "Run", width: 7, kind: "number", value: (p) => p.run_id },
      { header: "Dimension", width: 16, value: (p) => p.dimension },
      { header: "Used", width: 11, kind: "number", value: (p) => p.used },
      { header: "Limit", width: 11, kind: "number", value: (p) => p.limit },
      { header: "Utilisation", width: 10, kind: "percent", value: (p) => (p.limit ? (p.used ?? 0) / p.limit : null) }
    ],
    data.quotaHistory,
    {
      empty: gapNote(data, "plan_usage"),
      ...(chart === null
        ? {}
        : {
          printArea: chart.printArea,
          blankColumns: [2, ...Array.from({ length: chart.columns }, () => QUOTA_CHART.columnWidth)]
        })
    }
  )

export const runInfoSheet = (workbook: Workbook, data: ReportData) => {
  const { run } = data
  factSheet(workbook, "Run info", [
    ["Run id", run.run_id, "number"],
    ["Source", run.source],
    ["Workspace id", run.workspace_id],
    ["Workspace slug", run.workspace_slug],
    ["Workspace name", run.workspace_name],
    ["Started (UTC)", run.started_at, "datetime"],
    ["Finished (UTC)", run.finished_at, "datetime"],
    ["Status", run.status],
    data.scope.kind === "window"
      ? ["Window starts at run", data.baseline?.run_id ?? "none"]
      : ["Compared with run", data.baseline?.run_id ?? "none (first run)"],
    ["API calls", run.api_calls, "number"],
    ["API calls left this period", run.rate_limit_remaining, "number"],
    ["Tool version", run.tool_version],
    ["Content hash (sha256)", run.content_hash],
    ["Previous run's hash", run.previous_hash],
    ...data.coverage.map((c): Fact => [
      `Coverage: ${c.collection}`,
      `${c.status}${c.rows === null ? "" : ` (${c.rows} rows)`}${c.detail ? `: ${c.detail}` : ""}`,
      undefined,
      c.status === "forbidden" || c.status === "failed" ? "warning" : undefined
    ])
  ])
}
