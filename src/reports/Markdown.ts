/**
 * `audit.md`: the report in GitHub Markdown, for the job summary and for reading on GitHub. Deterministic: the same
 * stored data gives the same bytes (only the run's own times appear).
 */
import { type ReportData, summarize, workspaceLabel } from "./ReportData.js"

const severities = ["critical", "high", "medium", "low", "info"] as const

/** A table cell: one line, pipes escaped. */
const cell = (value: unknown): string =>
  value === null || value === undefined || value === ""
    ? "–"
    : String(value).replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ")

const table = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<unknown>>): string =>
  [
    `| ${headers.join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`)
  ].join("\n")

/** `2026-04-05 09:00 UTC` (the report's own style for times). */
export const when = (iso: string | null | undefined): string =>
  iso === null || iso === undefined ? "–" : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
export const day = (iso: string | null | undefined): string => (iso === null || iso === undefined ? "–" : iso.slice(0, 10))

/** Why a section has nothing to show when its collection was not read completely, or null when it was. */
const notRead = (data: ReportData, collection: string): string | null => {
  const status = data.coverage.find((c) => c.collection === collection)?.status
  return status === "complete"
    ? null
    : status === "not_applicable"
    ? `Not applicable to this source (${data.run.source} has no ${collection.replace("_", " ")}).`
    : `Not read in this run (${collection}: ${status ?? "missing"}; see Coverage).`
}

/** A Mermaid string: its own quotes would end it early. */
const mermaidText = (text: string) => text.replace(/"/g, "'")

const percent = (ratio: number | null) => (ratio === null ? "–" : `${Math.round(ratio * 100)}%`)
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/** At most this many rows per table; the workbook and JSON have them all. */
const MAX_ROWS = 100

const capped = <A>(rows: ReadonlyArray<A>, what: string): [ReadonlyArray<A>, string] =>
  rows.length <= MAX_ROWS
    ? [rows, ""]
    : [rows.slice(0, MAX_ROWS), `\n\n_${rows.length - MAX_ROWS} more ${what} are in audit.xlsx and findings.json._`]

const quotaCharts = (data: ReportData): string => {
  const byDimension = new Map<string, Array<{ at: string; used: number; limit: number | null }>>()
  for (const p of data.quotaHistory) {
    if (p.used === null) continue
    const list = byDimension.get(p.dimension) ?? []
    list.push({ at: p.started_at, used: p.used, limit: p.limit })
    byDimension.set(p.dimension, list)
  }
  const charts: Array<string> = []
  for (const [dimension, all] of [...byDimension].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (all.length < 2) continue
    // At most 30 points, evenly spread, always ending at the run itself.
    const step = Math.ceil(all.length / 30)
    const points = all.filter((_, i) => (all.length - 1 - i) % step === 0)
    const limit = points[points.length - 1]!.limit
    const peak = Math.max(...points.map((p) => p.used))
    // A limit far above the series would flatten it to the axis: then the limit is only named in the title.
    const drawLimit = limit !== null && peak >= limit * 0.2
    const top = drawLimit ? Math.max(peak, limit) : peak
    charts.push(
      [
        "```mermaid",
        "xychart-beta",
        `  title "${mermaidText(dimension)}${limit === null ? "" : ` (limit ${limit})`}"`,
        `  x-axis [${points.map((p) => `"${p.at.slice(5, 10)}"`).join(", ")}]`,
        `  y-axis "used" 0 --> ${Math.ceil(top * 1.1) || 1}`,
        `  line [${points.map((p) => p.used).join(", ")}]`,
        ...(drawLimit ? [`  line [${points.map(() => limit).join(", ")}]`] : []),
        "```"
      ].join("\n")
    )
  }
  return charts.join("\n\n")
}

export const renderMarkdown = (data: ReportData): string => {
  const { run } = data
  const s = summarize(data)
  const title = data.scope.kind === "window"
    ? `Access review ${data.scope.label}: ${workspaceLabel(run)}`
    : `Access audit: ${workspaceLabel(run)}`
  const out: Array<string> = [`# ${title}`, ""]

  // Provenance
  out.push(
    `Run **${run.run_id}** of ${run.source} workspace \`${run.workspace_slug ?? run.workspace_id}\`, ` +
      `${when(run.started_at)}, **${run.status}**` +
      (data.scope.kind === "window" && data.baseline
        ? `; changes since run ${data.baseline.run_id} (${when(data.baseline.started_at)})`
        : data.baseline
        ? `; compared with run ${data.baseline.run_id} (${when(data.baseline.started_at)})`
        : "; the first run of this workspace"),
    "",
    table(
      ["", ""],
      [
        ["Workspace", `${workspaceLabel(run)} (${run.workspace_id})`],
        ["Source", run.source],
        ["Snapshot", `${when(run.started_at)} to ${when(run.finished_at)}`],
        [
          "API calls",
          `${run.api_calls ?? "–"}${
            run.rate_limit_remaining === null ? "" : ` (${run.rate_limit_remaining.toLocaleString("en-US")} left this billing period)`
          }`
        ],
        ["Tool", `ptolemy-audit ${run.tool_version ?? "?"}`],
        ["Content hash", run.content_hash ? `\`${run.content_hash}\`` : "–"],
        ["Previous hash", run.previous_hash ? `\`${run.previous_hash}\`` : "–"]
      ]
    ),
    "",
    "### Coverage",
    "",
    table(
      ["collection", "status", "rows", "detail"],
      data.coverage.map((c) => [
        c.collection,
        c.status === "complete" ? "✅ complete" : c.status === "not_applicable" ? "not applicable" : `⚠️ ${c.status}`,
        c.rows,
        c.detail
      ])
    ),
    ""
  )
  if (s.coverage_gaps > 0) {
    out.push(
      `> [!WARNING]`,
      `> ${plural(s.coverage_gaps, "collection")} could not be read: this audit is incomplete, and nothing is inferred from them (no one is reported removed).`,
      ""
    )
  }

  // Summary
  out.push(
    "## Summary",
    "",
    table(
      ["", ""],
      [
        ["Members", `${s.members} (${s.humans} human, ${s.robots} robot)`],
        ["Admins", s.admins],
        ["Active robot tokens", s.active_tokens],
        ["Pending invitations", s.pending_invitations],
        [
          "Findings",
          `${severities.filter((v) => s.findings[v] > 0).map((v) => `${s.findings[v]} ${v}`).join(", ") || "none"}` +
            ` (${s.findings.new} new${s.findings.suppressed > 0 ? `, ${s.findings.suppressed} suppressed` : ""})`
        ],
        [data.scope.kind === "window" ? "Changes in the window" : "Changes since the previous run", s.changes]
      ]
    ),
    ""
  )

  // Findings by severity
  out.push("## Findings", "")
  const live = data.findings.filter((f) => !f.suppressed)
  if (live.length === 0) out.push("No findings.", "")
  for (const severity of severities) {
    const hits = live.filter((f) => f.severity === severity)
    if (hits.length === 0) continue
    const [shown, more] = capped(hits, "findings")
    out.push(
      `### ${severity.charAt(0).toUpperCase()}${severity.slice(1)} (${hits.length})`,
      "",
      table(
        ["rule", "entity", "detail", "first seen", "new"],
        shown.map((f) => [`\`${f.rule_id}\``, f.entity_name ?? f.entity_id, f.detail, day(f.first_seen_at), f.is_new ? "🆕 new" : " "])
      ) + more,
      ""
    )
  }
  const suppressed = data.findings.filter((f) => f.suppressed)
  if (suppressed.length > 0) {
    out.push(
      `### Suppressed (${suppressed.length})`,
      "",
      table(
        ["rule", "entity", "reason", "until"],
        suppressed.map((f) => [`\`${f.rule_id}\``, f.entity_name ?? f.entity_id, f.suppression_reason, day(f.suppression_expires_at)])
      ),
      ""
    )
  }

  // Changes
  const since = data.baseline ? `run ${data.baseline.run_id} (${day(data.baseline.started_at)})` : "the first run"
  out.push(data.scope.kind === "window" ? `## Changes during ${data.scope.label}` : `## Changes since ${since}`, "")
  if (data.scope.kind === "window") {
    out.push(
      `Net effect from ${since} to run ${run.run_id} (${day(run.started_at)}): ${plural(data.netChanges.length, "change")}.`,
      ""
    )
    if (data.netChanges.length > 0) {
      const [shown, more] = capped(data.netChanges, "net changes")
      out.push(
        table(["change", "entity", "before", "after"], shown.map((c) => [c.change_type, c.entity_name ?? c.entity_id, c.old_value, c.new_value])) + more,
        ""
      )
    }
    out.push(`Every change between consecutive runs in the window: ${plural(data.changes.length, "change")}.`, "")
  }
  if (data.changes.length === 0) {
    out.push(data.baseline ? "No changes." : "No earlier run to compare with: this run is the baseline.", "")
  } else {
    const [shown, more] = capped(data.changes, "changes")
    out.push(
      table(
        ["detected", "change", "entity", "before", "after", "by"],
        shown.map((c) => [day(c.detected_at), c.change_type, c.entity_name ?? c.entity_id, c.old_value, c.new_value, c.actor_display_name])
      ) + more,
      ""
    )
  }

  // Stale tokens
  const staleRules = new Set(["token.unused", "token.never_used", "token.no_expiry", "token.long_lived", "token.old", "token.expiring"])
  const staleIds = new Set(live.filter((f) => staleRules.has(f.rule_id)).map((f) => f.entity_id))
  const stale = data.tokens.filter((t) => t.token_id !== null && staleIds.has(t.token_id))
  out.push("## Stale and risky tokens", "")
  const tokensNotRead = notRead(data, "robot_tokens")
  if (tokensNotRead !== null) {
    out.push(tokensNotRead, "")
  } else if (stale.length === 0) {
    out.push("None.", "")
  } else {
    const rulesOf = (id: string | null) =>
      live.filter((f) => f.entity_id === id && staleRules.has(f.rule_id)).map((f) => f.rule_id.replace("token.", "")).join(", ")
    const [shown, more] = capped(stale, "tokens")
    out.push(
      table(
        ["robot", "token", "created", "expires", "last used", "why"],
        shown.map((t) => [
          t.robot_name,
          `…${t.token_suffix ?? "????"}`,
          day(t.created_at),
          t.expires_at === null ? "never" : day(t.expires_at),
          t.last_used_reported === false ? "not reported" : t.last_used_at === null ? "never" : day(t.last_used_at),
          rulesOf(t.token_id)
        ])
      ) + more,
      ""
    )
  }
  const unreported = data.tokens.filter((t) => t.status === "active" && t.last_used_reported === false).length
  if (tokensNotRead === null && unreported > 0) {
    out.push(
      `> [!NOTE]`,
      `> The API did not report when ${plural(unreported, "active token")} ${unreported === 1 ? "was" : "were"} last used, so \`token.unused\` judged ${unreported === 1 ? "it" : "them"} by age instead (and \`token.never_used\` does not apply).`,
      ""
    )
  }

  // Invitations about to expire
  const expiringIds = new Set(live.filter((f) => f.rule_id === "invitation.expiring").map((f) => f.entity_id))
  const expiring = data.invitations.filter((i) => expiringIds.has(i.id))
  out.push("## Invitations about to expire", "")
  out.push(
    notRead(data, "invitations") ??
      (expiring.length === 0
      ? "None."
      : table(["email", "role", "sent", "expires"], expiring.map((i) => [i.email, i.role, day(i.created_at), when(i.expires_at)]))),
    ""
  )

  // Quotas
  out.push("## Quotas", "")
  if (data.quotas.length === 0) {
    out.push(notRead(data, "plan_usage") ?? "The plan reports no usage dimensions.", "")
  } else {
    out.push(
      table(
        ["dimension", "used", "limit", "utilisation", "growth per day", "limit reached"],
        data.quotas.map((q) => [
          q.dimension,
          q.used,
          q.limit === null ? "unlimited" : q.limit,
          percent(q.utilisation),
          q.growth_per_day === null ? "–" : q.growth_per_day.toFixed(1),
          q.projected_exhaustion_at === null ? "–" : day(q.projected_exhaustion_at)
        ])
      ),
      ""
    )
    const charts = quotaCharts(data)
    if (charts !== "") out.push("### Trends", "", charts, "")
  }
  out.push("---", "", `_Generated by ptolemy-audit ${run.tool_version ?? ""} from the stored history (run ${run.run_id})._`, "")
  return out.join("\n")
}
