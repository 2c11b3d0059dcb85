/**
 * How the reports say things, the same in the workbook and the Markdown: the window's dates, a person's status and
 * who changed it, each churn row's net effect, and "not reported" where the API gave nothing.
 */
import { readableValues } from "../read/Changes.js"
import type {
  AdminChangeRow,
  InvitationChangeRow,
  PersonRow,
  ReportData,
  TokenChangeRow,
  WebhookChangeRow
} from "./ReportData.js"

export const NOT_REPORTED = "not reported"

/** `2026-04-05 09:00` (the column or the sentence says UTC). */
export const minute = (iso: string | null | undefined): string | null =>
  iso === null || iso === undefined ? null : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`
/** `2026-04-05 09:00 UTC`, for sentences. */
export const when = (
  iso: string | null | undefined
): string => (iso === null || iso === undefined ? "–" : `${minute(iso)} UTC`)
export const day = (
  iso: string | null | undefined
): string => (iso === null || iso === undefined ? "–" : iso.slice(0, 10))

export const plural = (n: number, word: string, many = `${word}s`) =>
  `${n.toLocaleString("en-US")} ${n === 1 ? word : many}`

/** The window in words: what was asked for and the runs (and dates) that actually cover it. */
export const coveredBy = (data: ReportData): string => {
  const end = `run ${data.run.run_id} (${when(data.run.started_at)})`
  return data.baseline === null
    ? `${end}, the first run of this workspace`
    : `run ${data.baseline.run_id} (${when(data.baseline.started_at)}) to ${end}`
}

export const periodLabel = (data: ReportData): string =>
  data.scope.kind === "window"
    ? `${data.scope.label}${data.scope.dates ? ` (${data.scope.dates.start} to ${data.scope.dates.end})` : ""}`
    : `run ${data.run.run_id}`

/** The warning every report gives when the history starts after the window does, or null. */
export const startsLateWarning = (data: ReportData): string | null =>
  data.startsLate && data.baseline !== null
    ? `The history starts after this period does: the first stored run is run ${data.baseline.run_id} (${
      when(data.baseline.started_at)
    }), so the population at the start is that run's, and what happened before it is not known.`
    : null

/** When a person's status came about: the join, the removal, or the last role change. */
export const personDate = (p: PersonRow): string | null =>
  p.status === "joined"
    ? p.joined_at
    : p.status === "left" || p.status === "joined and left"
    ? p.left_at
    : p.status === "role changed"
    ? p.role_changed_at
    : null

/** Who made it so, from the access log; a person who accepted an invitation joined by their own act. */
export const personBy = (p: PersonRow): string => {
  const by = p.status === "joined"
    ? (p.joined_by_self ? "accepted an invitation" : p.joined_by)
    : p.status === "left" || p.status === "joined and left"
    ? p.left_by
    : p.status === "role changed"
    ? p.role_changed_by
    : null
  return by ?? NOT_REPORTED
}

export const personName = (
  p: { readonly display_name: string | null; readonly email: string | null; readonly id: string }
) => p.display_name ?? p.email ?? p.id

const gone = (status: string | null) => status ?? "gone"

export const invitationOutcome = (i: InvitationChangeRow): string => {
  if (i.status_at_start === null) {
    return i.status_at_end === "pending"
      ? "sent, pending"
      : i.status_at_end === null
      ? "sent and withdrawn"
      : `sent and ${i.status_at_end}`
  }
  return i.status_at_end === null && i.status_at_start === "pending"
    ? "withdrawn"
    : `${i.status_at_start} → ${gone(i.status_at_end)}`
}

export const tokenOutcome = (t: TokenChangeRow): string => {
  if (t.status_at_start === null) {
    return t.status_at_end === "active"
      ? "created"
      : t.status_at_end === null
      ? "created and removed"
      : `created and ${t.status_at_end}`
  }
  return t.status_at_start === "active" && t.status_at_end !== null
    ? t.status_at_end
    : `${t.status_at_start} → ${gone(t.status_at_end)}`
}

/** A webhook's net effect, with only the fields that differ between the window's ends. */
export const webhookOutcome = (w: WebhookChangeRow): string => {
  if (w.fields_at_start === null) return w.fields_at_end === null ? "added and removed" : "added"
  if (w.fields_at_end === null) return "removed"
  const { after, before } = readableValues({
    change_type: "webhook_changed",
    old_value: w.fields_at_start,
    new_value: w.fields_at_end
  })
  return before === "" ? "changed and changed back" : `changed: ${fieldArrows(before, after)}`
}

/** `active: true` and `active: false` as `active: true → false` (field by field). */
const fieldArrows = (before: string | null, after: string | null) => {
  const [olds, news] = [(before ?? "").split("; "), (after ?? "").split("; ")]
  return olds.map((old, i) => {
    const key = old.split(": ")[0]!
    return `${key}: ${old.slice(key.length + 2)} → ${(news[i] ?? "").slice(key.length + 2)}`
  }).join("; ")
}

export const adminChangeHow = (c: AdminChangeRow): string =>
  c.added
    ? `joined as ${c.new_role ?? "?"}`
    : c.removed
    ? `left (was ${c.old_role ?? "?"})`
    : c.old_role !== c.new_role
    ? `${c.old_role ?? "?"} → ${c.new_role ?? "?"}`
    : "access changed (organisation role)"

/** A robot's or a person's last activity, or why there is none to show. */
export const lastActivity = (
  iso: string | null,
  reported: boolean
): string | null => (iso !== null ? iso : reported ? "never" : NOT_REPORTED)

/** When the limit is reached: now, a date ahead at the current pace, or not in sight. */
export const limitReached = (
  q: { used: number | null; limit: number | null; projected_exhaustion_at: string | null },
  asOf: string
) =>
  q.limit !== null && q.used !== null && q.used >= q.limit
    ? "reached"
    : q.projected_exhaustion_at !== null && q.projected_exhaustion_at > asOf
    ? `around ${day(q.projected_exhaustion_at)}`
    : "–"
