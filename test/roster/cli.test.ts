/**
 * `ptolemy-audit run --roster people.csv` against the Ptolemy simulator, as a user runs it: the roster is stored with
 * the run, leavers and unknown people are findings, a robot whose configured owner left is one, a roster that cannot
 * be parsed is a coverage gap naming its line while the rest of the run is stored, and a roster that cannot be read
 * at all is bad usage that writes nothing.
 */
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningSimulator, startPtolemySimulator } from "../../src/simulator/ptolemy/index.js"
import { runCli } from "../support/Cli.js"

const dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-roster-"))
const db = join(dir, "audit.duckdb")
let sim: RunningSimulator
let env: Record<string, string>

const sql = async (query: string) => {
  const result = await runCli(["sql", query, "--db", db, "--format", "json"])
  expect(result.stderr).toBe("")
  return JSON.parse(result.stdout) as Array<Record<string, unknown>>
}

beforeAll(async () => {
  sim = await startPtolemySimulator({ seed: 11, size: "tiny" })
  env = { PTOLEMY_API_URL: sim.url, PTOLEMY_API_TOKEN: sim.tokens.admin, PTOLEMY_WORKSPACE: sim.workspace.slug }
})
afterAll(async () => {
  await sim.close()
  rmSync(dir, { recursive: true, force: true })
})

describe("run --roster", () => {
  let leaver: string
  let unknown: string

  it("stores the roster with the run and reports the leaver and the person missing from it", async () => {
    // A first run without a roster: who the members are.
    expect((await runCli(["snapshot", "--db", db], { env })).code).toBe(0)
    const members = await sql(
      "SELECT email, role = 'admin' AS admin FROM members WHERE run_id = 1 AND user_type = 'human' ORDER BY email"
    )
    const humans = members.filter((m) => m["admin"] === false).map((m) => String(m["email"]))
    const admins = members.filter((m) => m["admin"] === true).map((m) => String(m["email"]))
    expect(humans.length).toBeGreaterThanOrEqual(3)
    ;[leaver, unknown] = [humans[0]!, humans[1]!]
    // Written as an HR export is: a BOM, CRLF, a quoted comma; the leaver in upper case; one person left out.
    const rows = [
      "email,status,terminated_on,name,department",
      `${leaver.toUpperCase()},terminated,2026-01-02,"Leaver, The",Sales`,
      ...[...admins, ...humans.slice(2)].map((email) => `${email},active,,,Operations`)
    ]
    const bytes = Buffer.from(`\uFEFF${rows.join("\r\n")}\r\n`, "utf8")
    writeFileSync(join(dir, "people.csv"), bytes)

    const run = await runCli([
      "run",
      "--roster",
      join(dir, "people.csv"),
      "--db",
      db,
      "--reports",
      join(dir, "reports")
    ], { env })
    expect(run.stderr).not.toMatch(/error|warn/i)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      new RegExp(`^run 2 ${sim.workspace.slug}: complete \\(.*roster 1, people ${rows.length - 1}`, "m")
    )

    expect(await sql("SELECT run_id, file_name, sha256, format, \"rows\" FROM rosters")).toEqual([
      {
        run_id: 2,
        file_name: "people.csv",
        sha256: createHash("sha256").update(bytes).digest("hex"),
        format: "plain",
        rows: rows.length - 1
      }
    ])
    const found = await sql(
      `SELECT rule_id, entity_name, severity, detail, (SELECT started_at FROM runs WHERE run_id = 2) AS started_at
       FROM findings WHERE run_id = 2 AND rule_id IN ('access.leaver', 'access.unknown_person') ORDER BY rule_id`
    )
    expect(found.map(({ detail: _d, started_at: _s, ...f }) => f)).toEqual([
      { rule_id: "access.leaver", entity_name: leaver, severity: "high" },
      { rule_id: "access.unknown_person", entity_name: unknown, severity: "medium" }
    ])
    // `run` stands on the wall clock: the days from 2026-01-02 to the run's day.
    const days = (Date.parse(String(found[0]!["started_at"]).slice(0, 10)) - Date.parse("2026-01-02")) / 86_400_000
    expect(found[0]!["detail"]).toMatch(
      new RegExp(
        `^terminated in the directory since 2026-01-02 \\(${days} days ago\\) and still holds direct \\w+ access$`
      )
    )
  }, 300_000)

  it("with a config file: the shared roster (relative to the file) and a robot's owner who left", async () => {
    const [bot] = await sql("SELECT display_name FROM robots WHERE run_id = 2 ORDER BY display_name LIMIT 1")
    writeFileSync(
      join(dir, "audit.config.json"),
      JSON.stringify({
        targets: [{ workspace: sim.workspace.slug, token_env: "ROSTER_TEST_TOKEN", api_url: sim.url }],
        roster: "people.csv",
        owners: { [String(bot!["display_name"])]: leaver },
        external_people: [unknown]
      })
    )
    const run = await runCli(["snapshot", "--config", join(dir, "audit.config.json"), "--db", db], {
      env: { ROSTER_TEST_TOKEN: sim.tokens.admin }
    })
    expect(run.code).toBe(0)
    const found = await sql(
      "SELECT rule_id, entity_name FROM findings WHERE run_id = 3 AND rule_id IN ('access.leaver', 'access.unknown_person', 'robot.owner_left') ORDER BY rule_id"
    )
    // The unknown person is now an allowed external; the robot's owner is the leaver.
    expect(found).toEqual([
      { rule_id: "access.leaver", entity_name: leaver },
      { rule_id: "robot.owner_left", entity_name: bot!["display_name"] }
    ])
  }, 300_000)

  it("a roster that cannot be parsed is a coverage gap naming its line; the members are still stored", async () => {
    writeFileSync(
      join(dir, "broken.csv"),
      `email,status,terminated_on\r\n${leaver},active,\r\n${unknown},on leave,\r\n`
    )
    const run = await runCli(["snapshot", "--roster", join(dir, "broken.csv"), "--require-complete", "--db", db], {
      env
    })
    expect(run.code).toBe(4)
    expect(run.stderr).toContain("people failed")
    expect(
      await sql(
        "SELECT collection, status, detail FROM coverage WHERE run_id = 4 AND status <> 'complete' AND status <> 'not_applicable'"
      )
    ).toEqual([{
      collection: "people",
      status: "failed",
      detail:
        `The roster broken.csv line 3: status "on leave" is not one of active, pending, suspended, deprovisioned, terminated; no one was matched against it in this run.`
    }])
    const [counts] = await sql(
      "SELECT (SELECT count(*) FROM members WHERE run_id = 4) AS members, (SELECT count(*) FROM members WHERE run_id = 3) AS before"
    )
    expect(counts!["members"]).toBe(counts!["before"])
  }, 300_000)

  it("a roster that cannot be read is bad usage: exit 2, and no database is created", async () => {
    const fresh = join(dir, "fresh.duckdb")
    const run = await runCli([
      "run",
      "--roster",
      join(dir, "missing.csv"),
      "--db",
      fresh,
      "--reports",
      join(dir, "reports")
    ], { env })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`Cannot read the roster ${join(dir, "missing.csv")}`)
    expect(existsSync(fresh)).toBe(false)
  }, 300_000)
})
