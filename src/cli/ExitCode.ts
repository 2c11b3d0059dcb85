/**
 * The exit codes scripts rely on (PRODUCT.md): 0 done; 1 findings at or above --fail-on; 2 bad usage or
 * configuration, nothing written; 3 the run failed (source or storage), only a failed-run row stored; 4 the run was
 * stored incomplete and --require-complete was given; 5 the run was stored but its reports could not be written;
 * 128 + N cancelled by signal N (SIGINT 130, SIGTERM 143).
 */
import { Data } from "effect"

export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  failed: 3,
  incomplete: 4,
  reportsNotWritten: 5
} as const

/** The exit code of a command cancelled by a signal: 128 + its number, as shells report it. */
export const cancelledExit = (signalNumber: number) => 128 + signalNumber

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** Ends a command with a non-zero exit code and a message for stderr. */
export class CommandExit extends Data.TaggedError("CommandExit")<{
  readonly code: ExitCode
  readonly message: string
}> {}

export const usageError = (message: string) => new CommandExit({ code: ExitCode.usage, message })
export const runFailed = (message: string) => new CommandExit({ code: ExitCode.failed, message })
