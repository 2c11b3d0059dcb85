import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readdirSync } from "node:fs"
import { join } from "node:path"
import { verifyChain } from "../../src/history/Integrity.js"
import { startTransactionLinkSimulator } from "../../src/simulator/transactionlink/index.js"
import { Database } from "../../src/store/Database.js"
import { storeLayer } from "../../src/store/StoreLayer.js"
import { runCli } from "../support/Cli.js"
import { tempDir } from "../support/TempDir.js"

const views = ["runs", "coverage", "members", "invitations", "changes", "findings"]

/** Everything a user can see, read by a separate, read-only open of the file (the child must have exited). */
const observe = (db: string) =>
  Effect.scoped(
    Effect.gen(function*() {
      const database = yield* Database
      const dump: Record<string, unknown> = {}
      for (const view of views) dump[view] = yield* database.query(`SELECT * FROM ${view} ORDER BY ALL`)
      return { dump, breaches: (yield* verifyChain(database)).breaches }
    }).pipe(Effect.provide(storeLayer({ path: db, readOnly: true })))
  )

describe("crash safety: a run killed at any moment", () => {
  it.scopedLive(
    "leaves a database that opens, with every earlier run intact and no partial run",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const db = join(dir, "audit.duckdb")
        const sim = yield* Effect.acquireRelease(
          Effect.promise(() => startTransactionLinkSimulator({ seed: 11, size: "small" })),
          (s) => Effect.promise(() => s.close())
        )
        const workspace = sim.world.workspacesJson()[0]!.id
        const snapshot = (env: Record<string, string> = {}) =>
          Effect.promise(() =>
            runCli(["snapshot", "--source", "transactionlink", "--workspace", workspace, "--db", db], {
              env: { TRANSACTIONLINK_API_URL: sim.url, TRANSACTIONLINK_API_TOKEN: sim.tokens.full, ...env }
            })
          )

        const first = yield* snapshot()
        expect(first.code).toBe(0)
        const before = yield* observe(db)
        expect(before.breaches).toEqual([])
        expect((before.dump["runs"] as Array<unknown>).length).toBe(1)

        for (const point of ["fetching", "staged", "merging"]) {
          sim.advanceDays(1) // something to change, so a partial run would show
          const killed = yield* snapshot({ PTOLEMY_AUDIT_CRASH_AT: point })
          expect({ point, signal: killed.signal }).toEqual({ point, signal: "SIGKILL" })
          const after = yield* observe(db)
          expect({ point, ...after }).toEqual({ point, ...before })
        }

        // Killed after its commit, a run is whole; and the database takes new runs as before.
        const committed = yield* snapshot({ PTOLEMY_AUDIT_CRASH_AT: "committed" })
        expect(committed.signal).toBe("SIGKILL")
        const next = yield* snapshot()
        expect(next.code).toBe(0)
        // What the killed runs staged beside the database is gone with them; only the database and its lock remain.
        expect(readdirSync(dir).filter((name) => name.startsWith("audit.duckdb")).sort()).toEqual([
          "audit.duckdb",
          "audit.duckdb.lock"
        ])
        const end = yield* observe(db)
        expect(end.breaches).toEqual([])
        expect((end.dump["runs"] as Array<{ status: string }>).map((r) => r.status)).toEqual([
          "complete",
          "complete",
          "complete"
        ])
      }),
    300_000
  ) // six CLI runs, each a Node start-up and a snapshot
})
