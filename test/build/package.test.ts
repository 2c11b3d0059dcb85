/**
 * The package a user installs: `npm pack` ships the compiled CLI and the documentation, no sources, tests or bench,
 * and the tarball installs into an empty folder and runs from there (npm's cache stands in for the registry).
 */
import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { cleanEnv, runCli } from "../support/Cli.js"

const repository = fileURLToPath(new URL("../..", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-package-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const sh = (command: string, args: ReadonlyArray<string>, cwd: string) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      command,
      args,
      { cwd, env: { ...cleanEnv(), npm_config_prefer_offline: "true" }, maxBuffer: 1 << 26 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    )
  )

describe("the npm package", () => {
  it("packs the compiled CLI and the docs only, installs into an empty folder, and runs from there", async () => {
    // dist/ is fresh (globalSetup); --ignore-scripts keeps pack from rebuilding it under the other test files.
    const pack = await sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], repository)
    expect(pack.code).toBe(0)
    const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
    const files = packed!.files.map((f) => f.path)
    for (const needed of ["package.json", "README.md", "bin/ptolemy-audit.js", "dist/main.js", "docs/sql.md"]) {
      expect(files).toContain(needed)
    }
    const unwanted = files.filter((f) =>
      /^(src|test|bench|scripts|reports|\.github|\.ci)\/|\.map$|meta\.json$|tsconfig|vitest/.test(f)
    )
    expect(unwanted).toEqual([])

    const home = join(dir, "home")
    await sh("mkdir", ["-p", home], dir)
    writeFileSync(join(home, "package.json"), JSON.stringify({ name: "someone-elses-project", private: true }))
    const install = await sh("npm", ["install", "--no-audit", "--no-fund", join(dir, packed!.filename)], home)
    expect({ code: install.code, stderr: install.stderr }).toMatchObject({ code: 0 })

    const help = await sh("npx", ["ptolemy-audit", "--help"], home)
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("Usage\n  ptolemy-audit COMMAND [options]")
    // A real run from the installed package: DuckDB's native binding, the simulator, the workbook writer.
    const bin = join(home, "node_modules/ptolemy-audit/bin/ptolemy-audit.js")
    const demo = await runCli(["demo", "--days", "1", "--reports", join(home, "out")], { bin, cwd: home })
    expect({ code: demo.code, stderr: demo.stderr }).toMatchObject({ code: 0 })
    expect(existsSync(join(home, "out/demo/audit.xlsx"))).toBe(true)
  }, 300_000)
})
