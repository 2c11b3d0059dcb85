import { spawn } from "node:child_process"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { startTransactionLinkSimulator } from "../../src/simulator/transactionlink/index.js"
import { cleanEnv, cliPath, runCli } from "../support/Cli.js"
import { tempDir } from "../support/TempDir.js"

describe("one writer at a time", () => {
  it.scopedLive("a second run on the same database stops with a clear message and the first completes", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const db = join(dir, "audit.duckdb")
      const sim = yield* Effect.acquireRelease(
        Effect.promise(() => startTransactionLinkSimulator({ seed: 12, size: "tiny", faults: { latencyMs: 1500 } })),
        (s) => Effect.promise(() => s.close())
      )
      const env = { ...cleanEnv(), TRANSACTIONLINK_API_URL: sim.url, TRANSACTIONLINK_API_TOKEN: sim.tokens.full }
      const args = [cliPath, "snapshot", "--source", "transactionlink", "--db", db]
      // The first run opens the database, then spends seconds waiting on the slow API.
      const first = spawn(process.execPath, args, { env })
      let firstErr = ""
      const reading = new Promise<void>((resolve) =>
        first.stderr.on("data", (chunk: Buffer) => {
          firstErr += chunk.toString()
          if (firstErr.includes("reading")) resolve()
        })
      )
      const firstDone = new Promise<number | null>((resolve) => first.on("exit", (code) => resolve(code)))
      yield* Effect.promise(() => reading)
      const second = yield* Effect.promise(() =>
        runCli(["snapshot", "--source", "transactionlink", "--db", db], {
          env: { TRANSACTIONLINK_API_URL: sim.url, TRANSACTIONLINK_API_TOKEN: sim.tokens.full }
        })
      )
      expect(second.code).toBe(3)
      expect(second.stderr).toContain("in use by another process")
      expect(second.stderr).toContain("Only one ptolemy-audit may write at a time")
      expect(yield* Effect.promise(() => firstDone)).toBe(0)
      // Afterwards the database is free again, and holds the first run only: one run per workspace,
      // plus the organisation-wide run that holds the enrollments.
      const sql = yield* Effect.promise(() => runCli(["sql", "SELECT count(*) AS runs FROM runs", "--db", db, "--format", "csv"]))
      expect(sql.stdout.trim().split(/\r?\n/)[1]).toBe(String(sim.world.workspacesJson().length + 1))
    }))
})
