/**
 * `findings.json`: findings and changes for other tools, with a versioned schema. The Schema below is the contract:
 * documents are built through it, and docs/findings.schema.json (JSON Schema, for other languages) is generated
 * from it. `schema_version` follows semver: a minor version adds optional fields, a major one changes meaning.
 */
import { JSONSchema, Schema } from "effect"
import { type ReportData, summarize } from "./ReportData.js"

export const SCHEMA_VERSION = "1.1.0"

const Text = Schema.NullOr(Schema.String)
/** Times as the store gives them: ISO-8601 in UTC, e.g. 2026-04-15T09:00:00Z. */
const Instant = Schema.String.annotations({
  description: "ISO-8601 UTC, e.g. 2026-04-15T09:00:00Z",
  jsonSchema: { format: "date-time" }
})
const Timestamp = Schema.NullOr(Instant)
/** Run ids and counts: whole numbers, so that other languages' generated types get integers. */
const Count = Schema.Int.annotations({
  title: "count",
  description: "a whole number, 0 or more (a run id or a count)",
  jsonSchema: { type: "integer", minimum: 0 }
})

const Finding = Schema.Struct({
  rule_id: Schema.String.annotations({ description: "e.g. token.unused (docs/findings.md)" }),
  severity: Schema.Literal("info", "low", "medium", "high", "critical"),
  entity_type: Text,
  entity_id: Text,
  entity_name: Text,
  detail: Text,
  first_seen_run_id: Count,
  first_seen_at: Instant,
  is_new: Schema.Boolean.annotations({ description: "absent from the previous run" }),
  suppressed: Schema.Boolean,
  suppression_reason: Text,
  suppression_expires_at: Timestamp
})

const Actor = Schema.Struct({ id: Text, type: Text, display_name: Text })

const Change = Schema.Struct({
  run_id: Count,
  previous_run_id: Count,
  detected_at: Instant,
  change_type: Schema.String.annotations({
    description: "member_added, role_changed, token_revoked, ... (docs/sql.md)"
  }),
  entity_type: Schema.String,
  entity_id: Schema.String,
  entity_name: Text,
  old_value: Text,
  new_value: Text,
  actor: Schema.NullOr(Actor),
  changed_at: Timestamp
})

const NetChange = Schema.Struct({
  change_type: Schema.String,
  entity_type: Schema.String,
  entity_id: Schema.String,
  entity_name: Text,
  old_value: Text,
  new_value: Text
})

const Coverage = Schema.Struct({
  status: Schema.Literal("complete", "forbidden", "failed", "not_applicable"),
  rows: Schema.NullOr(Count),
  detail: Text
})

export const FindingsDocument = Schema.Struct({
  schema_version: Schema.Literal(SCHEMA_VERSION),
  generator: Schema.Struct({ name: Schema.Literal("ptolemy-audit"), version: Text }),
  scope: Schema.Struct({
    kind: Schema.Literal("run", "window"),
    label: Text,
    from_run_id: Schema.NullOr(Count).annotations({ description: "the run changes are counted from" }),
    to_run_id: Count,
    period: Schema.NullOr(Schema.Struct({
      start: Schema.String.annotations({ description: "YYYY-MM-DD, included", jsonSchema: { format: "date" } }),
      end: Schema.String.annotations({ description: "YYYY-MM-DD, included", jsonSchema: { format: "date" } })
    })).annotations({
      description: "the dates a review period was asked for (1.1.0); null for a run or a window of runs"
    }),
    starts_late: Schema.Boolean.annotations({
      description:
        "the history starts after the period does: from_run_id is the first stored run, not a run at the period's start (1.1.0)"
    })
  }),
  workspace: Schema.Struct({ source: Schema.String, id: Schema.String, slug: Text, name: Text }),
  run: Schema.Struct({
    run_id: Count,
    started_at: Instant,
    finished_at: Instant,
    status: Schema.Literal("complete", "incomplete"),
    coverage: Schema.Record({ key: Schema.String, value: Coverage }),
    api_calls: Schema.NullOr(Count),
    rate_limit_remaining: Schema.NullOr(Count),
    tool_version: Text,
    content_hash: Text,
    previous_hash: Text
  }),
  summary: Schema.Struct({
    members: Count,
    humans: Count,
    robots: Count,
    admins: Count,
    active_tokens: Count,
    pending_invitations: Count,
    findings: Schema.Struct({
      critical: Count,
      high: Count,
      medium: Count,
      low: Count,
      info: Count,
      new: Count,
      suppressed: Count
    }),
    changes: Count,
    coverage_gaps: Count
  }),
  findings: Schema.Array(Finding),
  changes: Schema.Array(Change),
  net_changes: Schema.Array(NetChange).annotations({ description: "a window's net effect; empty for a single run" })
}).annotations({
  title: "ptolemy-audit findings.json",
  description: "Findings and changes of one audit run or review window (docs/reports.md)."
})

export type FindingsDocument = typeof FindingsDocument.Type

/** The published JSON Schema (docs/findings.schema.json). */
export const findingsJsonSchema = () => JSONSchema.make(FindingsDocument)

export const buildFindingsDocument = (data: ReportData): FindingsDocument => {
  const { run } = data
  return {
    schema_version: SCHEMA_VERSION,
    generator: { name: "ptolemy-audit", version: run.tool_version },
    scope: {
      kind: data.scope.kind,
      label: data.scope.kind === "window" ? data.scope.label : null,
      from_run_id: data.baseline?.run_id ?? null,
      to_run_id: run.run_id,
      period: data.scope.kind === "window" && data.scope.dates
        ? { start: data.scope.dates.start, end: data.scope.dates.end }
        : null,
      starts_late: data.startsLate
    },
    workspace: { source: run.source, id: run.workspace_id, slug: run.workspace_slug, name: run.workspace_name },
    run: {
      run_id: run.run_id,
      started_at: run.started_at,
      finished_at: run.finished_at,
      status: run.status === "complete" ? "complete" : "incomplete",
      coverage: Object.fromEntries(
        data.coverage.map((
          c
        ) => [c.collection, { status: c.status as typeof Coverage.Type.status, rows: c.rows, detail: c.detail }])
      ),
      api_calls: run.api_calls,
      rate_limit_remaining: run.rate_limit_remaining,
      tool_version: run.tool_version,
      content_hash: run.content_hash,
      previous_hash: run.previous_hash
    },
    summary: summarize(data),
    findings: data.findings.map((f) => ({ ...f, severity: f.severity as typeof Finding.Type.severity })),
    changes: data.changes.map((c) => ({
      run_id: c.run_id,
      previous_run_id: c.previous_run_id,
      detected_at: c.detected_at,
      change_type: c.change_type,
      entity_type: c.entity_type,
      entity_id: c.entity_id,
      entity_name: c.entity_name,
      old_value: c.old_value,
      new_value: c.new_value,
      actor: c.actor_id === null && c.actor_display_name === null
        ? null
        : { id: c.actor_id, type: c.actor_type, display_name: c.actor_display_name },
      changed_at: c.changed_at
    })),
    net_changes: data.netChanges.map((c) => ({
      change_type: c.change_type,
      entity_type: c.entity_type,
      entity_id: c.entity_id,
      entity_name: c.entity_name,
      old_value: c.old_value,
      new_value: c.new_value
    }))
  }
}

/** The document as written: encoded through its Schema (so it cannot drift from it), two-space indented. */
export const renderFindingsJson = (data: ReportData): string =>
  `${JSON.stringify(Schema.encodeSync(FindingsDocument)(buildFindingsDocument(data)), null, 2)}\n`
