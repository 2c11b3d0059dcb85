import { DuckDBInstance } from "@duckdb/node-api"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { startTransactionLinkSimulator } from "../../src/simulator/transactionlink/index.js"
import { runCli, startCli } from "../support/Cli.js"
import { tempDir } from "../support/TempDir.js"

describe("readers while a run fetches", () => {
  it.scopedLive(
    "sql and findings answer while a run waits on the API, and the run then commits",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const db = join(dir, "audit.duckdb")
        const sim = yield* Effect.acquireRelease(
          Effect.promise(() => startTransactionLinkSimulator({ seed: 14, size: "tiny" })),
          (s) => Effect.promise(() => s.close())
        )
        const workspace = sim.world.workspacesJson()[0]!.id
        const env = { TRANSACTIONLINK_API_URL: sim.url, TRANSACTIONLINK_API_TOKEN: sim.tokens.full }
        const snapshot = ["snapshot", "--source", "transactionlink", "--workspace", workspace, "--db", db]
        expect((yield* Effect.promise(() => runCli(snapshot, { env }))).code).toBe(0)

        // Every answer now takes 15 seconds: the run spends most of its life waiting on the API.
        sim.setFaults({ latencyMs: 15_000 })
        sim.advanceDays(1)
        const running = startCli([...snapshot, "--request-timeout", "120"], { env, timeoutMs: 280_000 })
        yield* Effect.promise(() => running.saw("reading"))
        const [sql, findings] = yield* Effect.promise(() =>
          Promise.all([
            runCli(["sql", "SELECT count(*) AS runs FROM runs", "--db", db, "--format", "csv"]),
            runCli(["findings", "--db", db, "--json"])
          ])
        )
        // Both answered from the history as it was, while the run was still under way.
        expect({ code: sql.code, stderr: sql.stderr }).toEqual({ code: 0, stderr: "" })
        expect(sql.stdout.trim().split(/\r?\n/)).toEqual(["runs", "1"])
        expect({ code: findings.code, stderr: findings.stderr }).toEqual({ code: 0, stderr: "" })
        expect(Array.isArray(JSON.parse(findings.stdout))).toBe(true)
        expect({ exitCode: running.child.exitCode, signal: running.child.signalCode }).toEqual({
          exitCode: null,
          signal: null
        })

        const done = yield* Effect.promise(() => running.done)
        expect({ code: done.code, stderr: done.stderr }).toMatchObject({ code: 0 })
        const after = yield* Effect.promise(() =>
          runCli(["sql", "SELECT status FROM runs ORDER BY run_id", "--db", db, "--format", "csv"])
        )
        expect(after.stdout.trim().split(/\r?\n/)).toEqual(["status", "complete", "complete"])
      }),
    360_000
  )

  it.scopedLive(
    "a run whose commit finds a reader holding the file waits for it, says so, and then commits",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const db = join(dir, "audit.duckdb")
        const sim = yield* Effect.acquireRelease(
          Effect.promise(() => startTransactionLinkSimulator({ seed: 15, size: "tiny" })),
          (s) => Effect.promise(() => s.close())
        )
        const workspace = sim.world.workspacesJson()[0]!.id
        const env = { TRANSACTIONLINK_API_URL: sim.url, TRANSACTIONLINK_API_TOKEN: sim.tokens.full }
        const snapshot = ["snapshot", "--source", "transactionlink", "--workspace", workspace, "--db", db]
        expect((yield* Effect.promise(() => runCli(snapshot, { env }))).code).toBe(0)
        // A reader in another process (this one) holds the file open, as a long `sql` or a DuckDB CLI session would.
        const reader = yield* Effect.promise(() => DuckDBInstance.create(db, { access_mode: "READ_ONLY" }))
        const running = startCli(snapshot, { env, timeoutMs: 240_000 })
        yield* Effect.promise(() => running.saw("is in use by another process; waiting up to"))
        expect(running.child.exitCode).toBe(null)
        reader.closeSync()
        const done = yield* Effect.promise(() => running.done)
        expect(done.code).toBe(0)
        const after = yield* Effect.promise(() =>
          runCli(["sql", "SELECT status FROM runs ORDER BY run_id", "--db", db, "--format", "csv"])
        )
        expect(after.stdout.trim().split(/\r?\n/)).toEqual(["status", "complete", "complete"])
      }),
    300_000
  )
})
