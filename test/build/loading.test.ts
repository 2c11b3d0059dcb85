/**
 * Each command loads what it needs and no more: the compiled CLI runs with a module hook that records every module
 * the process loads, and the build's metafile says which sources each chunk of dist/ holds.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { cleanEnv, cliPath } from "../support/Cli.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const tracer = fileURLToPath(new URL("./trace-loads.mjs", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-loading-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
// Written by the first test (demo), so that the reading commands below run to the end on a real history.
const db = join(dir, "demo", "demo", "audit.duckdb")

let traces = 0
/** The sources and packages a command line loaded, as paths relative to the project (src/..., node_modules/...). */
const loadedBy = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number; loaded: Set<string> }>((resolve) => {
    const file = join(dir, `loaded-${traces++}.txt`)
    writeFileSync(file, "")
    execFile(
      process.execPath,
      ["--import", tracer, cliPath, ...args],
      { env: { ...cleanEnv(), LOADED_MODULES_FILE: file }, timeout: 60_000 },
      (error) => {
        const meta = JSON.parse(readFileSync(join(root, "dist/meta.json"), "utf8")) as {
          outputs: Record<string, { inputs: Record<string, unknown> }>
        }
        const loaded = new Set<string>()
        for (const url of readFileSync(file, "utf8").split("\n")) {
          if (!url.startsWith("file:")) continue
          const path = fileURLToPath(url).slice(root.length)
          // A chunk of the build stands for the sources bundled into it.
          const chunk = meta.outputs[path]
          for (const input of chunk ? Object.keys(chunk.inputs) : [path]) loaded.add(input)
        }
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, loaded })
      }
    )
  })

const matching = (loaded: Set<string>, prefix: string) => [...loaded].filter((path) => path.startsWith(prefix))

// What a reading command must never pay for at start-up.
const heavy = ["src/simulator/", "src/reports/", "node_modules/exceljs/", "node_modules/undici/"]

describe("each command loads only what it needs", () => {
  it("the trace sees what a command loads: demo loads the simulators, the report writers and exceljs", async () => {
    const { code, loaded } = await loadedBy(["demo", "--days", "1", "--reports", join(dir, "demo")])
    expect(code).toBe(0)
    for (const prefix of heavy) {
      expect({ prefix, loaded: matching(loaded, prefix).length > 0 }).toEqual({ prefix, loaded: true })
    }
    expect(matching(loaded, "src/cli/commands/demo.ts")).toHaveLength(1)
  })

  it.each([
    [["--help"]],
    [["sql", "--help"]],
    [["sql", "select 1", "--db", db]],
    [["findings", "--db", db]],
    [["diff", "--from", "1", "--db", db]],
    [["verify", "--db", db]]
  ])("%j loads no simulator, no report writer, no exceljs, no HTTP client", async (args) => {
    const { code, loaded } = await loadedBy(args)
    expect(code).toBe(0)
    expect(loaded.has("src/main.ts")).toBe(true)
    expect(loaded.has("src/store/Database.ts")).toBe(args[0] !== "--help" && args[1] !== "--help")
    for (const prefix of heavy) expect({ prefix, loaded: matching(loaded, prefix) }).toEqual({ prefix, loaded: [] })
  })

  it("--help loads no command's handler and no database", async () => {
    const { loaded } = await loadedBy(["--help"])
    expect(matching(loaded, "src/cli/commands/")).toEqual([])
    expect(matching(loaded, "src/store/")).toEqual([])
    expect(matching(loaded, "node_modules/@duckdb/")).toEqual([])
  })

  it("evidence writes its pack without loading playwright-core (only --pdf does), and verify --evidence loads no report writer", async () => {
    const out = join(dir, "evidence")
    const written = await loadedBy(["evidence", "--period", "2026-Q1", "--db", db, "--out", out])
    expect(written.code).toBe(0)
    expect(matching(written.loaded, "src/cli/commands/evidence.ts")).toHaveLength(1)
    expect(matching(written.loaded, "node_modules/playwright-core/")).toEqual([])
    expect(matching(written.loaded, "src/simulator/")).toEqual([])
    const zip = join(out, readdirSync(out).find((f) => f.endsWith(".zip"))!)
    const checked = await loadedBy(["verify", "--evidence", zip, "--db", db])
    expect(checked.code).toBe(0)
    for (const prefix of heavy) {
      expect({ prefix, loaded: matching(checked.loaded, prefix) }).toEqual({ prefix, loaded: [] })
    }
  })

  it.each([
    [["run", "--db", join(dir, "other.duckdb")]],
    [["snapshot", "--db", join(dir, "other.duckdb")]],
    [["report", "--db", db, "--reports", join(dir, "reports")]],
    [["export", "--db", db, "--to", join(dir, "history")]],
    [["import", "--db", join(dir, "imported.duckdb"), "--from", join(dir, "history")]]
  ])("%j loads the handler of its command but no simulator", async (args) => {
    const { loaded } = await loadedBy(args)
    expect(
      matching(
        loaded,
        `src/cli/commands/${
          args[0] === "run" || args[0] === "snapshot"
            ? "run"
            : args[0] === "export" || args[0] === "import"
            ? "history"
            : args[0]
        }.ts`
      )
    ).toHaveLength(1)
    expect(matching(loaded, "src/simulator/")).toEqual([])
    // exceljs is loaded where a workbook is written, not with the handler: run and snapshot stop here before any
    // report (no token is set), and export and import write none.
    if (args[0] !== "report") expect(matching(loaded, "node_modules/exceljs/")).toEqual([])
  })
})
