/**
 * `audit.xlsx`: the access-review workbook. Every sheet has a styled, frozen header row with filters, sensible
 * widths, dates stored as dates and numbers as numbers; findings are coloured by severity; the Access review sheet
 * lists every member and robot with a Keep/Remove drop-down and columns to record the review. Written with exceljs's
 * streaming writer, so a 50,000-member workspace is written row by row in bounded memory.
 */
import { Effect, Stream } from "effect"
import ExcelJS from "exceljs"
import type { SourceName } from "../snapshot/Records.js"
import type { DatabaseService } from "../store/Database.js"
import { memberRows, type MemberRow, type ReportData, ReportError, summarize, workspaceLabel } from "./ReportData.js"

type Kind = "text" | "number" | "date" | "datetime" | "percent" | "boolean"

interface Column<R> {
  readonly header: string
  readonly width: number
  readonly kind?: Kind
  readonly value: (row: R) => unknown
  /** A column only one source fills (organisation roles, inherited access): left out for the others, not left empty. */
  readonly onlyFor?: SourceName
}

const HEADER_FILL = "FF1F3A5F"
/** Columns a reviewer fills in: an amber header over pale cells, apart from the data. */
const INPUT_HEADER_FILL = "FF8D6E00"
const INPUT_FILL = "FFFFF8E1"
const SEVERITY_FILL: Record<string, { fill: string; font: string }> = {
  critical: { fill: "FF6A1B9A", font: "FFFFFFFF" },
  high: { fill: "FFC62828", font: "FFFFFFFF" },
  medium: { fill: "FFEF6C00", font: "FFFFFFFF" },
  low: { fill: "FFFFE082", font: "FF000000" },
  info: { fill: "FFBBDEFB", font: "FF000000" }
}
const FORMATS: Partial<Record<Kind, string>> = {
  date: "yyyy-mm-dd",
  datetime: "yyyy-mm-dd hh:mm",
  percent: "0%",
  number: "#,##0"
}

/**
 * Dates and flags centred, numbers right-aligned with a space before the next column: a right-aligned value next to
 * a left-aligned one otherwise reads as one ("2026-03-31 robot.idle", "1 api_calls").
 */
const ALIGN: Partial<Record<Kind, Partial<ExcelJS.Alignment>>> = {
  date: { horizontal: "center" },
  datetime: { horizontal: "center" },
  boolean: { horizontal: "center" },
  number: { horizontal: "right", indent: 1 },
  percent: { horizontal: "right", indent: 1 }
}

/** Printed (or saved as PDF): landscape, every column on the page, the header repeated on each page. */
const PRINT: Partial<ExcelJS.PageSetup> = {
  orientation: "landscape",
  fitToPage: true,
  fitToWidth: 1,
  fitToHeight: 0,
  printTitlesRow: "1:1"
}

const cellValue = (kind: Kind, value: unknown): ExcelJS.CellValue => {
  if (value === null || value === undefined || value === "") return null
  switch (kind) {
    case "date":
    case "datetime": {
      const ms = typeof value === "string" ? Date.parse(value) : Number.NaN
      return Number.isNaN(ms) ? String(value) : new Date(ms)
    }
    case "number":
    case "percent":
      return typeof value === "number" ? value : Number(value)
    case "boolean":
      return value === true ? "yes" : value === false ? "no" : String(value)
    case "text":
      return typeof value === "object" ? JSON.stringify(value) : String(value)
  }
}

/** exceljs's streaming worksheet keeps its data validations here (missing from its type declarations). */
interface WithValidations {
  readonly dataValidations: { add: (address: string, validation: ExcelJS.DataValidation) => void }
}

interface SheetOptions<R> {
  /** A line in italics when there are no rows: why. */
  readonly empty?: string
  readonly decorate?: (row: ExcelJS.Row, item: R) => void
  /** Whole-column validations, given the row count: [column number, validation]. */
  readonly validations?: ReadonlyArray<readonly [number, ExcelJS.DataValidation]>
  /** Columns for the reader to fill in (numbers from 1). */
  readonly inputColumns?: ReadonlyArray<number>
}

const forSource = <R>(source: string, columns: ReadonlyArray<Column<R>>): Array<Column<R>> =>
  columns.filter((c) => c.onlyFor === undefined || c.onlyFor === source)

/** One sheet, row by row: rows are committed as they are written, so a large sheet never sits in memory. */
const addSheet = <R>(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  columns: ReadonlyArray<Column<R>>,
  rows: ReadonlyArray<R> | Stream.Stream<ReadonlyArray<R>, ReportError>,
  options: SheetOptions<R> = {}
): Effect.Effect<number, ReportError> =>
  Effect.gen(function*() {
    const sheet = workbook.addWorksheet(name, { views: [{ state: "frozen", ySplit: 1 }], pageSetup: PRINT })
    sheet.columns = columns.map((c, i) => {
      const kind = c.kind ?? "text"
      return {
        header: c.header,
        key: `c${i}`,
        // Never narrower than the bold header plus its filter button, which would hide the header's end.
        width: Math.max(c.width, c.header.length + 4),
        style: { ...(FORMATS[kind] ? { numFmt: FORMATS[kind] } : {}), ...(ALIGN[kind] ? { alignment: ALIGN[kind] } : {}) }
      }
    })
    const header = sheet.getRow(1)
    header.font = { bold: true, color: { argb: "FFFFFFFF" } }
    header.fill = { type: "pattern", pattern: "solid", fgColor: { argb: HEADER_FILL } }
    columns.forEach((c, i) => {
      header.getCell(i + 1).alignment = { vertical: "middle", ...ALIGN[c.kind ?? "text"] }
    })
    for (const column of options.inputColumns ?? []) {
      header.getCell(column).fill = { type: "pattern", pattern: "solid", fgColor: { argb: INPUT_HEADER_FILL } }
    }
    header.height = 20
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } }
    header.commit()
    let count = 0
    const write = (item: R) => {
      const row = sheet.addRow(columns.map((c) => cellValue(c.kind ?? "text", c.value(item))))
      for (const column of options.inputColumns ?? []) {
        row.getCell(column).fill = { type: "pattern", pattern: "solid", fgColor: { argb: INPUT_FILL } }
      }
      options.decorate?.(row, item)
      row.commit()
      count++
    }
    if (Array.isArray(rows)) (rows as ReadonlyArray<R>).forEach(write)
    else yield* Stream.runForEach(rows as Stream.Stream<ReadonlyArray<R>, ReportError>, (chunk) => Effect.sync(() => chunk.forEach(write)))
    if (count === 0 && options.empty) {
      const row = sheet.addRow([options.empty])
      row.font = { italic: true, color: { argb: "FF666666" } }
      row.commit()
    }
    // One validation per column range, not one per cell: small files, and nothing held per row.
    if (count > 0) {
      for (const [column, validation] of options.validations ?? []) {
        const letter = sheet.getColumn(column).letter
        ;(sheet as unknown as WithValidations).dataValidations.add(`${letter}2:${letter}${count + 1}`, validation)
      }
    }
    sheet.commit()
    return count
  })

const keyValueSheet = (workbook: ExcelJS.stream.xlsx.WorkbookWriter, name: string, rows: ReadonlyArray<[string, unknown, Kind?]>) => {
  const sheet = workbook.addWorksheet(name, { views: [{ state: "frozen", ySplit: 1 }], pageSetup: PRINT })
  sheet.columns = [
    { header: "Item", key: "item", width: 34 },
    { header: "Value", key: "value", width: 90 }
  ]
  const header = sheet.getRow(1)
  header.font = { bold: true, color: { argb: "FFFFFFFF" } }
  header.fill = { type: "pattern", pattern: "solid", fgColor: { argb: HEADER_FILL } }
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: 2 } }
  header.commit()
  for (const [label, value, kind] of rows) {
    const row = sheet.addRow([label, cellValue(kind ?? "text", value)])
    row.getCell(1).font = { bold: true }
    if (kind && FORMATS[kind]) row.getCell(2).numFmt = FORMATS[kind]!
    row.getCell(2).alignment = { wrapText: true, vertical: "top", horizontal: "left" }
    row.commit()
  }
  sheet.commit()
}

export const writeWorkbook = (
  db: DatabaseService,
  data: ReportData,
  path: string
): Effect.Effect<void, ReportError> =>
  Effect.gen(function*() {
    const { run } = data
    const s = summarize(data)
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true, useSharedStrings: false })
    workbook.creator = "ptolemy-audit"
    // The run's own time, so that the same data gives the same workbook contents.
    workbook.created = workbook.modified = new Date(run.started_at)
    const live = data.findings.filter((f) => !f.suppressed)
    const findingsOf = new Map<string, Array<string>>()
    for (const f of live) {
      if (f.entity_id !== null) findingsOf.set(f.entity_id, [...(findingsOf.get(f.entity_id) ?? []), f.rule_id])
    }
    const applicable = (collection: string) => data.coverage.find((c) => c.collection === collection)?.status

    const gapNote = (collection: string) => {
      const status = applicable(collection)
      return status === "not_applicable"
        ? "Not applicable to this source."
        : status === "complete"
        ? "None."
        : `Not read in this run (${status}): see Run info.`
    }

    // Summary
    keyValueSheet(workbook, "Summary", [
      ["Workspace", `${workspaceLabel(run)} (${run.source})`],
      [data.scope.kind === "window" ? "Review period" : "Run", data.scope.kind === "window" ? `${data.scope.label} (runs ${data.baseline?.run_id ?? "?"} to ${run.run_id})` : `run ${run.run_id}`],
      ["Snapshot taken", run.started_at, "datetime"],
      ["Status", run.status],
      ["Members", s.members, "number"],
      ["Human members", s.humans, "number"],
      ["Robot members", s.robots, "number"],
      ["Admins", s.admins, "number"],
      ["Active robot tokens", s.active_tokens, "number"],
      ["Pending invitations", s.pending_invitations, "number"],
      ["Findings: critical", s.findings.critical, "number"],
      ["Findings: high", s.findings.high, "number"],
      ["Findings: medium", s.findings.medium, "number"],
      ["Findings: low", s.findings.low, "number"],
      ["Findings: info", s.findings.info, "number"],
      ["Findings new since the previous run", s.findings.new, "number"],
      ["Findings suppressed", s.findings.suppressed, "number"],
      [data.scope.kind === "window" ? "Changes in the period" : "Changes since the previous run", s.changes, "number"],
      ["Coverage gaps", s.coverage_gaps, "number"],
      ...data.quotas.map((q): [string, unknown, Kind?] => [
        `Quota: ${q.dimension}`,
        `${q.used ?? "?"} of ${q.limit ?? "unlimited"}${q.utilisation === null ? "" : ` (${Math.round(q.utilisation * 100)}%)`}${
          q.projected_exhaustion_at ? `; limit reached around ${q.projected_exhaustion_at.slice(0, 10)}` : ""
        }`
      ])
    ])

    yield* addSheet(
      workbook,
      "Findings",
      [
        { header: "Severity", width: 11, value: (f) => f.severity },
        { header: "Rule", width: 26, value: (f) => f.rule_id },
        { header: "Entity type", width: 13, value: (f) => f.entity_type },
        { header: "Entity", width: 44, value: (f) => f.entity_name ?? f.entity_id },
        { header: "Detail", width: 70, value: (f) => f.detail },
        { header: "First seen", width: 12, kind: "date", value: (f) => f.first_seen_at },
        { header: "New", width: 7, kind: "boolean", value: (f) => f.is_new },
        { header: "Suppressed", width: 12, kind: "boolean", value: (f) => f.suppressed },
        { header: "Suppression reason", width: 36, value: (f) => f.suppression_reason },
        { header: "Suppressed until", width: 14, kind: "date", value: (f) => f.suppression_expires_at },
        { header: "Entity id", width: 38, value: (f) => f.entity_id }
      ],
      data.findings,
      {
        empty: "No findings.",
        decorate: (row, f) => {
          const colour = SEVERITY_FILL[f.severity]
          if (colour) {
            const cell = row.getCell(1)
            cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: colour.fill } }
            cell.font = { bold: true, color: { argb: colour.font } }
          }
          if (f.suppressed) row.getCell(4).font = { italic: true, color: { argb: "FF777777" } }
        }
      }
    )

    yield* addSheet(
      workbook,
      "Changes",
      forSource<(typeof data.changes)[number]>(run.source, [
        { header: "Detected", width: 17, kind: "datetime", value: (c) => c.detected_at },
        { header: "Run", width: 7, kind: "number", value: (c) => c.run_id },
        { header: "Change", width: 22, value: (c) => c.change_type },
        { header: "Entity type", width: 13, value: (c) => c.entity_type },
        { header: "Entity", width: 36, value: (c) => c.entity_name ?? c.entity_id },
        { header: "Before", width: 22, value: (c) => c.old_value },
        { header: "After", width: 22, value: (c) => c.new_value },
        // Who and when come from the access log, which only Ptolemy has.
        { header: "By", width: 24, onlyFor: "ptolemy", value: (c) => c.actor_display_name },
        { header: "Changed at", width: 17, kind: "datetime", onlyFor: "ptolemy", value: (c) => c.changed_at },
        { header: "Entity id", width: 38, value: (c) => c.entity_id }
      ]),
      data.changes,
      { empty: data.baseline ? "No changes." : "The first run of this workspace: nothing to compare with." }
    )

    // A review period also gets its net effect: what differs between its start and its end.
    if (data.scope.kind === "window") {
      yield* addSheet(
        workbook,
        "Net changes",
        [
          { header: "Change", width: 22, value: (c) => c.change_type },
          { header: "Entity type", width: 13, value: (c) => c.entity_type },
          { header: "Entity", width: 40, value: (c) => c.entity_name ?? c.entity_id },
          { header: "Before", width: 22, value: (c) => c.old_value },
          { header: "After", width: 22, value: (c) => c.new_value },
          { header: "Entity id", width: 38, value: (c) => c.entity_id }
        ],
        data.netChanges,
        { empty: `No net change between run ${data.baseline?.run_id ?? "?"} and run ${run.run_id}.` }
      )
    }

    // Access review: one line per member (robots included), ready for a keep/remove decision.
    const activeTokens = new Map<string, number>()
    for (const t of data.tokens) if (t.status === "active") activeTokens.set(t.robot_id, (activeTokens.get(t.robot_id) ?? 0) + 1)
    // A robot is reviewed with what its tokens show (never used, no expiry...), not only its own findings.
    const tokenFindings = new Map<string, Array<string>>()
    for (const t of data.tokens) {
      if (t.token_id !== null) tokenFindings.set(t.robot_id, [...(tokenFindings.get(t.robot_id) ?? []), ...(findingsOf.get(t.token_id) ?? [])])
    }
    const findingsOfMember = (m: MemberRow) =>
      [...new Set([
        ...(findingsOf.get(m.id) ?? []),
        ...(findingsOf.get(m.user_id ?? "") ?? []),
        ...(m.user_type === "robot" ? tokenFindings.get(m.user_id ?? "") ?? [] : [])
      ])].join(", ")
    const lastUse = new Map<string, string>()
    for (const t of data.tokens) {
      if (t.last_used_at !== null && (lastUse.get(t.robot_id) ?? "") < t.last_used_at) lastUse.set(t.robot_id, t.last_used_at)
    }
    const reviewColumns: Array<Column<MemberRow>> = forSource(run.source, [
      { header: "Type", width: 8, value: (m) => m.user_type },
      { header: "Name", width: 28, value: (m) => m.display_name },
      { header: "Email", width: 40, value: (m) => m.email },
      { header: "Role", width: 16, value: (m) => m.role },
      { header: "Access", width: 10, onlyFor: "transactionlink", value: (m) => m.access },
      { header: "Account status", width: 14, onlyFor: "transactionlink", value: (m) => m.user_status },
      { header: "Member since", width: 13, kind: "date", value: (m) => m.created_at },
      { header: "Last activity", width: 13, kind: "date", value: (m) => (m.user_type === "robot" ? lastUse.get(m.user_id ?? "") : m.last_login_at) },
      { header: "Active tokens", width: 13, kind: "number", value: (m) => (m.user_type === "robot" ? activeTokens.get(m.user_id ?? "") ?? 0 : null) },
      { header: "Findings", width: 50, value: findingsOfMember },
      { header: "Decision", width: 11, value: () => null },
      { header: "Reviewer", width: 20, value: () => null },
      { header: "Reviewed on", width: 13, kind: "date", value: () => null },
      { header: "Comment", width: 40, value: () => null },
      { header: "Membership id", width: 38, value: (m) => m.id }
    ])
    const decisionColumn = reviewColumns.findIndex((c) => c.header === "Decision") + 1
    const reviewedOnColumn = reviewColumns.findIndex((c) => c.header === "Reviewed on") + 1
    const inputColumns = ["Decision", "Reviewer", "Reviewed on", "Comment"].map((h) => reviewColumns.findIndex((c) => c.header === h) + 1)
    yield* addSheet(workbook, "Access review", reviewColumns, memberRows(db, run.run_id), {
      empty: gapNote("members"),
      inputColumns,
      validations: [
        [decisionColumn, {
          type: "list",
          allowBlank: true,
          formulae: ["\"Keep,Remove\""],
          showErrorMessage: true,
          errorTitle: "Keep or Remove",
          error: "Choose Keep or Remove."
        }],
        [reviewedOnColumn, {
          type: "date",
          operator: "greaterThan",
          allowBlank: true,
          formulae: [new Date(Date.UTC(2000, 0, 1))],
          showErrorMessage: true,
          error: "Enter a date."
        }]
      ]
    })

    yield* addSheet(
      workbook,
      "Members",
      forSource<MemberRow>(run.source, [
        { header: "Membership id", width: 38, value: (m) => m.id },
        { header: "User id", width: 38, value: (m) => m.user_id },
        { header: "Type", width: 8, value: (m) => m.user_type },
        { header: "Name", width: 28, value: (m) => m.display_name },
        { header: "Email", width: 40, value: (m) => m.email },
        { header: "Role", width: 16, value: (m) => m.role },
        { header: "Access", width: 10, onlyFor: "transactionlink", value: (m) => m.access },
        { header: "Organisation role", width: 16, onlyFor: "transactionlink", value: (m) => m.org_role },
        { header: "Account status", width: 14, onlyFor: "transactionlink", value: (m) => m.user_status },
        { header: "Created", width: 13, kind: "date", value: (m) => m.created_at },
        { header: "Last login", width: 13, kind: "date", onlyFor: "transactionlink", value: (m) => m.last_login_at }
      ]),
      memberRows(db, run.run_id),
      { empty: gapNote("members") }
    )

    const tokensRead = applicable("robot_tokens") === "complete"
    yield* addSheet(
      workbook,
      "Robots and tokens",
      [
        { header: "Robot", width: 26, value: (t) => t.robot_name },
        { header: "Robot role", width: 11, value: (t) => t.robot_role },
        {
          header: "Token",
          width: 12,
          value: (t) => (t.token_id !== null ? `…${t.token_suffix ?? "????"}` : tokensRead ? "(no tokens)" : "(not read)")
        },
        { header: "Token name", width: 24, value: (t) => t.name },
        { header: "Status", width: 10, value: (t) => t.status },
        { header: "Created", width: 13, kind: "date", value: (t) => t.created_at },
        { header: "Expires", width: 13, kind: "date", value: (t) => t.expires_at ?? (t.token_id === null ? null : "never") },
        { header: "Last used", width: 13, kind: "date", value: (t) => (t.last_used_reported === false ? "not reported" : t.last_used_at) },
        {
          header: "Findings",
          width: 56,
          value: (t) => [...new Set([...(findingsOf.get(t.token_id ?? "") ?? []), ...(findingsOf.get(t.robot_id) ?? [])])].join(", ")
        },
        { header: "Robot id", width: 38, value: (t) => t.robot_id },
        { header: "Token id", width: 38, value: (t) => t.token_id }
      ],
      data.tokens,
      { empty: gapNote("robots") }
    )

    yield* addSheet(
      workbook,
      "Invitations",
      [
        { header: "Email", width: 40, value: (i) => i.email },
        { header: "Role", width: 16, value: (i) => i.role },
        { header: "Status", width: 11, value: (i) => i.status },
        { header: "Sent", width: 17, kind: "datetime", value: (i) => i.created_at },
        { header: "Expires", width: 17, kind: "datetime", value: (i) => i.expires_at },
        { header: "Accepted", width: 17, kind: "datetime", value: (i) => i.accepted_at },
        { header: "Revoked", width: 17, kind: "datetime", value: (i) => i.revoked_at },
        { header: "Invited by (membership)", width: 38, value: (i) => i.invited_by },
        { header: "Findings", width: 30, value: (i) => (findingsOf.get(i.id) ?? []).join(", ") },
        { header: "Invitation id", width: 38, value: (i) => i.id }
      ],
      data.invitations,
      { empty: gapNote("invitations") }
    )

    yield* addSheet(
      workbook,
      "Quota history",
      [
        { header: "Date", width: 17, kind: "datetime", value: (p) => p.started_at },
        { header: "Run", width: 7, kind: "number", value: (p) => p.run_id },
        { header: "Dimension", width: 16, value: (p) => p.dimension },
        { header: "Used", width: 12, kind: "number", value: (p) => p.used },
        { header: "Limit", width: 12, kind: "number", value: (p) => p.limit },
        { header: "Utilisation", width: 12, kind: "percent", value: (p) => (p.limit ? (p.used ?? 0) / p.limit : null) }
      ],
      data.quotaHistory,
      { empty: gapNote("plan_usage") }
    )

    keyValueSheet(workbook, "Run info", [
      ["Run id", run.run_id, "number"],
      ["Source", run.source],
      ["Workspace id", run.workspace_id],
      ["Workspace slug", run.workspace_slug],
      ["Workspace name", run.workspace_name],
      ["Started", run.started_at, "datetime"],
      ["Finished", run.finished_at, "datetime"],
      ["Status", run.status],
      data.scope.kind === "window"
        ? ["Window starts at run", data.baseline?.run_id ?? "none"]
        : ["Compared with run", data.baseline?.run_id ?? "none (first run)"],
      ["API calls", run.api_calls, "number"],
      ["API calls left this period", run.rate_limit_remaining, "number"],
      ["Tool version", run.tool_version],
      ["Content hash (sha256)", run.content_hash],
      ["Previous run's hash", run.previous_hash],
      ...data.coverage.map((c): [string, unknown] => [
        `Coverage: ${c.collection}`,
        `${c.status}${c.rows === null ? "" : ` (${c.rows} rows)`}${c.detail ? `: ${c.detail}` : ""}`
      ])
    ])

    yield* Effect.tryPromise({
      try: () => workbook.commit(),
      catch: (cause) => new ReportError({ message: `Could not finish the workbook: ${String(cause)}`, cause })
    })
  }).pipe(Effect.withSpan("Reports.workbook", { attributes: { runId: data.run.run_id } }))
