/**
 * The top of `audit.md`, which is also the job summary: the title, one line of provenance, the warnings (history
 * starting after the period, coverage gaps) and "Needs attention": new findings by severity, admin grants, joiners
 * and leavers, coverage gaps. It fits one screen: each list is capped, the rest is further down or in the workbook.
 */
import { severities, severityRank } from "../../analyses/Severity.js"
import { isNewInWindow, type ReportData, workspaceLabel } from "../ReportData.js"
import { mdCode, mdText } from "../Text.js"
import { adminChangeHow, coveredBy, personName, plural, startsLateWarning, when } from "../Wording.js"
import { blocks, capped, Raw, table } from "./Blocks.js"

export const CAPS = { newFindings: 10, names: 8, grants: 5 } as const

export const title = (data: ReportData): string =>
  data.scope.kind === "window"
    ? `# Access review ${mdText(data.scope.label)}: ${mdText(workspaceLabel(data.run))}`
    : `# Access audit: ${mdText(workspaceLabel(data.run))}`

export const provenanceLine = (data: ReportData): string => {
  const { run } = data
  const dates = data.scope.kind === "window" && data.scope.dates
    ? ` (${data.scope.dates.start} to ${data.scope.dates.end})`
    : ""
  const what = data.scope.kind === "window" ? `Period ${mdText(data.scope.label)}${dates}, covered by` : "Covering"
  return `${what} ${coveredBy(data)} · ${mdText(run.source)} workspace ${
    mdCode(run.workspace_slug ?? run.workspace_id)
  } · **${run.status}**`
}

/** Bold, so no reader takes the first run's population for the period's start. */
export const warnings = (data: ReportData): string => {
  const late = startsLateWarning(data)
  const gaps = data.coverage.filter((c) => c.status === "forbidden" || c.status === "failed")
  return blocks(
    late === null ? null : `> [!WARNING]\n> **${late}**`,
    gaps.length === 0
      ? null
      : `> [!WARNING]\n> **${plural(gaps.length, "collection")} could not be read (${
        gaps.map((g) => `${mdText(g.collection)}: ${g.status}`).join(", ")
      }): this audit is incomplete, and nothing is inferred from them (no one is reported removed).**`
  )
}

const names = (people: ReadonlyArray<{ display_name: string | null; email: string | null; id: string }>) => {
  const shown = people.slice(0, CAPS.names).map((p) => mdText(personName(p))).join(", ")
  return people.length > CAPS.names ? `${shown} and ${people.length - CAPS.names} more` : shown
}

const findingsLine = (data: ReportData) => {
  const fresh = data.findings.filter((f) => !f.suppressed && isNewInWindow(data, f))
  if (fresh.length === 0) return "- 🆕 **New findings:** none"
  const counts = severities.slice().reverse().map((s) => [s, fresh.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`)
  return `- 🆕 **New findings:** ${counts.join(", ")}`
}

const adminLine = (data: ReportData) => {
  if (data.adminChanges.length === 0) return "- 🔑 **Admin access:** no grant or revocation"
  const { more, rows } = capped(data.adminChanges, CAPS.grants, "admin changes")
  const items = rows.map((c) =>
    `${c.kind} to ${mdText(personName(c))} (${mdText(adminChangeHow(c))}${
      c.actor_display_name ? `, by ${mdText(c.actor_display_name)}` : ""
    }${c.changed_at ? `, ${when(c.changed_at)}` : ""})`
  )
  return `- 🔑 **Admin access:** ${items.join("; ")}${
    more === "" ? "" : `; ${data.adminChanges.length - rows.length} more`
  }`
}

const peopleLines = (data: ReportData) => {
  const of = (status: string) => data.people.filter((p) => p.status === status)
  const [joined, left, moved] = [of("joined"), of("left"), of("role changed")]
  return [
    `- ➕ **Joined:** ${joined.length === 0 ? "none" : `${joined.length}: ${names(joined)}`}`,
    `- ➖ **Left:** ${left.length === 0 ? "none" : `${left.length}: ${names(left)}`}`,
    ...(moved.length === 0 ? [] : [`- 🔁 **Role changed:** ${moved.length}: ${names(moved)}`])
  ]
}

const coverageLine = (data: ReportData) => {
  const gaps = data.coverage.filter((c) => c.status === "forbidden" || c.status === "failed")
  return gaps.length === 0
    ? "- ✅ **Coverage:** every collection was read"
    : `- ⚠️ **Coverage gaps:** ${gaps.map((g) => `${mdText(g.collection)} (${g.status})`).join(", ")}`
}

/** The new findings of medium severity and above, one row each (the low and info ones are counted above). */
const newFindingsTable = (data: ReportData) => {
  const fresh = data.findings.filter((f) =>
    !f.suppressed && isNewInWindow(data, f) && severityRank(f.severity) >= severityRank("medium")
  )
  if (fresh.length === 0) return null
  const { more, rows } = capped(fresh, CAPS.newFindings, "new findings")
  return table(
    ["severity", "rule", "entity", "detail"],
    rows.map((f) => [f.severity, new Raw(mdCode(f.rule_id, { inTable: true })), f.entity_name ?? f.entity_id, f.detail])
  ) + more
}

export const needsAttention = (data: ReportData): string =>
  blocks(
    "## Needs attention",
    [findingsLine(data), adminLine(data), ...peopleLines(data), coverageLine(data)].join("\n"),
    newFindingsTable(data)
  )
