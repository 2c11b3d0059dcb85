/**
 * `ptolemy-audit simulate`: serve the built-in simulator on 127.0.0.1 until interrupted, printing its base URL,
 * workspaces and tokens, so that the CLI can be tried by hand against it (the tokens are the simulator's own).
 */
import { Console, Effect } from "effect"
import { startSimulation } from "../../simulator/Simulators.js"
import type { SourceName } from "../../snapshot/Records.js"

export interface SimulateInput {
  readonly source: SourceName
  readonly port: number
  readonly seed: number
  readonly days: number
  readonly size: "tiny" | "small" | "demo" | "large"
}

export const simulate = (input: SimulateInput) =>
  Effect.gen(function*() {
    const sim = yield* startSimulation({ source: input.source, seed: input.seed, size: input.size, port: input.port })
    if (input.days > 0) sim.advanceDays(input.days)
    yield* Console.log([...sim.describe(), "", "Serving until interrupted (Ctrl-C)."].join("\n"))
    return yield* Effect.never
  }).pipe(Effect.scoped)
