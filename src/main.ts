/**
 * The entry point: provides the platform (Node, HTTP client, logging) and maps every outcome to the documented exit
 * code, printing errors once, to stderr.
 */
import { ValidationError } from "@effect/cli"
// Deep imports: the package index loads cluster, rpc and sql modules this tool never uses (seconds at start-up).
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Config, Effect, Exit, Layer, Option } from "effect"
import { cli, cliConfig, commandLine } from "./cli/Cli.js"
import { cancelledExit, ExitCode } from "./cli/ExitCode.js"
import { loggingLayer } from "./cli/Logging.js"
import { type CancelSignal, ReceivedSignal, signalNumber } from "./cli/Signals.js"

// The runtime interrupts the command on SIGINT or SIGTERM; this records which arrived first. It stays registered, so
// a second signal (a cancelled GitHub job sends both) cannot kill the process while the command cleans up.
let received: CancelSignal | undefined
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => (received ??= signal))

const optionalEnv = (name: string) => Config.option(Config.string(name))

const program = Effect.gen(function*() {
  const line = yield* commandLine(process.argv.slice(2), yield* optionalEnv("PTOLEMY_AUDIT_LOG_LEVEL"))
  // https://no-color.org: colour only on a terminal, and never when NO_COLOR is set to anything.
  const noColor = Option.exists(yield* optionalEnv("NO_COLOR"), (value) => value !== "")
  const display = {
    color: process.stdout.isTTY === true && !noColor,
    width: Math.min(process.stdout.columns || 100, 100)
  }
  return yield* cli(line.args, display).pipe(Effect.provide(Layer.merge(loggingLayer(line.logLevel), cliConfig)))
})

const exitCode = program.pipe(
  Effect.as(ExitCode.ok as number),
  Effect.catchAll((error) => {
    if (ValidationError.isValidationError(error)) {
      // @effect/cli has already printed the help or the problem with the flags.
      return Effect.succeed(ValidationError.isHelpRequested(error) ? ExitCode.ok : ExitCode.usage)
    }
    if ((error as { _tag?: unknown })._tag === "CommandExit") {
      const { code, message } = error as { code: number; message: string }
      return Effect.sync(() => {
        process.stderr.write(`${code === ExitCode.findings ? "" : "error: "}${message}\n`)
        return code
      })
    }
    return Effect.sync(() => {
      process.stderr.write(`error: ${String((error as { message?: unknown }).message ?? error)}\n`)
      return ExitCode.failed as number
    })
  }),
  Effect.catchAllDefect((defect) =>
    Effect.sync(() => {
      process.stderr.write(`error: unexpected failure: ${Cause.pretty(Cause.die(defect))}\n`)
      return ExitCode.failed as number
    })
  ),
  Effect.provide(NodeContext.layer),
  Effect.provideService(ReceivedSignal, { current: Effect.sync(() => Option.fromNullable(received)) })
)

NodeRuntime.runMain(exitCode, {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) =>
    onExit(
      Exit.isSuccess(exit) && typeof exit.value === "number"
        ? exit.value
        : received !== undefined && Exit.isInterrupted(exit)
        ? cancelledExit(signalNumber[received])
        : ExitCode.failed
    )
})
