/**
 * The workbook's sheets about people: Access review (the end population, with its status and the columns to record
 * a decision), Privileged access (admins at both ends, grants and revocations, admin robots' tokens), Joiners,
 * movers and leavers (one row per person), and Members (both populations side by side).
 */
import type ExcelJS from "exceljs"
import type { DatabaseService } from "../../store/Database.js"
import {
  type AdminChangeRow,
  type AdminRow,
  type AdminTokenRow,
  endPopulationRows,
  type PersonRow,
  populationRows,
  type ReportData
} from "../ReportData.js"
import { adminChangeHow, lastActivity, NOT_REPORTED, personBy, personDate, personName, when } from "../Wording.js"
import { addSheet, type Column, stackedSheet, type Workbook } from "./Sheet.js"

/** What the Access review shows for each member beside the member: findings (a robot's include its tokens'). */
export const reviewFacts = (data: ReportData) => {
  const findingsOf = new Map<string, Array<string>>()
  for (const f of data.findings) {
    if (!f.suppressed && f.entity_id !== null) {
      findingsOf.set(f.entity_id, [...(findingsOf.get(f.entity_id) ?? []), f.rule_id])
    }
  }
  const activeTokens = new Map<string, number>()
  const lastUse = new Map<string, string>()
  const tokenFindings = new Map<string, Array<string>>()
  const usageUnreported = new Set<string>()
  for (const t of data.tokens) {
    if (t.status === "active") activeTokens.set(t.robot_id, (activeTokens.get(t.robot_id) ?? 0) + 1)
    if (t.last_used_at !== null && (lastUse.get(t.robot_id) ?? "") < t.last_used_at) {
      lastUse.set(t.robot_id, t.last_used_at)
    }
    if (t.last_used_reported === false) usageUnreported.add(t.robot_id)
    if (t.token_id !== null) {
      tokenFindings.set(t.robot_id, [...(tokenFindings.get(t.robot_id) ?? []), ...(findingsOf.get(t.token_id) ?? [])])
    }
  }
  const robotOf = new Map(data.tokens.map((t) => [t.robot_id, t.robot_id]))
  return {
    findingsOf,
    findings: (m: PersonRow) =>
      [
        ...new Set([
          ...(findingsOf.get(m.id) ?? []),
          ...(findingsOf.get(m.user_id ?? "") ?? []),
          ...(m.user_type === "robot" ? tokenFindings.get(m.user_id ?? "") ?? [] : [])
        ])
      ].join(", "),
    activeTokens: (m: PersonRow) => (m.user_type === "robot" ? activeTokens.get(m.user_id ?? "") ?? 0 : null),
    lastActivity: (m: PersonRow) =>
      m.user_type === "robot"
        ? robotOf.has(m.user_id ?? "") || lastUse.has(m.user_id ?? "")
          ? lastActivity(lastUse.get(m.user_id ?? "") ?? null, !usageUnreported.has(m.user_id ?? ""))
          : NOT_REPORTED
        : lastActivity(m.last_login_at, false)
  }
}

const decision: readonly [string, ExcelJS.DataValidation] = [
  "Decision",
  {
    type: "list",
    allowBlank: true,
    formulae: ["\"Keep,Remove\""],
    showErrorMessage: true,
    errorTitle: "Keep or Remove",
    error: "Choose Keep or Remove."
  }
]

const reviewedOn: readonly [string, ExcelJS.DataValidation] = [
  "Reviewed on",
  {
    type: "date",
    operator: "greaterThan",
    allowBlank: true,
    formulae: [new Date(Date.UTC(2000, 0, 1))],
    showErrorMessage: true,
    error: "Enter a date."
  }
]

export const accessReviewSheet = (workbook: Workbook, db: DatabaseService, data: ReportData) => {
  const facts = reviewFacts(data)
  const columns: ReadonlyArray<Column<PersonRow>> = [
    { header: "Type", width: 8, value: (m) => m.user_type },
    { header: "Name", width: 20, wrap: true, value: (m) => m.display_name },
    { header: "Email", width: 28, wrap: true, value: (m) => m.email },
    { header: "Role", width: 10, value: (m) => m.role_at_end },
    { header: "Status", width: 12, value: (m) => m.status },
    { header: "Access", width: 9, onlyFor: "transactionlink", value: (m) => m.access },
    { header: "Account status", width: 11, onlyFor: "transactionlink", value: (m) => m.user_status },
    { header: "Member since (UTC)", width: 12, kind: "date", value: (m) => m.created_at },
    { header: "Last activity (UTC)", width: 12, kind: "date", value: facts.lastActivity },
    { header: "Active tokens", width: 8, kind: "number", value: facts.activeTokens },
    { header: "Findings", width: 24, wrap: true, value: facts.findings },
    { header: "Decision", width: 10, value: () => null },
    { header: "Reviewer", width: 14, value: () => null },
    { header: "Reviewed on", width: 11, kind: "date", value: () => null },
    { header: "Comment", width: 22, wrap: true, value: () => null },
    { header: "Membership id", width: 38, id: true, value: (m) => m.id },
    { header: "User id", width: 38, id: true, value: (m) => m.user_id }
  ]
  return addSheet(workbook, "Access review", data.run.source, columns, endPopulationRows(db, data), {
    empty: "No members at the end of the window.",
    inputColumns: ["Decision", "Reviewer", "Reviewed on", "Comment"],
    validations: [decision, reviewedOn],
    bold: (m) => m.status !== "existing" || m.admin_at_end
  })
}

const yesNo = (b: boolean) => (b ? "yes" : "no")

export const privilegedSheet = (workbook: Workbook, data: ReportData) => {
  const start = data.baseline === null
    ? "no earlier run"
    : `run ${data.baseline.run_id}, ${when(data.baseline.started_at)}`
  const admins: ReadonlyArray<Column<AdminRow>> = [
    { header: "Name", width: 22, wrap: true, value: (a) => personName(a) },
    { header: "Email", width: 30, wrap: true, value: (a) => a.email },
    { header: "Type", width: 8, value: (a) => a.user_type },
    { header: "Role at start", width: 12, value: (a) => a.role_at_start },
    { header: "Role at end", width: 12, value: (a) => a.role_at_end },
    { header: "Admin at start", width: 10, kind: "boolean", value: (a) => yesNo(a.admin_at_start) },
    { header: "Admin at end", width: 10, kind: "boolean", value: (a) => yesNo(a.admin_at_end) },
    { header: "Access", width: 9, onlyFor: "transactionlink", value: (a) => a.access },
    { header: "Member since (UTC)", width: 12, kind: "date", value: (a) => a.created_at },
    { header: "Membership id", width: 38, id: true, value: (a) => a.id }
  ]
  const changes: ReadonlyArray<Column<AdminChangeRow>> = [
    { header: "Change", width: 22, value: (c) => c.kind },
    { header: "Name", width: 22, wrap: true, value: (c) => personName(c) },
    { header: "Email", width: 30, wrap: true, value: (c) => c.email },
    { header: "How", width: 16, wrap: true, value: adminChangeHow },
    { header: "By", width: 16, value: (c) => c.actor_display_name ?? NOT_REPORTED },
    { header: "When (UTC)", width: 16, kind: "datetime", value: (c) => c.changed_at ?? c.detected_at },
    { header: "Seen in run", width: 10, kind: "number", value: (c) => c.run_id },
    { header: "Membership id", width: 38, id: true, value: (c) => c.id }
  ]
  const tokens: ReadonlyArray<Column<AdminTokenRow>> = [
    { header: "Robot", width: 22, value: (t) => t.robot_name },
    {
      header: "Token",
      width: 30,
      value: (t) => (t.token_id === null ? "(no tokens)" : `${t.name ?? ""} …${t.token_suffix ?? "????"}`.trim())
    },
    { header: "Status at start", width: 12, value: (t) => t.status_at_start },
    { header: "Status at end", width: 12, value: (t) => t.status_at_end },
    { header: "Created (UTC)", width: 12, kind: "date", value: (t) => t.created_at },
    {
      header: "Expires (UTC)",
      width: 12,
      kind: "date",
      value: (t) => (t.token_id === null ? null : t.expires_at ?? "never")
    },
    {
      header: "Last used (UTC)",
      width: 12,
      kind: "date",
      value: (t) => (t.token_id === null ? null : lastActivity(t.last_used_at, t.last_used_reported !== false))
    },
    { header: "Robot id", width: 38, id: true, value: (t) => t.robot_id },
    { header: "Token id", width: 38, id: true, value: (t) => t.token_id }
  ]
  stackedSheet(workbook, "Privileged access", data.run.source, [
    {
      title: `Admins at the start (${start}) and at the end (run ${data.run.run_id}, ${when(data.run.started_at)})`,
      columns: admins as ReadonlyArray<Column<never>>,
      rows: data.admins,
      empty: "No admins."
    },
    {
      title: "Admin grants and revocations in the window",
      columns: changes as ReadonlyArray<Column<never>>,
      rows: data.adminChanges,
      empty: "None."
    },
    {
      title: "Tokens of admin robots",
      columns: tokens as ReadonlyArray<Column<never>>,
      rows: data.adminTokens,
      empty: "No robot is an admin."
    }
  ])
}

export const joinersSheet = (workbook: Workbook, data: ReportData) =>
  addSheet(
    workbook,
    "Joiners, movers, leavers",
    data.run.source,
    [
      { header: "Status", width: 14, value: (p) => p.status },
      { header: "Name", width: 22, wrap: true, value: (p) => p.display_name },
      { header: "Email", width: 30, wrap: true, value: (p) => p.email },
      { header: "Type", width: 8, value: (p) => p.user_type },
      { header: "Role before", width: 11, value: (p) => p.role_at_start },
      { header: "Role after", width: 11, value: (p) => p.role_at_end },
      { header: "Date (UTC)", width: 16, kind: "datetime", value: personDate },
      { header: "By", width: 20, value: personBy },
      { header: "Invited by", width: 20, value: (p) => p.invited_by },
      { header: "Joined (UTC)", width: 16, kind: "datetime", value: (p) => p.joined_at },
      { header: "Membership id", width: 38, id: true, value: (p) => p.id },
      { header: "User id", width: 38, id: true, value: (p) => p.user_id }
    ],
    data.people,
    {
      empty: data.baseline === null
        ? "The first run of this workspace: nothing to compare with."
        : "No one joined, left or changed role."
    }
  )

export const membersSheet = (workbook: Workbook, db: DatabaseService, data: ReportData) =>
  addSheet(
    workbook,
    "Members",
    data.run.source,
    [
      { header: "Name", width: 22, wrap: true, value: (m) => m.display_name },
      { header: "Email", width: 30, wrap: true, value: (m) => m.email },
      { header: "Type", width: 8, value: (m) => m.user_type },
      { header: "Role at start", width: 12, value: (m) => m.role_at_start },
      { header: "Role at end", width: 12, value: (m) => m.role_at_end },
      { header: "Status", width: 12, value: (m) => m.status },
      { header: "Access", width: 9, onlyFor: "transactionlink", value: (m) => m.access },
      { header: "Organisation role", width: 12, onlyFor: "transactionlink", value: (m) => m.org_role },
      { header: "Account status", width: 11, onlyFor: "transactionlink", value: (m) => m.user_status },
      { header: "Created (UTC)", width: 12, kind: "date", value: (m) => m.created_at },
      {
        header: "Last login (UTC)",
        width: 12,
        kind: "date",
        onlyFor: "transactionlink",
        value: (m) => lastActivity(m.last_login_at, false)
      },
      { header: "Membership id", width: 38, id: true, value: (m) => m.id },
      { header: "User id", width: 38, id: true, value: (m) => m.user_id }
    ],
    populationRows(db, data),
    { empty: "No members at either end of the window." }
  )
