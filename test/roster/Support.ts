/** Running the job with a roster read from a real file, over a fake source, into a real DuckDB file. */
import { Effect, Option } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { defaultFindingSettings, type FindingSettings } from "../../src/analyses/Findings.js"
import { runAudit } from "../../src/job/AuditJob.js"
import { noPeopleSettings, type PeopleSettings } from "../../src/roster/PeopleSettings.js"
import { readRoster, type RosterRead } from "../../src/roster/ReadRoster.js"
import { Database } from "../../src/store/Database.js"
import { fakeSource, type FakeState } from "../support/FakeSource.js"

export const examples = new URL("../../examples/roster/", import.meta.url)

/** A roster file under `dir` holding `text` (UTF-8), read back as the CLI reads it. */
export const rosterFile = (dir: string, name: string, text: string): RosterRead => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return readRoster(name, readFileSync(path))
}

/** One run of the job over `state` standing at `at`, with `roster` (or none). */
export const runWith = (
  state: FakeState,
  at: string,
  roster: RosterRead | undefined,
  options: { readonly findings?: FindingSettings; readonly people?: PeopleSettings } = {}
) =>
  runAudit([{ source: fakeSource(() => state), workspace: Option.some("acme-capital"), roster }], {
    toolVersion: "test",
    now: () => at,
    findings: options.findings ?? defaultFindingSettings,
    people: options.people ?? noPeopleSettings
  })

export const rows = (sql: string) => Effect.flatMap(Database, (db) => db.query(sql))

/** A run's findings of some rules, as "rule entity: detail" lines, sorted. */
export const findingLines = (runId: number, rules: ReadonlyArray<string>) =>
  Effect.map(
    rows(
      `SELECT rule_id, entity_id, detail FROM findings WHERE run_id = ${runId}
       AND rule_id IN (${rules.map((r) => `'${r}'`).join(", ")}) ORDER BY rule_id, entity_id`
    ),
    (found) => found.map((f) => `${f["rule_id"]} ${f["entity_id"]}: ${f["detail"]}`)
  )
