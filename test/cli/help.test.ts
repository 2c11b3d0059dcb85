/**
 * `--help` as people read it: a usage line, the commands grouped by job with one line each, examples, a pointer to
 * COMMAND --help; no escape codes unless stdout is a terminal and NO_COLOR is unset. And the global --log-level,
 * accepted before or after the command.
 */
import { CommandDescriptor, type Usage } from "@effect/cli"
import { HashMap, Option } from "effect"
import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { rootCommand } from "../../src/cli/Cli.js"
import { startPtolemySimulator } from "../../src/simulator/ptolemy/index.js"
import { cleanEnv, cliPath, runCli } from "../support/Cli.js"

const dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-help-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const subcommands = CommandDescriptor.getSubcommands(rootCommand.descriptor)
const names = [...HashMap.keys(subcommands)]
const ESC = "\u001b"

/** The CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal runs it. */
const onTerminal = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<string>((resolve, reject) =>
    execFile(
      "script",
      ["-qec", [process.execPath, cliPath, ...args].map((a) => `'${a}'`).join(" "), "/dev/null"],
      { env: { ...cleanEnv(), ...env } },
      (error, stdout) => (error ? reject(error) : resolve(stdout))
    )
  )

/** Every flag a command's parser accepts. */
const flags = (usage: Usage.Usage): Array<string> => {
  switch (usage._tag) {
    case "Named":
      return usage.names.filter((n) => n.startsWith("--"))
    case "Optional":
    case "Repeated":
      return flags(usage.usage)
    case "Concat":
    case "Alternation":
      return [...flags(usage.left), ...flags(usage.right)]
    default:
      return []
  }
}

describe("--help", () => {
  it("a usage line, every command once under its job with one line, examples, a pointer to COMMAND --help", async () => {
    const result = await runCli(["--help"])
    expect(result.code).toBe(0)
    const out = result.stdout
    expect(out).toContain("Usage\n  ptolemy-audit COMMAND [options]")
    for (const group of ["The daily run", "Looking at the data", "History"]) {
      expect(out).toMatch(new RegExp(`^${group}$`, "m"))
    }
    // Each command is one line: its name, then its summary.
    for (const name of names) expect(out.match(new RegExp(`^  ${name} {2,}\\S.*$`, "gm"))).toHaveLength(1)
    expect(out).toMatch(/^Examples\n( {2}\$ ptolemy-audit .*\n){2,3}/m)
    expect(out).toContain("ptolemy-audit COMMAND --help")
    // None of the parser's boilerplate, no line a terminal must wrap, and no escape codes into a pipe.
    expect(out).not.toMatch(/--completions|--wizard|This setting is optional/)
    expect(Math.max(...out.split("\n").map((l) => l.length))).toBeLessThanOrEqual(120)
    expect(out).not.toContain(ESC)
  })

  it("no command at all prints the same help", async () => {
    const [bare, help] = await Promise.all([runCli([]), runCli(["-h"])])
    expect(bare.code).toBe(0)
    expect(bare.stdout).toBe(help.stdout)
  })

  it("escape codes on a terminal, none with NO_COLOR set", async () => {
    expect(await onTerminal(["--help"])).toContain(`${ESC}[1mThe daily run`)
    expect(await onTerminal(["--help"], { NO_COLOR: "1" })).not.toContain(ESC)
    expect(await onTerminal(["sql", "--help"], { NO_COLOR: "1" })).not.toContain(ESC)
  })

  it.each(names)("%s --help: its description, a usage line and every flag its parser accepts", async (name) => {
    const result = await runCli([name, "--help"])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(new RegExp(`^Usage\\n  ptolemy-audit ${name}( |$)`, "m"))
    const command = Option.getOrThrow(HashMap.get(subcommands, name))
    for (const flag of flags(CommandDescriptor.getUsage(command))) {
      expect(result.stdout).toMatch(new RegExp(`^  ${flag}\\b`, "m"))
    }
    expect(result.stdout).not.toMatch(/This setting is optional|A user-defined piece of text|--completions/)
    expect(result.stdout).not.toContain(ESC)
  })

  it("a required flag and an argument appear in the usage line", async () => {
    expect((await runCli(["diff", "--help"])).stdout).toContain("  ptolemy-audit diff --from RUN|DATE [options]\n")
    expect((await runCli(["sql", "--help"])).stdout).toContain("  ptolemy-audit sql [options] QUERY\n")
  })

  it("a command of subcommands lists them in the order of the job; each subcommand has its own options", async () => {
    const review = (await runCli(["review", "--help"])).stdout
    expect(review).toContain("  ptolemy-audit review COMMAND [options]\n")
    const listed = (text: string) => [...text.matchAll(/^ {2}([a-z]+) {2,}\S/gm)].map((m) => m[1])
    expect(listed(review.slice(review.indexOf("Commands")))).toEqual(["start", "import", "status", "close"])
    const remediate = (await runCli(["remediate", "--help"])).stdout
    expect(listed(remediate.slice(remediate.indexOf("Commands"), remediate.indexOf("Global options")))).toEqual([
      "plan",
      "apply",
      "status"
    ])

    const apply = await runCli(["remediate", "apply", "--help"])
    expect(apply.code).toBe(0)
    expect(apply.stdout).toContain("  ptolemy-audit remediate apply [options] PLAN\n")
    expect(apply.stdout).toMatch(/--max-actions N +Refuse[^-]*Default: 25\./)
    expect(apply.stdout).toMatch(/--write-token TOKEN/)
    expect((await runCli(["review", "start", "--help"])).stdout).toMatch(/--reviewer EMAIL/)
  })
})

describe("--log-level", () => {
  it("is accepted before and after the command, and the flag wins over the environment", async () => {
    const sim = await startPtolemySimulator({ seed: 5, size: "tiny" })
    try {
      const env = {
        PTOLEMY_API_URL: sim.url,
        PTOLEMY_API_TOKEN: sim.tokens.admin,
        PTOLEMY_WORKSPACE: sim.workspace.slug
      }
      const debugLine = /^\[.*\] members: \d+ read$|^members: \d+ read$/m
      const after = await runCli(["snapshot", "--db", join(dir, "a.duckdb"), "--log-level", "debug"], { env })
      expect(after.code).toBe(0)
      expect(after.stderr).toMatch(debugLine)
      const before = await runCli(["--log-level=debug", "snapshot", "--db", join(dir, "b.duckdb")], {
        env: { ...env, PTOLEMY_AUDIT_LOG_LEVEL: "error" }
      })
      expect(before.code).toBe(0)
      expect(before.stderr).toMatch(debugLine)
      const quiet = await runCli(["snapshot", "--db", join(dir, "c.duckdb")], { env })
      expect(quiet.code).toBe(0)
      expect(quiet.stderr).not.toMatch(debugLine)
    } finally {
      await sim.close()
    }
  })

  it("a level that does not exist is bad usage: exit 2, nothing written", async () => {
    const flag = await runCli(["findings", "--db", join(dir, "none.duckdb"), "--log-level", "loud"])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain("--log-level must be one of debug, info, warning, error, none")
    const env = await runCli(["findings", "--db", join(dir, "none.duckdb")], {
      env: { PTOLEMY_AUDIT_LOG_LEVEL: "loud" }
    })
    expect(env.code).toBe(2)
    expect(env.stderr).toContain("PTOLEMY_AUDIT_LOG_LEVEL must be one of")
  })
})

describe("flag ranges are checked by the parser: exit 2 naming the flag, nothing written", () => {
  const db = join(dir, "range.duckdb")
  const reports = join(dir, "range")
  it.each([
    [
      ["run", "--concurrency", "0", "--db", db, "--reports", reports],
      "--concurrency must be a whole number from 1 to 100 (got 0)"
    ],
    [
      ["snapshot", "--request-timeout", "0", "--db", db],
      "--request-timeout must be a whole number of at least 1 (got 0)"
    ],
    [["demo", "--days", "0", "--reports", reports], "--days must be a whole number from 1 to 3650 (got 0)"],
    [["simulate", "--port", "70000"], "--port must be a whole number from 0 to 65535 (got 70000)"]
  ])("%j", async (args, message) => {
    const result = await runCli(args)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(message)
    expect([existsSync(db), existsSync(reports)]).toEqual([false, false])
  })
})
