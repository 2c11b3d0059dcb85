/**
 * The entry point: provides the platform (Node, HTTP client, logging) and maps every outcome to the documented exit
 * code, printing errors once, to stderr.
 */
import { ValidationError } from "@effect/cli"
// Deep imports: the package index loads cluster, rpc and sql modules this tool never uses (seconds at start-up).
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit, Layer, Option } from "effect"
import { cli } from "./cli/Cli.js"
import { cancelledExit, ExitCode } from "./cli/ExitCode.js"
import { loggingLayer } from "./cli/Logging.js"
import { type CancelSignal, ReceivedSignal, signalNumber } from "./cli/Signals.js"

// The runtime interrupts the command on SIGINT or SIGTERM; this records which arrived first. It stays registered, so
// a second signal (a cancelled GitHub job sends both) cannot kill the process while the command cleans up.
let received: CancelSignal | undefined
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => (received ??= signal))

const platform = Layer.mergeAll(NodeContext.layer, NodeHttpClient.layerUndici, loggingLayer(process.env["PTOLEMY_AUDIT_LOG_LEVEL"]))

const program = cli(process.argv).pipe(
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
  Effect.provide(platform),
  Effect.provideService(ReceivedSignal, { current: Effect.sync(() => Option.fromNullable(received)) })
)

NodeRuntime.runMain(program, {
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
