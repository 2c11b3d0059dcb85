/**
 * The commands as a user runs them (the compiled CLI): `evidence --period` writes the pack, `verify --evidence`
 * passes on it, names the CSV after one is edited and the run after one stored row is edited; bad usage is exit 2
 * and writes nothing.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Database } from "../../src/store/Database.js"
import { runCli } from "../support/Cli.js"
import { testStore } from "../support/Pipeline.js"
import { tempDir } from "../support/TempDir.js"
import { buildHistory } from "./support.js"

describe("evidence and verify --evidence on the command line", () => {
  it.scoped("writes the pack, verifies it, then names the edited CSV and the run whose stored row was edited", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(buildHistory, testStore(dir))
      const db = join(dir, "audit.duckdb")
      const reports = join(dir, "reports")
      const cli = (args: ReadonlyArray<string>, env?: Record<string, string>) =>
        Effect.promise(() => runCli(args, env ? { env } : {}))

      // Bad usage: exit 2, nothing written.
      expect((yield* cli(["evidence", "--db", db, "--reports", reports])).code).toBe(2)
      const noChromium = yield* cli(["evidence", "--period", "2026-Q1", "--db", db, "--reports", reports, "--pdf"], {
        CHROME_PATH: join(dir, "no-such-chromium")
      })
      expect(noChromium.code).toBe(2)
      expect(noChromium.stderr).toContain("CHROME_PATH")
      expect(existsSync(reports)).toBe(false)

      const made = yield* cli(["evidence", "--period", "2026-Q1", "--db", db, "--reports", reports])
      expect({ code: made.code, stderr: made.stderr }).toMatchObject({ code: 0 })
      expect(made.stderr).toContain("starts after the period does")
      const packDir = join(reports, "evidence-acme-capital-2026-Q1")
      const zip = join(packDir, "evidence-acme-capital-2026-Q1.zip")
      expect(existsSync(zip)).toBe(true)
      expect(made.stdout).toContain("manifest.json SHA-256 ")
      const manifest = JSON.parse(readFileSync(join(packDir, "manifest.json"), "utf8")) as { command_line: string }
      expect(manifest.command_line).toBe("ptolemy-audit evidence --period 2026-Q1")

      for (const target of [packDir, zip]) {
        const ok = yield* cli(["verify", "--evidence", target, "--db", db])
        expect({ target, code: ok.code, stdout: ok.stdout, stderr: ok.stderr }).toMatchObject({ target, code: 0 })
        expect(ok.stdout).toContain("The evidence pack verifies")
        expect(ok.stdout).toContain("match the history")
      }
      const filesOnly = yield* cli(["verify", "--evidence", zip])
      expect(filesOnly.code).toBe(0)
      expect(filesOnly.stdout).toContain("pass --db FILE")
      expect((yield* cli(["verify", "--evidence", join(dir, "nothing-here")])).code).toBe(2)

      // One CSV edited: the folder no longer verifies, and the file is named.
      const csv = readdirSync(packDir).find((f) => f.endsWith("-population.csv"))!
      const original = readFileSync(join(packDir, csv))
      writeFileSync(
        join(packDir, csv),
        Buffer.concat([original, Buffer.from("Mallory,mallory@acme.test,human,,admin,joined,,m-x\r\n")])
      )
      const edited = yield* cli(["verify", "--evidence", packDir])
      expect(edited.code).toBe(1)
      expect(edited.stderr).toContain(`file ${csv}: its SHA-256 is`)
      writeFileSync(join(packDir, csv), original)

      // One stored row edited in the database: the zip's files still verify, and the first run it belongs to is named.
      yield* Effect.provide(
        Effect.flatMap(
          Database,
          (d) => d.execute("UPDATE member_versions SET display_name = 'Someone Else' WHERE id = 'ann'")
        ),
        testStore(dir)
      )
      const tampered = yield* cli(["verify", "--evidence", zip, "--db", db])
      expect(tampered.code).toBe(1)
      expect(tampered.stderr).toContain("run 1: its stored data no longer matches the hash the pack recorded")
    }))
})
