/**
 * The sections of `audit.md` after "Needs attention", one function each, each with its own cap: people (both ends
 * and joiners, movers, leavers), privileged access, other changes (invitations, tokens, webhooks, plan), findings
 * (low and info folded to one line per rule), stale tokens, quotas, an access review campaign, provenance.
 */
import { severities } from "../../analyses/Severity.js"
import { type CampaignNote, collectionRead, type FindingRow, isNewInWindow, type ReportData } from "../ReportData.js"
import { mdCode, mdLine, mdText } from "../Text.js"
import {
  adminChangeHow,
  day,
  invitationOutcome,
  limitReached,
  minute,
  NOT_REPORTED,
  personBy,
  personDate,
  personName,
  plural,
  tokenOutcome,
  webhookOutcome,
  when
} from "../Wording.js"
import { blocks, capped, details, Raw, table } from "./Blocks.js"
import { quotaTrendChart } from "./Trend.js"

export const CAPS = { perStatus: 8, churn: 8, admins: 10, findings: 10, tokens: 5 } as const

const rule = (id: string) => new Raw(mdCode(id, { inTable: true }))

/** Why a section has nothing to show when its collection was not read completely, or null when it was. */
const notRead = (data: ReportData, collection: string): string | null => {
  const status = data.coverage.find((c) => c.collection === collection)?.status
  return status === "complete"
    ? null
    : status === "not_applicable"
    ? `Not applicable to this source (${mdText(data.run.source)} has no ${collection.replace("_", " ")}).`
    : `Not read in this run (${collection}: ${status ?? "missing"}; see Provenance).`
}

const sinceWhat = (data: ReportData) =>
  data.scope.kind === "window"
    ? `during ${mdText(data.scope.label)}`
    : data.baseline
    ? `since run ${data.baseline.run_id}`
    : ""

export const peopleSection = (data: ReportData): string => {
  const heading = `## People ${sinceWhat(data)}`.trimEnd()
  if (data.baseline === null) {
    return blocks(
      heading,
      "The first run of this workspace: everyone is listed in audit.xlsx (Access review); nothing to compare with."
    )
  }
  const gap = notRead(data, "members")
  const { end, start } = data.counts
  const counts =
    `Members **${start.members} → ${end.members}** (humans ${start.humans} → ${end.humans}, robots ${start.robots} → ${end.robots}, admins ${start.admins} → ${end.admins}).`
  if (data.people.length === 0) return blocks(heading, gap, counts, "No one joined, left or changed role.")
  // Capped per status, so that joiners never push the leavers and movers out.
  const statuses = ["joined", "left", "role changed", "joined and left"] as const
  const groups = statuses.map((status) =>
    capped(data.people.filter((p) => p.status === status), CAPS.perStatus, `${status}`)
  )
  const rows = groups.flatMap((g) => g.rows)
  const cut = statuses.map((status, i) =>
    [status, data.people.filter((p) => p.status === status).length - groups[i]!.rows.length] as const
  )
    .filter(([, n]) => n > 0)
  const more = cut.length === 0
    ? ""
    : `\n\n_More in audit.xlsx (Joiners, movers, leavers): ${cut.map(([s, n]) => `${n} ${s}`).join(", ")}._`
  return blocks(
    heading,
    gap,
    `${counts} Joiners, movers and leavers (${data.people.length}):`,
    table(
      ["status", "name", "email", "role before", "role after", "date (UTC)", "by", "invited by"],
      rows.map((
        p
      ) => [
        p.status,
        personName(p),
        p.email,
        p.role_at_start,
        p.role_at_end,
        minute(personDate(p)),
        personBy(p),
        p.invited_by
      ])
    ) + more
  )
}

export const privilegedSection = (data: ReportData): string => {
  const at = (end: "start" | "end") => data.admins.filter((a) => (end === "start" ? a.admin_at_start : a.admin_at_end))
  const [start, end] = [at("start"), at("end")]
  const robots = end.filter((a) => a.user_type === "robot").length
  const summary = data.baseline === null
    ? `${plural(end.length, "admin")} (${robots} robots).`
    : `Admins **${start.length} → ${end.length}** (robots among them at the end: ${robots}); ${
      plural(data.adminChanges.length, "grant or revocation", "grants and revocations")
    } ${sinceWhat(data)}.`
  const shown = end.slice(0, CAPS.admins).map((a) =>
    `${mdText(personName(a))}${a.user_type === "robot" ? " (robot)" : ""}`
  )
  const names = `Admins at the end: ${shown.join(", ") || "none"}${
    end.length > CAPS.admins ? ` and ${end.length - CAPS.admins} more` : ""
  }.`
  const changes = data.adminChanges.length === 0
    ? null
    : table(
      ["change", "who", "how", "by", "when (UTC)"],
      data.adminChanges.map((
        c
      ) => [
        c.kind,
        personName(c),
        adminChangeHow(c),
        c.actor_display_name ?? NOT_REPORTED,
        minute(c.changed_at ?? c.detected_at)
      ])
    )
  const tokens = data.adminTokens.filter((t) => t.token_id !== null && t.status_at_end === "active")
  return blocks(
    "## Privileged access",
    `${summary} ${names}`,
    changes,
    tokens.length === 0
      ? null
      : table(
        ["admin robot", "token", "expires (UTC)", "last used (UTC)"],
        tokens.map((t) => [
          t.robot_name,
          `${t.name ?? ""} …${t.token_suffix ?? "????"}`.trim(),
          t.expires_at === null ? "never" : day(t.expires_at),
          t.last_used_reported === false ? NOT_REPORTED : t.last_used_at === null ? "never" : day(t.last_used_at)
        ])
      )
  )
}

const churnTables = (data: ReportData) => {
  const inv = capped(data.invitationChanges, CAPS.churn, "invitation changes")
  const tok = capped(data.tokenChanges, CAPS.churn, "token changes")
  const hooks = capped(data.webhookChanges, CAPS.churn, "webhook changes")
  const plan = data.changes.filter((c) => c.entity_type === "plan")
  return blocks(
    data.invitationChanges.length === 0 ? null : `**Invitations (${data.invitationChanges.length})**\n\n${
      table(
        ["email", "role", "outcome", "sent (UTC)", "invited by", "last change (UTC)"],
        inv.rows.map((
          i
        ) => [i.email, i.role, invitationOutcome(i), minute(i.created_at), i.invited_by, minute(i.last_at)])
      )
    }${inv.more}`,
    data.tokenChanges.length === 0 ? null : `**Robot tokens (${data.tokenChanges.length})**\n\n${
      table(
        ["robot", "token", "outcome", "when (UTC)", "by"],
        tok.rows.map((
          t
        ) => [
          t.robot_name,
          `${t.name ?? ""} …${t.token_suffix ?? "????"}`.trim(),
          tokenOutcome(t),
          minute(t.last_at),
          t.last_by ?? NOT_REPORTED
        ])
      )
    }${tok.more}`,
    data.webhookChanges.length === 0 ? null : `**Webhooks (${data.webhookChanges.length})**\n\n${
      table(
        ["url", "outcome", "when (UTC)", "by"],
        hooks.rows.map((w) => [w.url, webhookOutcome(w), minute(w.last_at), w.last_by ?? NOT_REPORTED])
      )
    }${hooks.more}`,
    plan.length === 0 ? null : `**Plan and limits (${plan.length})**\n\n${
      table(
        ["change", "dimension", "before", "after", "detected (UTC)"],
        plan.map((c) => [c.change_type, c.entity_name, c.old_value, c.new_value, minute(c.detected_at)])
      )
    }`
  )
}

export const churnSection = (data: ReportData): string | null => {
  if (data.baseline === null) return null
  const counts = [
    plural(data.invitationChanges.length, "invitation"),
    plural(data.tokenChanges.length, "robot token"),
    plural(data.webhookChanges.length, "webhook"),
    plural(data.changes.filter((c) => c.entity_type === "plan").length, "plan change")
  ]
  const body = churnTables(data)
  return blocks(
    `## Other changes ${sinceWhat(data)}`.trimEnd(),
    body === "" ? "None." : details(counts.join(", "), body)
  )
}

/**
 * A severity's findings, one row each, except that a rule with more than `foldAbove` findings is one row with a
 * count and a few names (every expired invitation is the same story); at most CAPS.findings rows.
 */
const findingRows = (data: ReportData, hits: ReadonlyArray<FindingRow>, foldAbove: number) => {
  const byRule = new Map<string, Array<FindingRow>>()
  for (const f of hits) byRule.set(f.rule_id, [...(byRule.get(f.rule_id) ?? []), f])
  const rows = [...byRule].flatMap(([id, list]): Array<ReadonlyArray<unknown>> => {
    const fresh = list.filter((f) => isNewInWindow(data, f)).length
    if (list.length <= foldAbove) {
      return list.map((
        f
      ) => [rule(id), f.entity_name ?? f.entity_id, f.detail, day(f.first_seen_at), isNewInWindow(data, f) ? "🆕" : ""])
    }
    const names = list.slice(0, 3).map((f) => mdText(f.entity_name ?? f.entity_id ?? "")).join(", ")
    return [[
      rule(id),
      new Raw(`${list.length} findings: ${names}${list.length > 3 ? ", …" : ""}`),
      new Raw("one for each (audit.xlsx lists them)"),
      day(list.map((f) => f.first_seen_at).sort()[0]),
      fresh > 0 ? `🆕 ${fresh}` : ""
    ]]
  })
  const { more, rows: shown } = capped(rows, CAPS.findings, "rows of findings")
  return table(["rule", "entity", "detail", "first seen", "new"], shown) + more
}

export const findingsSection = (data: ReportData): string => {
  const live = data.findings.filter((f) => !f.suppressed)
  const suppressed = data.findings.filter((f) => f.suppressed)
  const of = (s: string) => live.filter((f) => f.severity === s)
  const bySeverity = severities.slice().reverse().map((s) => [s, of(s)] as const).filter(([, l]) => l.length > 0)
  const line = live.length === 0
    ? "No findings."
    : `${bySeverity.map(([s, l]) => `${l.length} ${s}`).join(", ")} (${
      live.filter((f) => isNewInWindow(data, f)).length
    } new)${suppressed.length > 0 ? `; ${suppressed.length} suppressed` : ""}.`
  const lowAndInfo = [...of("low"), ...of("info")]
  const title = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)} (${of(s).length})`
  return blocks(
    `## Findings at ${data.scope.kind === "window" ? "the end" : `run ${data.run.run_id}`}`,
    line,
    ...bySeverity
      .filter(([s]) => s !== "low" && s !== "info")
      .map(([s, hits]) => details(title(s), findingRows(data, hits, 2))),
    lowAndInfo.length === 0
      ? null
      : details(
        [of("low").length > 0 ? title("low") : null, of("info").length > 0 ? title("info") : null].filter(Boolean).join(
          " and "
        ),
        findingRows(data, lowAndInfo, 1)
      ),
    suppressed.length === 0 ? null : details(
      `Suppressed (${suppressed.length})`,
      table(
        ["rule", "entity", "reason", "until"],
        capped(suppressed, CAPS.findings, "suppressed findings").rows.map((
          f
        ) => [rule(f.rule_id), f.entity_name ?? f.entity_id, f.suppression_reason, day(f.suppression_expires_at)])
      )
    )
  )
}

const STALE_RULES = new Set([
  "token.unused",
  "token.never_used",
  "token.no_expiry",
  "token.long_lived",
  "token.old",
  "token.expiring"
])

export const tokensSection = (data: ReportData): string => {
  const gap = notRead(data, "robot_tokens")
  if (gap !== null) return blocks("### Stale and risky tokens", gap)
  const live = data.findings.filter((f) => !f.suppressed && STALE_RULES.has(f.rule_id))
  const stale = data.tokens.filter((t) => t.token_id !== null && live.some((f) => f.entity_id === t.token_id))
  const unreported = data.tokens.filter((t) => t.status === "active" && t.last_used_reported === false).length
  const note = unreported === 0
    ? null
    : `> [!NOTE]\n> The API did not report when ${plural(unreported, "active token")} ${
      unreported === 1 ? "was" : "were"
    } last used, so \`token.unused\` judged ${
      unreported === 1 ? "it" : "them"
    } by age instead (and \`token.never_used\` does not apply).`
  if (stale.length === 0) return blocks("### Stale and risky tokens", "None.", note)
  const why = (id: string | null) =>
    live.filter((f) => f.entity_id === id).map((f) => f.rule_id.replace("token.", "")).join(", ")
  const { more, rows } = capped(stale, CAPS.tokens, "tokens")
  return blocks(
    "### Stale and risky tokens",
    table(
      ["robot", "token", "created", "expires", "last used", "why"],
      rows.map((t) => [
        t.robot_name,
        `…${t.token_suffix ?? "????"}`,
        day(t.created_at),
        t.expires_at === null ? "never" : day(t.expires_at),
        t.last_used_reported === false ? NOT_REPORTED : t.last_used_at === null ? "never" : day(t.last_used_at),
        why(t.token_id)
      ])
    ) + more,
    note
  )
}

export const quotasSection = (data: ReportData): string => {
  if (data.quotas.length === 0) {
    return blocks("## Quotas", notRead(data, "plan_usage") ?? "The plan reports no usage dimensions.")
  }
  const num = (n: number | null) => (n === null ? "–" : n.toLocaleString("en-US"))
  return blocks(
    "## Quotas",
    table(
      ["dimension", "used", "limit", "utilisation", "growth per day", "limit reached"],
      data.quotas.map((q) => [
        q.dimension,
        num(q.used),
        q.limit === null ? "unlimited" : num(q.limit),
        q.utilisation === null ? "–" : `${Math.round(q.utilisation * 100)}%`,
        q.growth_per_day === null || Number.isNaN(q.growth_per_day)
          ? "–"
          : Math.abs(q.growth_per_day) < 1
          ? q.growth_per_day.toPrecision(2)
          : q.growth_per_day.toFixed(1),
        limitReached(q, data.run.started_at)
      ])
    ),
    quotaTrendChart(data)
  )
}

/** An access review campaign's line while one runs, and a period's outcome (src/review fills `CampaignNote`). */
export const campaignSection = (campaign: CampaignNote | undefined): string | null =>
  campaign === undefined
    ? null
    : blocks(
      "## Access review campaign",
      mdLine(campaign.status),
      campaign.outcome === undefined || campaign.outcome.length === 0
        ? null
        : table(["", ""], campaign.outcome.map(([k, v]) => [k, v]))
    )

export const provenanceSection = (data: ReportData): string => {
  const { run } = data
  const gaps = data.coverage.filter((c) => c.status !== "complete" && c.status !== "not_applicable")
  const coverage = gaps.length === 0
    ? null
    : table(
      ["collection", "status", "rows", "detail"],
      data.coverage.map((c) => [c.collection, c.status, c.rows, c.detail])
    )
  return blocks(
    "## Provenance",
    table(["", ""], [
      ["Workspace", `${run.workspace_name ?? "–"} (${run.workspace_id})`],
      ["Snapshot", `${when(run.started_at)} to ${when(run.finished_at)}`],
      [
        "API calls",
        `${run.api_calls ?? "–"}${
          run.rate_limit_remaining === null
            ? ""
            : ` (${run.rate_limit_remaining.toLocaleString("en-US")} left this billing period)`
        }`
      ],
      ["Tool", `ptolemy-audit ${run.tool_version ?? "?"}`],
      ["Content hash", run.content_hash ? new Raw(mdCode(run.content_hash, { inTable: true })) : "–"],
      ["Previous run's hash", run.previous_hash ? new Raw(mdCode(run.previous_hash, { inTable: true })) : "–"],
      [
        "Rows read",
        data.coverage.filter((c) => c.status === "complete").map((c) => `${c.collection} ${c.rows ?? 0}`).join(", ")
      ]
    ]),
    coverage,
    collectionRead(data, "members")
      ? null
      : "_The members could not be read in this run: the people sections show the last run that read them._"
  )
}
