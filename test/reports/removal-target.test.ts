/**
 * The time-to-removal target of a period's reports and evidence pack comes from the config file the runs use
 * (`thresholds.removal_target_days`), through the real CLI; a bad config file is bad usage and writes nothing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/Cli.js"

const dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-removal-target-"))
const db = join(dir, "demo", "audit.duckdb")
afterAll(() => rmSync(dir, { recursive: true, force: true }))
beforeAll(async () => {
  expect((await runCli(["demo", "--days", "3", "--reports", dir])).code).toBe(0)
}, 300_000)

const markdownOf = (reports: string) => readFileSync(join(reports, "acme-capital", "2026-Q1", "audit.md"), "utf8")

describe("the removal target of a period", () => {
  it("is one day by default, the config file's removal_target_days when given, and a bad file writes nothing", async () => {
    const plain = join(dir, "plain")
    expect((await runCli(["report", "--period", "2026-Q1", "--db", db, "--reports", plain])).code).toBe(0)
    expect(markdownOf(plain)).toMatch(/within the target of 1 day /)

    const config = join(dir, "config.json")
    // The scheduled run's own file: its targets, and the threshold the reports take from it.
    writeFileSync(
      config,
      JSON.stringify({
        targets: [{ source: "ptolemy", workspace: "acme-capital", token_env: "PTOLEMY_API_TOKEN" }],
        thresholds: { removal_target_days: 400 }
      })
    )
    const configured = join(dir, "configured")
    expect(
      (await runCli(["report", "--period", "2026-Q1", "--db", db, "--reports", configured, "--config", config])).code
    ).toBe(0)
    expect(markdownOf(configured)).toMatch(/within the target of 400 days /)

    const pack = join(dir, "pack")
    const evidence = await runCli(["evidence", "--period", "2026-Q1", "--db", db, "--out", pack, "--config", config])
    expect(evidence.code).toBe(0)
    expect(readFileSync(join(pack, "index.html"), "utf8")).toMatch(/400 day/)

    writeFileSync(config, "{ not json")
    const refused = join(dir, "refused")
    const bad = await runCli(["report", "--period", "2026-Q1", "--db", db, "--reports", refused, "--config", config])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("is not valid JSON")
    expect(existsSync(refused)).toBe(false)
  })
})
