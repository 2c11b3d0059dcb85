/**
 * The scheduled job as GitHub Actions plays it, twice, each time on a fresh clone: the history lives only on the
 * `audit-history` branch of the remote (a local bare repository here), restored, imported, extended and pushed back by
 * the same script and commands the composite action runs, with the tool installed by the action's own install step
 * (without development dependencies) into a fresh copy of this repository.
 */
import { execFile } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { startPtolemySimulator } from "../../src/simulator/ptolemy/index.js"
import { cleanEnv, runCli } from "../support/Cli.js"

const repository = fileURLToPath(new URL("../..", import.meta.url))
const action = join(repository, ".github/actions/ptolemy-audit/action.yml")
const historyScript = join(repository, ".github/actions/ptolemy-audit/history.sh")
const validator = join(repository, "node_modules/.bin/action-validator")
const root = mkdtempSync(join(tmpdir(), "ptolemy-audit-workflow-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
/** The installation the action made (the second test runs the job with it). */
let tool: string | undefined

const sh = (file: string, args: ReadonlyArray<string>, cwd: string, env: Record<string, string> = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      file,
      args,
      { cwd, env: { ...cleanEnv(), ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    )
  )

/** The shell command of one of the action's steps, as written in action.yml (a one-line `run:`). */
const actionStep = (name: string): string => {
  const steps = readFileSync(action, "utf8").split(/\n {4}- /)
  const step = steps.find((text) => text.startsWith(`name: ${name}\n`))
  const run = step?.match(/^ {6}run: (.+)$/m)?.[1]
  if (run === undefined) throw new Error(`action.yml has no one-line step "${name}"`)
  return run
}

/**
 * The tool as the action finds it on a runner: the repository's files (tracked and new, as this working tree has
 * them: no dist/, no node_modules/), installed by the action's install step. npm's cache stands in for the registry.
 */
const installTool = async () => {
  const tool = join(root, "tool")
  const files = (await sh("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], repository)).stdout
  for (const file of files.split("\0").filter((f) => f !== "" && existsSync(join(repository, f)))) {
    mkdirSync(dirname(join(tool, file)), { recursive: true })
    cpSync(join(repository, file), join(tool, file))
  }
  const install = await sh("bash", ["-c", actionStep("Install ptolemy-audit")], tool, {
    npm_config_prefer_offline: "true"
  })
  expect({ code: install.code, stderr: install.stderr }).toMatchObject({ code: 0 })
  return tool
}

describe("the scheduled workflow", () => {
  it("the workflow and action files are valid against GitHub's schemas", async () => {
    for (
      const file of [
        ".github/workflows/audit.yml",
        ".github/workflows/ci.yml",
        ".github/actions/ptolemy-audit/action.yml"
      ]
    ) {
      const result = await sh(validator, [file], repository)
      expect({ file, code: result.code, out: result.stdout + result.stderr }).toEqual({ file, code: 0, out: "" })
    }
  })

  it("the action installs without development dependencies and builds the compiled CLI", async () => {
    tool = await installTool()
    expect(existsSync(join(tool, "dist/main.js"))).toBe(true)
    // Nothing the run needs comes from a development dependency.
    for (const dev of ["tsx", "vitest", "typescript"]) {
      expect({ dev, installed: existsSync(join(tool, "node_modules", dev)) }).toEqual({ dev, installed: false })
    }
  }, 300_000)

  it("two runs on fresh runners: the second sees the first through the history branch, reports its changes, writes the summary and annotations", async () => {
    expect(tool).toBeDefined()
    const bin = join(tool!, "bin/ptolemy-audit.js")
    const sim = await startPtolemySimulator({ seed: 31, size: "small", churn: 1 })
    try {
      const origin = join(root, "origin.git")
      await sh("git", ["init", "--quiet", "--bare", "--initial-branch=main", origin], root)
      const seed = join(root, "seed")
      await sh("git", ["clone", "--quiet", origin, seed], root)
      writeFileSync(join(seed, "README.md"), "the repository that schedules the audit\n")
      const identity = {
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@example.com",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@example.com"
      }
      await sh("git", ["add", "."], seed)
      await sh("git", ["commit", "--quiet", "-m", "init"], seed, identity)
      await sh("git", ["push", "--quiet", "origin", "HEAD:main"], seed)

      const runOnFreshRunner = async (n: number) => {
        // actions/checkout on a fresh runner, and the action's RUNNER_TEMP paths.
        const work = join(root, `runner-${n}`, "repo")
        const temp = join(root, `runner-${n}`, "temp")
        await sh("git", ["clone", "--quiet", origin, work], root)
        const history = join(temp, "history")
        const db = join(temp, "audit.duckdb")
        const summary = join(temp, "step-summary.md")
        const restore = await sh(historyScript, ["restore", history], work)
        expect(restore.code).toBe(0)
        if (existsSync(join(history, "runs"))) {
          expect((await runCli(["import", "--from", history, "--db", db], { bin })).code).toBe(0)
        }
        const run = await runCli(["run", "--fail-on", "none", "--db", db, "--reports", join(temp, "reports")], {
          env: {
            PTOLEMY_API_URL: sim.url,
            PTOLEMY_API_TOKEN: sim.tokens.admin,
            PTOLEMY_WORKSPACE: sim.workspace.slug,
            GITHUB_ACTIONS: "true",
            GITHUB_STEP_SUMMARY: summary
          },
          bin
        })
        expect(run.code).toBe(0)
        expect((await runCli(["export", "--db", db, "--to", history], { bin })).code).toBe(0)
        const save = await sh(historyScript, ["save", history], work)
        expect(save.code).toBe(0)
        return { run, summary: readFileSync(summary, "utf8") }
      }

      const first = await runOnFreshRunner(1)
      expect(first.summary).toContain("the first run of this workspace")
      sim.advanceDays(1)
      // Something new and serious between the runs: a webhook posting over plain HTTP.
      sim.world.createWebhook({ url: "http://exfil.example/hook", label: "new", active: true, eventTypes: ["*"] })
      const second = await runOnFreshRunner(2)

      // The second runner had only the history branch, and compared with the first run.
      expect(second.run.stdout).toMatch(/^run 2 acme-capital: complete/m)
      expect(second.summary).toContain("## Other changes since run 1")
      // The URL is the API's string, escaped so GitHub does not autolink it.
      expect(second.summary).toContain("| http\\://exfil.example/hook | added |")
      // New findings are annotations on the workflow run.
      expect(second.run.stdout).toContain(
        "::error title=webhook.insecure_url (high)::acme-capital: http://exfil.example/hook"
      )
      // The remote's history branch holds both runs, one folder each.
      const check = join(root, "check")
      await sh("git", ["clone", "--quiet", "--branch", "audit-history", origin, check], root)
      expect(readdirSync(join(check, "runs")).sort()).toEqual(["run=000001", "run=000002"])
    } finally {
      await sim.close()
    }
  })
})
