/**
 * The signal that cancelled the command (SIGINT from Ctrl-C or a cancelled GitHub job, SIGTERM from a job runner or
 * a container stop). main.ts records it as it arrives (the runtime then interrupts the command) and provides it here;
 * the command says in its failed run row and on stderr what the cancellation left, and exits 128 + the signal's
 * number.
 */
import { Context, Effect, Option } from "effect"

export type CancelSignal = "SIGINT" | "SIGTERM"

export const signalNumber: { readonly [S in CancelSignal]: number } = { SIGINT: 2, SIGTERM: 15 }

export class ReceivedSignal extends Context.Reference<ReceivedSignal>()("ptolemy-audit/ReceivedSignal", {
  defaultValue: () => ({ current: Effect.succeed(Option.none<CancelSignal>()) })
}) {}

/** "cancelled by SIGTERM", or "interrupted" when no signal was seen. */
export const cancellation: Effect.Effect<string> = Effect.flatMap(
  ReceivedSignal,
  (received) =>
    Effect.map(
      received.current,
      (signal) => Option.match(signal, { onNone: () => "interrupted", onSome: (s) => `cancelled by ${s}` })
    )
)
