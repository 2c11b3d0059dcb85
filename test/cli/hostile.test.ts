import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { HOSTILE, hostileHistory } from "../reports/Hostile.js"
import { runCli } from "../support/Cli.js"
import { testStore } from "../support/Pipeline.js"

/** What a terminal would act on: every control character but the newline that ends a line. */
const TERMINAL_CONTROL =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

const dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-hostile-"))
const db = join(dir, "audit.duckdb")
beforeAll(() => Effect.runPromise(Effect.provide(hostileHistory(), testStore(dir))))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cli = (...args: ReadonlyArray<string>) => runCli([...args, "--db", db])

/** Every string in a parsed JSON value. */
const strings = (value: unknown): Array<string> =>
  typeof value === "string"
    ? [value]
    : typeof value === "object" && value !== null
    ? Object.values(value).flatMap(strings)
    : []

const clean = (out: { readonly code: number | null; readonly stdout: string; readonly stderr: string }) => {
  expect(out.code).toBe(0)
  expect(out.stdout).not.toMatch(TERMINAL_CONTROL)
  expect(out.stderr).not.toMatch(TERMINAL_CONTROL)
  return out.stdout
}

// Each test starts the CLI a few times, several seconds each on a loaded machine.
describe("hostile strings never reach the terminal as control characters", { timeout: 300_000 }, () => {
  it("findings: visible escapes in the table; in JSON, escaped as JSON escapes them, the same values", async () => {
    const [table, json] = await Promise.all([cli("findings"), cli("findings", "--json")])
    expect(clean(table)).toContain("\\u202eexe.txt@acme.test")
    expect(strings(JSON.parse(clean(json)))).toContain(`${HOSTILE.bidi}@acme.test`)
  })

  it("diff: the same, and a window before the history starts at its first run with a warning", async () => {
    const [table, json, early] = await Promise.all([
      cli("diff", "--from", "1", "--to", "latest"),
      cli("diff", "--from", "1", "--to", "latest", "--format", "json"),
      cli("diff", "--from", "2026-01-01", "--to", "2026-03-02")
    ])
    expect(clean(table)).toContain("Ada (\\x1b]0;pwned\\x07")
    expect(strings(JSON.parse(clean(json)))).toContain(`Ada (${HOSTILE.terminal})`)
    expect(clean(early)).toContain("from run 1 (2026-03-01T06:00:00Z) to run 2")
    expect(early.stderr).toContain("starts after 2026-01-01")
  })

  it("sql as a table: visible escapes, one line per row", async () => {
    const out = clean(await cli("sql", "SELECT display_name FROM members WHERE run_id = 2 ORDER BY id"))
    expect(out.trimEnd().split("\n")).toHaveLength(2 + 6 + 1)
    expect(out).toContain("Mallory | injected | row |")
  })

  it("CSV for spreadsheets neutralises formula cells; csv-raw keeps them", async () => {
    const query = "SELECT email FROM members WHERE run_id = 2 AND id = 'new'"
    expect((await cli("sql", query, "--format", "csv")).stdout).toBe(
      `email\r\n"'${HOSTILE.formula.replace(/"/g, "\"\"")}"\r\n`
    )
    expect((await cli("sql", query, "--format", "csv-raw")).stdout).toBe(
      `email\r\n"${HOSTILE.formula.replace(/"/g, "\"\"")}"\r\n`
    )
    const diff = await cli("diff", "--from", "1", "--to", "2", "--format", "csv")
    expect(diff.stdout).toContain(`"'${HOSTILE.formula.replace(/"/g, "\"\"")}"`)
    expect(diff.stdout).not.toMatch(/(^|,)"?=HYPERLINK/m)
  })
})
