/**
 * The simulators as scoped resources for the demo, `simulate`, the tests and the benchmarks: started on 127.0.0.1,
 * closed (with every open connection) when the scope ends. Each is written from its API's reference, not from the
 * clients, so that a test running one against the other checks the contract.
 */
import { Effect, Option, type Scope } from "effect"
import type { SourceName } from "../snapshot/Records.js"
import type { RunningBase } from "./kit/Running.js"
import { startPtolemySimulator } from "./ptolemy/index.js"
import { startTransactionLinkSimulator } from "./transactionlink/index.js"

export interface RunningSimulation {
  readonly source: SourceName
  /** The base URL a client is pointed at. */
  readonly url: string
  /** A token that reads everything and writes nothing (a read-only admin principal; a full-read organisation token). */
  readonly token: string
  /** A separate token that may also use the write endpoints (an admin write principal; an organisation token with the manage permissions). */
  readonly writeToken: string
  /** The workspace to audit (Ptolemy); none = every workspace (TransactionLink). */
  readonly workspace: Option.Option<string>
  readonly now: () => Date
  readonly advanceDays: (days: number) => void
  /** The company's people directory as plain CSV (`email,status,terminated_on,name,manager,department`), as of now. */
  readonly roster: () => string
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

/** What both simulators offer alike. */
const shared = (sim: RunningBase<unknown>) => ({
  url: sim.url,
  writeToken: sim.writeToken,
  now: () => sim.now(),
  advanceDays: (days: number) => sim.advanceDays(days),
  roster: () => sim.roster()
})

/** The options both simulators share. */
const common = (options: SimulationOptions) => ({
  seed: options.seed ?? 1,
  size: options.size ?? "demo",
  ...(options.port === undefined ? {} : { port: options.port }),
  ...(options.start === undefined ? {} : { start: options.start })
})

const transactionlink = (options: SimulationOptions) =>
  Effect.map(scoped(() => startTransactionLinkSimulator(common(options))), (sim): RunningSimulation => ({
    source: "transactionlink",
    ...shared(sim),
    token: sim.tokens.full,
    workspace: Option.none(),
    describe: () => [
      `TransactionLink API simulator on ${sim.url} (simulated time ${sim.now().toISOString()})`,
      "",
      "Workspaces:",
      ...sim.world.workspacesJson().map((w) => `  ${w.id}  ${w.name}`),
      "",
      "Tokens (organisation tokens, sent without a Bearer prefix):",
      `  full read access:     ${sim.tokens.full}`,
      `  view only (no users): ${sim.tokens.viewOnly}`,
      `  first workspace only: ${sim.tokens.oneWorkspace}`,
      `  write (manage access and users): ${sim.tokens.write}`,
      "",
      "Try:",
      `  export TRANSACTIONLINK_API_URL=${sim.url}`,
      `  export TRANSACTIONLINK_API_TOKEN=${sim.tokens.full}`,
      `  export TRANSACTIONLINK_WRITE_TOKEN=${sim.tokens.write}`,
      "  ptolemy-audit run --source transactionlink"
    ]
  }))

const ptolemy = (options: SimulationOptions) =>
  Effect.map(scoped(() => startPtolemySimulator(common(options))), (sim): RunningSimulation => ({
    source: "ptolemy",
    ...shared(sim),
    token: sim.tokens.admin,
    workspace: Option.some(sim.workspace.slug),
    describe: () => [
      `Ptolemy API simulator on ${sim.url} (simulated time ${sim.now().toISOString()})`,
      "",
      ...sim.workspaces.flatMap((w) => [
        `Workspace ${w.name}: slug ${w.slug}, id ${w.id}`,
        `  admin principal token (reads everything): ${w.tokens.admin}`,
        `  write principal token (an Admin; writes): ${w.tokens.write}`,
        `  robot token, viewer:                      ${w.tokens.robotViewer}`,
        `  robot token, member:                      ${w.tokens.robotMember}`
      ]),
      "",
      "Try:",
      `  export PTOLEMY_API_URL=${sim.url}`,
      `  export PTOLEMY_WORKSPACE=${sim.workspace.slug}`,
      `  export PTOLEMY_API_TOKEN=${sim.tokens.admin}`,
      `  export PTOLEMY_WRITE_TOKEN=${sim.tokens.write}`,
      "  ptolemy-audit run"
    ]
  }))

export const startSimulation = (options: SimulationOptions): Effect.Effect<RunningSimulation, never, Scope.Scope> =>
  options.source === "transactionlink" ? transactionlink(options) : ptolemy(options)
