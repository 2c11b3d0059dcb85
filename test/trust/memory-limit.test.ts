/**
 * The memory DuckDB may keep during a run (docs/performance.md): the default is enough for a run, and a limit too
 * small for it is a failed run whose message names the setting to raise, with the earlier history untouched.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { startPtolemySimulator } from "../../src/simulator/ptolemy/index.js"
import { runCli } from "../support/Cli.js"
import { tempDir } from "../support/TempDir.js"

describe("DuckDB's memory during a run", () => {
  it.scopedLive("the default suffices; too little fails the run naming PTOLEMY_AUDIT_MEMORY_LIMIT and stores nothing of it", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const db = join(dir, "audit.duckdb")
      const sim = yield* Effect.acquireRelease(
        Effect.promise(() => startPtolemySimulator({ seed: 5, size: "small", churn: 1 })),
        (s) => Effect.promise(() => s.close())
      )
      const env = {
        PTOLEMY_API_URL: sim.url,
        PTOLEMY_API_TOKEN: sim.tokens.admin,
        PTOLEMY_WORKSPACE: sim.workspace.slug
      }
      const snapshot = (extra: Record<string, string> = {}) =>
        Effect.promise(() => runCli(["snapshot", "--db", db], { env: { ...env, ...extra } }))
      expect((yield* snapshot()).code).toBe(0)
      sim.advanceDays(1)

      const starved = yield* snapshot({ PTOLEMY_AUDIT_MEMORY_LIMIT: "24MB" })
      expect(starved.code).toBe(3)
      expect(starved.stderr).toMatch(/more memory than it may use.*PTOLEMY_AUDIT_MEMORY_LIMIT/)

      const runs = yield* Effect.promise(() =>
        runCli(["sql", "SELECT run_id, status FROM runs ORDER BY run_id", "--db", db, "--format", "json"])
      )
      const rows = JSON.parse(runs.stdout) as Array<{ run_id: number; status: string }>
      expect(rows[0]).toEqual({ run_id: 1, status: "complete" })
      expect(rows.filter((r) => r.status === "complete")).toHaveLength(1)
      expect((yield* Effect.promise(() => runCli(["verify", "--db", db]))).code).toBe(0)

      // A generous limit is taken as given.
      expect((yield* snapshot({ PTOLEMY_AUDIT_MEMORY_LIMIT: "1GB" })).code).toBe(0)
    }))
})
