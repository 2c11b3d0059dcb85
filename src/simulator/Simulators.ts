/**
 * The simulators as scoped resources for the demo, `simulate`, the tests and the benchmarks: started on 127.0.0.1,
 * closed (with every open connection) when the scope ends. Each is written from its API's reference, not from the
 * clients, so that a test running one against the other checks the contract.
 */
import { Effect, Option, type Scope } from "effect"
import type { SourceName } from "../snapshot/Records.js"
import { startPtolemySimulator } from "./ptolemy/index.js"
import { startTransactionLinkSimulator } from "./transactionlink/index.js"

export interface RunningSimulation {
  readonly source: SourceName
  /** The base URL a client is pointed at. */
  readonly url: string
  /** A token that reads everything (an admin principal; a full-permission organisation token). */
  readonly token: string
  /** The workspace to audit (Ptolemy); none = every workspace (TransactionLink). */
  readonly workspace: Option.Option<string>
  readonly now: () => Date
  readonly advanceDays: (days: number) => void
  /** What `simulate` prints: base URL, workspaces and every token, with the variables to export. */
  readonly describe: () => ReadonlyArray<string>
}

export interface SimulationOptions {
  readonly source: SourceName
  readonly seed?: number
  readonly size?: "tiny" | "small" | "demo" | "large"
  readonly port?: number
  readonly start?: string
}

/** A simulator for the life of the scope, closed (with its connections) at the end. */
const scoped = <S extends { close(): Promise<void> }>(start: () => Promise<S>) =>
  Effect.acquireRelease(Effect.promise(start), (sim) => Effect.promise(() => sim.close()))

/** The options both simulators share. */
const common = (options: SimulationOptions) => ({
  seed: options.seed ?? 1,
  size: options.size ?? "demo",
  ...(options.port === undefined ? {} : { port: options.port }),
  ...(options.start === undefined ? {} : { start: options.start })
})

const transactionlink = (options: SimulationOptions) =>
  Effect.map(
    scoped(() => startTransactionLinkSimulator(common(options))),
    (sim): RunningSimulation => ({
      source: "transactionlink",
      url: sim.url,
      token: sim.tokens.full,
      workspace: Option.none(),
      now: () => sim.now(),
      advanceDays: (days) => sim.advanceDays(days),
      describe: () => [
        `TransactionLink API simulator on ${sim.url} (simulated time ${sim.now().toISOString()})`,
        "",
        "Workspaces:",
        ...sim.world.workspacesJson().map((w) => `  ${w.id}  ${w.name}`),
        "",
        "Tokens (organisation tokens, sent without a Bearer prefix):",
        `  full access:          ${sim.tokens.full}`,
        `  view only (no users): ${sim.tokens.viewOnly}`,
        `  first workspace only: ${sim.tokens.oneWorkspace}`,
        "",
        "Try:",
        `  export TRANSACTIONLINK_API_URL=${sim.url}`,
        `  export TRANSACTIONLINK_API_TOKEN=${sim.tokens.full}`,
        "  ptolemy-audit run --source transactionlink"
      ]
    })
  )

const ptolemy = (options: SimulationOptions) =>
  Effect.map(
    scoped(() => startPtolemySimulator(common(options))),
    (sim): RunningSimulation => ({
      source: "ptolemy",
      url: sim.url,
      token: sim.tokens.admin,
      workspace: Option.some(sim.workspace.slug),
      now: () => sim.now(),
      advanceDays: (days) => sim.advanceDays(days),
      describe: () => [
        `Ptolemy API simulator on ${sim.url} (simulated time ${sim.now().toISOString()})`,
        "",
        ...sim.workspaces.flatMap((w) => [
          `Workspace ${w.name}: slug ${w.slug}, id ${w.id}`,
          `  admin principal token (reads everything): ${w.tokens.admin}`,
          `  robot token, viewer:                      ${w.tokens.robotViewer}`,
          `  robot token, member:                      ${w.tokens.robotMember}`
        ]),
        "",
        "Try:",
        `  export PTOLEMY_API_URL=${sim.url}`,
        `  export PTOLEMY_WORKSPACE=${sim.workspace.slug}`,
        `  export PTOLEMY_API_TOKEN=${sim.tokens.admin}`,
        "  ptolemy-audit run"
      ]
    })
  )

export const startSimulation = (options: SimulationOptions): Effect.Effect<RunningSimulation, never, Scope.Scope> =>
  options.source === "transactionlink" ? transactionlink(options) : ptolemy(options)
