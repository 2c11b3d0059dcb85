/**
 * Runs the real command line in a child process, as a user or a scheduled job would: the compiled CLI in dist/,
 * which vitest's globalSetup (BuildOnce.ts) builds from the current sources before any test runs.
 */
import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const cliPath = fileURLToPath(new URL("../../bin/ptolemy-audit.js", import.meta.url))

export interface CliResult {
  /** The exit code; null when a signal ended the process. */
  readonly code: number | null
  readonly signal: string | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * The environment of a clean machine: no API settings leak in from the one running the tests, nor its proxy (the
 * CLI honours HTTP_PROXY for loopback too, as curl does, so a runner's proxy would carry the tests' requests).
 */
export const cleanEnv = (): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(PTOLEMY|TRANSACTIONLINK|GITHUB)_|^(https?|no|all)_proxy$/i.test(key)) {
      env[key] = value
    }
  }
  return env
}

export const runCli = (
  args: ReadonlyArray<string>,
  options: {
    readonly env?: Record<string, string>
    readonly cwd?: string
    readonly timeoutMs?: number
    /** Another installation's bin/ptolemy-audit.js (an installed package, a fresh clone). */
    readonly bin?: string
  } = {}
): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [options.bin ?? cliPath, ...args],
      {
        env: { ...cleanEnv(), ...options.env },
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 << 20
      },
      (error, stdout, stderr) => {
        const signal = error?.signal ?? null
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : signal === null ? 1 : null
        resolve({ code, signal, stdout, stderr })
      }
    )
  })

/** A CLI process still running, for tests that act while it works (send it a signal, read beside it). */
export interface RunningCli {
  readonly child: import("node:child_process").ChildProcess
  /** Everything written to stderr so far. */
  readonly stderr: () => string
  /** Resolves once stderr contains `text`. */
  readonly saw: (text: string) => Promise<void>
  readonly done: Promise<CliResult>
}

export const startCli = (
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string>; readonly cwd?: string; readonly timeoutMs?: number } = {}
): RunningCli => {
  let stderr = ""
  const waiting: Array<{ text: string; resolve: () => void }> = []
  let resolveDone: (result: CliResult) => void = () => {}
  const done = new Promise<CliResult>((resolve) => (resolveDone = resolve))
  const child = execFile(
    process.execPath,
    [cliPath, ...args],
    {
      env: { ...cleanEnv(), ...options.env },
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 << 20
    },
    (error, stdout, stderrText) => {
      const signal = error?.signal ?? null
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : signal === null ? 1 : null
      resolveDone({ code, signal, stdout, stderr: stderrText })
    }
  )
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
    for (const wait of waiting.filter((w) => stderr.includes(w.text))) {
      waiting.splice(waiting.indexOf(wait), 1)
      wait.resolve()
    }
  })
  return {
    child,
    stderr: () => stderr,
    saw: (text) =>
      stderr.includes(text) ? Promise.resolve() : new Promise((resolve) => waiting.push({ text, resolve })),
    done
  }
}

/**
 * `script` (util-linux) gives the command a pseudo-terminal, as a person at a shell has; null where it is missing.
 * Its stdin (`input`) is typed into the terminal; stdout and stderr arrive together, as a terminal shows them.
 */
export const terminalRunner: string | null = ["/usr/bin/script", "/bin/script"].find((p) => existsSync(p)) ?? null

const shellQuote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`

export const runCliOnTerminal = (
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string>; readonly input: string; readonly timeoutMs?: number }
): Promise<{ readonly code: number | null; readonly output: string }> =>
  new Promise((resolve, reject) => {
    if (terminalRunner === null) return reject(new Error("no `script` program for a pseudo-terminal"))
    const command = [process.execPath, cliPath, ...args].map(shellQuote).join(" ")
    const child = execFile(
      terminalRunner,
      ["--quiet", "--return", "--command", command, "/dev/null"],
      { env: { ...cleanEnv(), ...options.env }, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 << 20 },
      (error, stdout) =>
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, output: stdout })
    )
    child.stdin?.end(options.input)
  })
