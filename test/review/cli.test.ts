import { Effect } from "effect"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/Cli.js"
import { snapshotAt, testStore } from "../support/Pipeline.js"
import { invitation } from "../support/Records.js"
import { fillWorkbook, KEYS, population } from "./support.js"

let dir = ""
let db = ""

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-review-cli-"))
  db = join(dir, "audit.duckdb")
  // Two runs in 2026-Q1 (the second is the one a Q1 campaign freezes) and one in Q2; the invitations last till June.
  const state = {
    ...population(),
    invitations: [
      invitation("dan", { role: "admin", expires_at: "2026-06-01T00:00:00Z" }),
      invitation("eve", { role: "member", expires_at: "2026-06-01T00:00:00Z" })
    ]
  }
  await Effect.runPromise(
    Effect.scoped(
      Effect.provide(
        Effect.gen(function*() {
          yield* snapshotAt(state, "2026-02-01T06:00:00Z")
          yield* snapshotAt(state, "2026-03-30T06:00:00Z")
          yield* snapshotAt(state, "2026-04-02T06:00:00Z")
        }),
        testStore(dir)
      )
    )
  )
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cli = (...args: Array<string>) => runCli([...args, "--db", db])

describe("ptolemy-audit review", () => {
  it("start, import, status, close and verify, as a user runs them", async () => {
    const reports = join(dir, "reports")
    const start = await runCli([
      "review",
      "start",
      "--db",
      db,
      "--reports",
      reports,
      "--period",
      "2026-Q1",
      "--reviewer",
      "cat@acme.test",
      "--due",
      "2026-04-30"
    ])
    expect(start.stderr).toBe("")
    expect(start.code).toBe(0)
    expect(start.stdout).toContain("Campaign 1: run 2 of acme-capital frozen, 8 items (2 privileged)")
    const workbook = join(reports, "review-1", "review.xlsx")
    const filled = await fillWorkbook(workbook, join(dir, "filled.xlsx"), {
      [KEYS.ann]: { Decision: "Keep", Reviewer: "cat@acme.test", "Reviewed on": new Date(Date.UTC(2026, 3, 3)) },
      [KEYS.bob]: { Decision: "Remove", "Reviewed on": new Date(Date.UTC(2026, 3, 3)) },
      [KEYS.cat]: { Decision: "Keep", "Reviewed on": new Date(Date.UTC(2026, 3, 3)) }
    })
    // Cat's own row needs a comment: rejected (exit 1), the others recorded, by the --reviewer given.
    const imported = await cli("review", "import", filled, "--reviewer", "cat@acme.test")
    expect(imported.code).toBe(1)
    expect(imported.stdout).toContain("Campaign 1: 2 decisions recorded from filled.xlsx (xlsx, sha256 ")
    expect(imported.stderr).toMatch(
      /row \d+: cat@acme.test reviews their own access \(member:cat \(cat@acme.test\)\): a self-review needs a Comment/
    )
    const again = await cli("review", "import", filled, "--reviewer", "cat@acme.test")
    expect(again.code).toBe(0)
    expect(again.stdout).toContain("was already imported into campaign 1")

    const status = await cli("review", "status", "--json")
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject([
      {
        campaign_id: "1",
        run_id: 2,
        period: "2026-Q1",
        status: "open",
        items: 8,
        decided: 2,
        keep: 1,
        remove: 1,
        undecided_privileged: 1,
        due_on: "2026-04-30"
      }
    ])
    const refused = await cli("review", "close", "--signed-by", "Grace")
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("1 undecided privileged item")
    const closed = await cli(
      "review",
      "close",
      "--signed-by",
      "Grace",
      "--accept-undecided",
      "Dan's invitation is revoked separately"
    )
    expect(closed.code).toBe(0)
    expect(closed.stdout).toContain("Campaign 1 signed off by Grace")
    const verified = await cli("verify")
    expect(verified.code).toBe(0)
    expect(verified.stdout).toContain("and 3 ledger entries")
    const late = await cli("review", "import", filled)
    expect(late.code).toBe(2)
    expect(late.stderr).toContain("was signed off by Grace")
  }, 400_000)

  it("exits 2 and records nothing for a file of no campaign, and bad usage", async () => {
    const csv = readFileSync(join(dir, "reports", "review-1", "review.csv"), "utf8")
    const foreign = join(dir, "foreign.csv")
    writeFileSync(foreign, csv.replace(/Population hash,p[0-9a-f]+/, "Population hash,p1234567890abcdef"))
    const before = await cli("sql", "--format", "csv", "SELECT count(*) AS n FROM ledger_log")
    const result = await cli("review", "import", foreign)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("belongs to no campaign of this database")
    expect((await cli("sql", "--format", "csv", "SELECT count(*) AS n FROM ledger_log")).stdout).toBe(before.stdout)
    const both = await runCli(["review", "start", "--db", db, "--period", "2026-Q1", "--run", "1"])
    expect(both.code).toBe(2)
    expect(both.stderr).toContain("Use either --period or --run")
    const badDue = await runCli(["review", "start", "--db", db, "--due", "30/04/2026"])
    expect(badDue.code).toBe(2)
    expect(badDue.stderr).toContain("--due \"30/04/2026\" is not a date")
    const missing = await cli("review", "import", join(dir, "nope.xlsx"))
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("Cannot read")
  }, 400_000)
})
