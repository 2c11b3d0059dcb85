import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { startTransactionLinkSimulator } from "../../src/simulator/transactionlink/index.js"
import { runCli, startCli } from "../support/Cli.js"
import { tempDir } from "../support/TempDir.js"

describe("one writer at a time", () => {
  it.scopedLive(
    "a second run on the same database stops with a clear message and the first completes",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const db = join(dir, "audit.duckdb")
        const sim = yield* Effect.acquireRelease(
          Effect.promise(() => startTransactionLinkSimulator({ seed: 12, size: "tiny", faults: { latencyMs: 3000 } })),
          (s) => Effect.promise(() => s.close())
        )
        const env = { TRANSACTIONLINK_API_URL: sim.url, TRANSACTIONLINK_API_TOKEN: sim.tokens.full }
        // The first run takes the writer's lock, then spends seconds waiting on the slow API.
        const first = startCli(["snapshot", "--source", "transactionlink", "--db", db], { env })
        yield* Effect.promise(() => first.saw("reading"))
        const second = yield* Effect.promise(() =>
          runCli(["snapshot", "--source", "transactionlink", "--db", db], { env })
        )
        expect(second.code).toBe(3)
        expect(second.stderr).toContain("in use by another process")
        expect(second.stderr).toContain("Only one ptolemy-audit may write at a time")
        expect(second.stderr).toContain(`${db}.lock`)
        expect((yield* Effect.promise(() => first.done)).code).toBe(0)
        // Afterwards the database is free again, and holds the first run only: one run per workspace,
        // plus the organisation-wide run that holds the enrollments.
        const sql = yield* Effect.promise(() =>
          runCli(["sql", "SELECT count(*) AS runs FROM runs", "--db", db, "--format", "csv"])
        )
        expect(sql.stdout.trim().split(/\r?\n/)[1]).toBe(String(sim.world.workspacesJson().length + 1))
      }),
    300_000
  )
})
