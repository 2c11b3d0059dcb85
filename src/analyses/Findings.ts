/**
 * Evaluating the rules of findings.sql at the end of a run and keeping the result as versioned findings: a finding
 * keeps its first-seen run while it keeps firing; one whose collection the run could not read is carried, not
 * closed (a coverage gap is not a fix); suppressions from the config file mark findings without hiding them.
 */
import { Effect } from "effect"
import type { StoredRun } from "../store/AuditStore.js"
import { type DatabaseService, param, type StoreError } from "../store/Database.js"
import changesSql from "./changes.sql"
import findingsSql from "./findings.sql"
import foundationsSql from "./foundations.sql"

/** The thresholds of the rules, by the variable name findings.sql reads (docs/findings.md). */
export const defaultThresholds = {
  token_unused_days: 45,
  token_never_used_days: 7,
  token_max_lifetime_days: 366,
  token_rotate_days: 90,
  token_expiring_days: 14,
  rotation_overlap_days: 7,
  invitation_expiring_hours: 48,
  max_admins: 3,
  quota_utilisation_ratio: 0.8,
  quota_forecast_days: 30,
  quota_forecast_high_days: 7,
  quota_window_days: 30,
  /** access.leaver fires once a leaver has kept access this many days (0: from the day they left). */
  leaver_grace_days: 0,
  /** Time to removal: the days within which a leaver's access should be gone (a report's target, not a rule). */
  removal_target_days: 1
} as const

export type Thresholds = { readonly [K in keyof typeof defaultThresholds]: number }

export interface Suppression {
  /** A rule id, or "*" for every rule. */
  readonly rule: string
  /** An entity id or name (email, robot name, url, dimension), or "*" for every entity. */
  readonly entity: string
  /** Only in this workspace (id or slug); absent = every workspace. */
  readonly workspace?: string | undefined
  readonly reason: string
  /** The suppression stops suppressing at this instant (ISO-8601 date or time). */
  readonly expires: string
}

export interface FindingSettings {
  readonly thresholds: Thresholds
  /** Email domains members and invitations may use; empty = the rule is off. */
  readonly allowedDomains: ReadonlyArray<string>
  readonly suppressions: ReadonlyArray<Suppression>
}

export const defaultFindingSettings: FindingSettings = {
  thresholds: defaultThresholds,
  allowedDomains: [],
  suppressions: []
}

const setThresholds = (db: DatabaseService, settings: FindingSettings) =>
  Effect.gen(function*() {
    for (const [name, value] of Object.entries(settings.thresholds)) {
      yield* db.execute(`SET VARIABLE ${name} = $1`, [param.double(value)])
    }
    const domains = settings.allowedDomains.map((d) => `'${d.replace(/'/g, "''")}'`).join(", ")
    yield* db.execute(`SET VARIABLE allowed_domains = [${domains}]::VARCHAR[]`)
  })

const loadSuppressions = (db: DatabaseService, suppressions: ReadonlyArray<Suppression>) =>
  Effect.gen(function*() {
    yield* db.execute(
      `CREATE OR REPLACE TEMP TABLE suppressions
         (rule VARCHAR, entity VARCHAR, workspace VARCHAR, reason VARCHAR, expires_at TIMESTAMPTZ, ord INTEGER)`
    )
    for (const [ord, s] of suppressions.entries()) {
      yield* db.execute("INSERT INTO suppressions VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ, $6)", [
        param.text(s.rule),
        param.text(s.entity),
        param.text(s.workspace),
        param.text(s.reason),
        param.timestamp(s.expires),
        param.int(ord)
      ])
    }
  })

/**
 * The feature rule families (review, people, remediation) that can fire for a run: one with nothing to judge returns
 * no rows from its macro anyway, but DuckDB takes a few hundred milliseconds to plan the three, and most runs have
 * no review, roster or remediation at all. Each test is a superset of what its macro needs to return a row, so the
 * findings are exactly evaluate_findings' (test/reports/sample.test.ts compares them over the demo's history).
 */
const featureFamilies = (db: DatabaseService, runId: number) =>
  Effect.map(
    db.query(
      `SELECT
         EXISTS (SELECT 1 FROM review_campaign_log c JOIN ledger_log l USING (entry_id)
                 JOIN run_log s ON l.source = s.source AND l.workspace_id = s.workspace_id WHERE s.run_id = $1) AS review,
         EXISTS (SELECT 1 FROM run_collections
                 WHERE run_id = $1 AND collection = 'people' AND status = 'complete') AS people,
         EXISTS (SELECT 1 FROM remediation_calls c JOIN run_log s ON c.source = s.source AND c.workspace_id = s.workspace_id
                 WHERE s.run_id = $1) AS remediation`,
      [param.int(runId)]
    ),
    (rows) => (["review", "people", "remediation"] as const).filter((family) => rows[0]?.[family] === true)
  )

/** Evaluates every rule as of `run` and folds the result into the stored findings. Runs in the run's transaction. */
export const recordFindings = (
  db: DatabaseService,
  run: StoredRun,
  settings: FindingSettings
): Effect.Effect<void, StoreError> =>
  Effect.gen(function*() {
    if (run.status === "failed" || run.workspace === null) return
    yield* setThresholds(db, settings)
    yield* loadSuppressions(db, settings.suppressions)
    const runParam = [param.int(run.runId)]
    const families = yield* featureFamilies(db, run.runId)
    // The first suppression that matches and has not expired at the run's time applies.
    yield* db.execute(
      `CREATE OR REPLACE TEMP TABLE stage_findings AS
       WITH hits AS (
         SELECT r.run_id, r.source, r.workspace_id, h.*
         FROM (${
        ["workspace", ...families].map((f) => `SELECT * FROM ${f}_findings($1::INTEGER)`).join(" UNION ALL ")
      }) h
         CROSS JOIN (SELECT run_id, source, workspace_id FROM run_log WHERE run_id = $1::INTEGER) r
       ),
       matched AS (
         SELECT h.*, s.reason AS suppression_reason, s.expires_at AS suppression_expires_at
         FROM hits h
         LEFT JOIN run_log r ON r.run_id = h.run_id
         LEFT JOIN suppressions s
           ON (s.rule = '*' OR s.rule = h.rule_id)
          AND (s.entity = '*' OR s.entity = h.entity_id OR s.entity = h.entity_name)
          AND (s.workspace IS NULL OR s.workspace = r.workspace_id OR s.workspace = r.workspace_slug)
          AND s.expires_at > r.started_at
         QUALIFY row_number() OVER (PARTITION BY h.rule_id, h.entity_type, h.entity_id ORDER BY s.ord NULLS LAST) = 1
       )
       SELECT *, rule_id || '|' || entity_type || '|' || entity_id AS id,
              suppression_reason IS NOT NULL AS suppressed,
              md5(concat_ws('|', severity, collection, entity_name, detail, suppression_reason,
                            suppression_expires_at::VARCHAR)) AS row_hash
       FROM matched`,
      runParam
    )
    const keys = [param.text(run.workspace.id), param.int(run.runId)]
    // Close what stopped firing, unless its collection was a gap in this run (then it is carried as it was).
    yield* db.execute(
      `UPDATE finding_versions SET valid_to = $2
       WHERE workspace_id = $1 AND valid_to IS NULL
         AND source = (SELECT source FROM run_log WHERE run_id = $2)
         AND NOT EXISTS (SELECT 1 FROM stage_findings s WHERE s.id = finding_versions.id AND s.row_hash = finding_versions.row_hash)
         AND (rule_id = 'coverage.gap' OR collection IN (
               SELECT collection FROM run_collections WHERE run_id = $2 AND status = 'complete'))`,
      keys
    )
    // Open what is new or changed; a finding that only changed keeps the run that first saw it.
    yield* db.execute(
      `INSERT INTO finding_versions
       SELECT s.source, s.workspace_id, s.id, s.run_id, NULL, s.row_hash, s.rule_id, s.severity, s.collection,
              s.entity_type, s.entity_id, s.entity_name, s.detail, s.suppressed, s.suppression_reason,
              s.suppression_expires_at,
              coalesce(p.first_seen_run_id, s.run_id), coalesce(p.first_seen_at, r.started_at)
       FROM stage_findings s
       JOIN run_log r ON r.run_id = s.run_id
       LEFT JOIN finding_versions p
         ON p.source = s.source AND p.workspace_id = s.workspace_id AND p.id = s.id AND p.valid_to = s.run_id
       WHERE NOT EXISTS (
         SELECT 1 FROM finding_versions v
         WHERE v.source = s.source AND v.workspace_id = $1 AND v.valid_to IS NULL AND v.id = s.id AND v.row_hash = s.row_hash)`,
      [param.text(run.workspace.id)]
    )
    yield* db.execute("DROP TABLE IF EXISTS stage_findings")
  }).pipe(Effect.withSpan("Findings.record"))

/** The defaults as SQL, installed before findings.sql so that its rules also run by hand on an audit database. */
const thresholdDefaultsSql = `CREATE OR REPLACE MACRO threshold_default(name) AS (MAP {${
  Object.entries(defaultThresholds).map(([name, value]) => `'${name}': ${value}::DOUBLE`).join(", ")
}})[name];`

/** What every rule file builds on (threshold defaults, changes, thresholds and email macros): installed first. */
export const ruleFoundations: ReadonlyArray<string> = [thresholdDefaultsSql, changesSql, foundationsSql]

/**
 * The rules and the `findings` view. DuckDB binds a macro when it is created, so a feature's `<feature>_findings`
 * macro, which evaluate_findings calls, is installed between the foundations and this (job/Views.ts).
 */
export const findingRules: ReadonlyArray<string> = [findingsSql]
