/**
 * Faults of the machine the run is on, not of the API: a reports folder that cannot be written, a signal (Ctrl-C, a
 * cancelled GitHub job), a database damaged on disk. Each against the real CLI: the exit code, the message, and what
 * was stored.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { closeSync, copyFileSync, mkdirSync, openSync, readdirSync, statSync, writeFileSync, writeSync } from "node:fs"
import { join } from "node:path"
import { startTransactionLinkSimulator } from "../../src/simulator/transactionlink/index.js"
import { runCli, startCli } from "../support/Cli.js"
import { tempDir } from "../support/TempDir.js"

const simulator = (seed: number) =>
  Effect.acquireRelease(
    Effect.promise(() => startTransactionLinkSimulator({ seed, size: "tiny" })),
    (s) => Effect.promise(() => s.close())
  )

/** The runs table, as a user reads it. */
const runs = (db: string) =>
  Effect.map(
    Effect.promise(() =>
      runCli(["sql", "SELECT run_id, status, error FROM runs ORDER BY run_id", "--db", db, "--format", "json"])
    ),
    (result) => JSON.parse(result.stdout) as Array<{ run_id: number; status: string; error: string | null }>
  )

const members = (db: string) =>
  Effect.map(
    Effect.promise(() =>
      runCli(["sql", "SELECT run_id, id, role FROM members ORDER BY ALL", "--db", db, "--format", "json"])
    ),
    (result) => JSON.parse(result.stdout) as Array<unknown>
  )

const verifies = (db: string) =>
  Effect.map(Effect.promise(() => runCli(["verify", "--db", db])), (result) => result.code)

describe("local faults and signals", () => {
  it.scopedLive(
    "reports that cannot be written: exit 5 with the path and the OS reason; the run is stored and the lock released",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const db = join(dir, "audit.duckdb")
        const sim = yield* simulator(21)
        const workspace = sim.world.workspacesJson()[0]!.id
        const env = { TRANSACTIONLINK_API_URL: sim.url, TRANSACTIONLINK_API_TOKEN: sim.tokens.full }
        // The reports folder lies under a plain file: every write to it fails with ENOTDIR, at once.
        const blocker = join(dir, "not-a-folder")
        writeFileSync(blocker, "")
        const run = yield* Effect.promise(() =>
          runCli([
            "run",
            "--source",
            "transactionlink",
            "--workspace",
            workspace,
            "--db",
            db,
            "--reports",
            join(blocker, "reports")
          ], { env })
        )
        expect(run.code).toBe(5)
        expect(run.stderr).toContain("Run 1 was stored, but its reports could not be written")
        expect(run.stderr).toContain(join(blocker, "reports"))
        expect(run.stderr).toContain("ENOTDIR")
        expect(run.stderr).toContain("ptolemy-audit report --run 1")
        expect((yield* runs(db)).map((r) => r.status)).toEqual(["complete"])
        // Nothing holds the database or the writer's lock any more: the next run stores and reports normally.
        const next = yield* Effect.promise(() =>
          runCli([
            "run",
            "--source",
            "transactionlink",
            "--workspace",
            workspace,
            "--db",
            db,
            "--reports",
            join(dir, "reports")
          ], { env })
        )
        expect({ code: next.code, stderr: next.stderr }).toMatchObject({ code: 0 })
        expect((yield* runs(db)).map((r) => r.status)).toEqual(["complete", "complete"])
      }),
    300_000
  )

  it.scopedLive(
    "a signal before the commit: a failed run row saying which, nothing else stored, exit 128 + the signal",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const db = join(dir, "audit.duckdb")
        const sim = yield* simulator(22)
        const workspace = sim.world.workspacesJson()[0]!.id
        const env = { TRANSACTIONLINK_API_URL: sim.url, TRANSACTIONLINK_API_TOKEN: sim.tokens.full }
        const snapshot = ["snapshot", "--source", "transactionlink", "--workspace", workspace, "--db", db]
        expect((yield* Effect.promise(() => runCli(snapshot, { env }))).code).toBe(0)
        const before = yield* members(db)
        sim.advanceDays(3) // something to store, so a partial run would show

        // SIGTERM right after the first page was staged (the process sends it to itself at that moment).
        const terminated = yield* Effect.promise(() =>
          runCli(snapshot, {
            env: { ...env, PTOLEMY_AUDIT_CRASH_AT: "fetching", PTOLEMY_AUDIT_CRASH_SIGNAL: "SIGTERM" }
          })
        )
        expect(terminated.code).toBe(143)
        expect(terminated.stderr).toContain(
          "cancelled by SIGTERM while the run was being read: nothing of it was stored"
        )

        // A cancelled GitHub job: SIGINT, then SIGTERM, while the run waits on a slow API.
        sim.setFaults({ latencyMs: 10_000 })
        const running = startCli([...snapshot, "--request-timeout", "60"], { env, timeoutMs: 200_000 })
        yield* Effect.promise(() => running.saw("reading"))
        running.child.kill("SIGINT")
        yield* Effect.sleep("200 millis")
        running.child.kill("SIGTERM")
        const interrupted = yield* Effect.promise(() => running.done)
        expect({ code: interrupted.code, signal: interrupted.signal }).toEqual({ code: 130, signal: null })
        expect(interrupted.stderr).toContain("cancelled by SIGINT while the run was being read")
        sim.setFaults({})

        const rows = yield* runs(db)
        expect(rows.map((r) => r.status)).toEqual(["complete", "failed", "failed"])
        expect(rows[1]!.error).toBe("The run was cancelled by SIGTERM before it was stored; nothing of it was stored.")
        expect(rows[2]!.error).toBe("The run was cancelled by SIGINT before it was stored; nothing of it was stored.")
        expect(yield* members(db)).toEqual(before)
        expect(yield* verifies(db)).toBe(0)
        expect(readdirSync(dir).filter((name) => name.includes(".staging"))).toEqual([])
      }),
    400_000
  )

  it.scopedLive(
    "a signal while the reports are written: the run stays stored, the unfinished report is removed, and it says so",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const db = join(dir, "audit.duckdb")
        const reports = join(dir, "reports")
        const sim = yield* simulator(23)
        const workspace = sim.world.workspacesJson()[0]!
        const env = { TRANSACTIONLINK_API_URL: sim.url, TRANSACTIONLINK_API_TOKEN: sim.tokens.full }
        // What a workbook being written looks like at that moment: its .partial file in the run's folder.
        const folder = join(
          reports,
          workspace.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, ""),
          "run-1"
        )
        mkdirSync(folder, { recursive: true })
        writeFileSync(join(folder, "audit.xlsx.partial"), "PK half a workbook")
        const run = yield* Effect.promise(() =>
          runCli(
            ["run", "--source", "transactionlink", "--workspace", workspace.id, "--db", db, "--reports", reports],
            {
              env: { ...env, PTOLEMY_AUDIT_CRASH_AT: "reporting", PTOLEMY_AUDIT_CRASH_SIGNAL: "SIGTERM" }
            }
          )
        )
        expect(run.code).toBe(143)
        expect(run.stderr).toContain(
          "cancelled by SIGTERM while writing the reports of run 1: the run is stored, its reports are not"
        )
        expect(run.stderr).toContain("removed the unfinished audit.xlsx.partial")
        expect(run.stderr).toContain("ptolemy-audit report --run 1")
        expect(readdirSync(folder).filter((name) => name.endsWith(".partial"))).toEqual([])
        expect((yield* runs(db)).map((r) => r.status)).toEqual(["complete"])
        expect(yield* verifies(db)).toBe(0)
      }),
    300_000
  )

  it.scopedLive(
    "a database damaged in the middle is named as damaged, never as in use by another process",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const db = join(dir, "audit.duckdb")
        const sim = yield* simulator(24)
        const workspace = sim.world.workspacesJson()[0]!.id
        const env = { TRANSACTIONLINK_API_URL: sim.url, TRANSACTIONLINK_API_TOKEN: sim.tokens.full }
        const snapshot = ["snapshot", "--source", "transactionlink", "--workspace", workspace]
        expect((yield* Effect.promise(() => runCli([...snapshot, "--db", db], { env }))).code).toBe(0)
        // Overwrite the middle half of a real database (a disk or a copy gone wrong).
        const damaged = join(dir, "damaged.duckdb")
        copyFileSync(db, damaged)
        const size = statSync(damaged).size
        const fd = openSync(damaged, "r+")
        writeSync(fd, Buffer.alloc(Math.floor(size / 2), 0x5a), 0, Math.floor(size / 2), Math.floor(size / 4))
        closeSync(fd)
        for (const args of [["verify"], ["findings"], ["sql", "SELECT count(*) FROM members"], snapshot]) {
          const result = yield* Effect.promise(() => runCli([...args, "--db", damaged], { env }))
          expect({ command: args[0], code: result.code }).toEqual({ command: args[0], code: 3 })
          expect(result.stderr).toContain(`${damaged} is not a readable DuckDB database`)
          expect(result.stderr).toContain("Restore it from the exported history")
          expect(result.stderr).not.toContain("in use by another process")
        }
      }),
    300_000
  )
})
