/**
 * The command line: every command and its options. Handlers live in ./commands; main.ts provides the platform and
 * turns outcomes into exit codes.
 */
import { Args, CliConfig, Command, CommandDescriptor, Options } from "@effect/cli"
import { Config, Console, Effect, HashMap, Layer, Option } from "effect"
import { severities } from "../analyses/Severity.js"
import { toolVersion } from "../Version.js"
import { usageError } from "./ExitCode.js"
import { commandHelp, type Display, groupHelp, rootHelp, summaryOf } from "./Help.js"
import { isLogLevelName, type LogLevelName, logLevels } from "./Logging.js"
import * as O from "./Options.js"
import { remediateCommand, remediateSubcommands } from "./RemediateCommand.js"
import { reviewCommand, reviewSubcommands } from "./ReviewCommand.js"

/**
 * A command's handler module is imported when the command runs, not when the CLI starts: `--help`, `sql` or `verify`
 * never load the simulators, the report writers or exceljs (the build keeps each dynamic import a chunk of its own).
 */
const handler =
  <M, I, A, E, R>(load: () => Promise<M>, run: (module: M, input: I) => Effect.Effect<A, E, R>) => (input: I) =>
    Effect.flatMap(Effect.promise(load), (module) => run(module, input))

/** The HTTP client (undici, a megabyte of JavaScript, with the runner's proxy settings), loaded only by the commands that call an API. */
const httpClient = Layer.unwrapEffect(
  Effect.promise(() => import("../source/http/HttpClientLayer.js")).pipe(Effect.map((http) => http.httpClientLayer))
)

const targetOptions = {
  source: O.source,
  token: O.token,
  workspace: O.workspace,
  apiUrl: O.apiUrl
}

const auditOptions = {
  ...targetOptions,
  config: O.config,
  roster: O.roster,
  db: O.db,
  requireComplete: O.requireComplete,
  concurrency: O.concurrency,
  requestTimeout: O.requestTimeout,
  failOn: O.failOn,
  newOnly: O.newOnly
}

const runCommand = Command.make(
  "run",
  { ...auditOptions, reports: O.reports },
  handler(
    () => import("./commands/run.js"),
    (m, options) => Effect.provide(m.runOrSnapshot(options, "run"), httpClient)
  )
).pipe(
  Command.withDescription(
    "The scheduled job: snapshot every configured workspace into the audit database, compute changes and findings, write the reports, and exit 1 on findings at or above --fail-on."
  )
)

const snapshotCommand = Command.make(
  "snapshot",
  auditOptions,
  handler(
    () => import("./commands/run.js"),
    (m, options) => Effect.provide(m.runOrSnapshot(options, "snapshot"), httpClient)
  )
).pipe(
  Command.withDescription(
    "Snapshot every configured workspace into the audit database (changes and findings are stored with it), without writing reports."
  )
)

const sqlCommand = Command.make(
  "sql",
  {
    query: Args.text({ name: "QUERY" }).pipe(
      Args.withDescription("The SQL to run (read-only), e.g. \"select * from runs\".")
    ),
    db: O.db,
    format: O.format
  },
  handler(() => import("./commands/sql.js"), (m, options) => m.sql(options))
).pipe(
  Command.withDescription(
    "Run read-only SQL on the audit database. Views: runs, coverage, members, robots, robot_tokens, invitations, webhooks, plan_usage, events (see docs/sql.md)."
  )
)

const findingsCommand = Command.make(
  "findings",
  {
    db: O.db,
    json: Options.boolean("json").pipe(Options.withDescription("Print JSON instead of a table.")),
    workspace: O.storedWorkspace,
    severity: Options.choice("severity", severities).pipe(
      Options.withDescription("Only findings at or above this severity."),
      Options.optional
    ),
    includeSuppressed: Options.boolean("include-suppressed").pipe(
      Options.withDescription("Also list findings suppressed in the config file.")
    )
  },
  handler(() => import("./commands/findings.js"), (m, options) => m.findings(options))
).pipe(Command.withDescription("Print the findings of the latest stored run of each workspace, most severe first."))

const diffCommand = Command.make(
  "diff",
  {
    db: O.db,
    from: Options.text("from").pipe(
      Options.withPseudoName("RUN|DATE"),
      Options.withDescription("The start: a run id, or a date (YYYY-MM-DD: the state before that day) or ISO time.")
    ),
    to: Options.text("to").pipe(
      Options.withPseudoName("RUN|DATE"),
      Options.withDescription(
        "The end: a run id, latest, or a date (YYYY-MM-DD: the state at the end of that day) or ISO time. Default: latest."
      ),
      Options.withDefault("latest")
    ),
    workspace: O.storedWorkspace,
    format: O.format
  },
  handler(() => import("./commands/diff.js"), (m, options) => m.diff(options))
).pipe(
  Command.withDescription(
    "What changed between two points: every change between consecutive runs in the window, and the net effect."
  )
)

const verifyCommand = Command.make(
  "verify",
  {
    db: Options.text("db").pipe(
      Options.withPseudoName("FILE"),
      Options.withDescription(
        "The audit database file (DuckDB). Env: PTOLEMY_AUDIT_DB. Default: ./audit.duckdb. With --evidence, the pack's runs and chain head are checked against it only when it is given."
      ),
      Options.withFallbackConfig(Config.string("PTOLEMY_AUDIT_DB")),
      Options.optional
    ),
    evidence: Options.text("evidence").pipe(
      Options.withPseudoName("DIR|ZIP"),
      Options.withDescription(
        "Check an evidence pack instead (its folder or its zip): re-hash every file against its manifest and, with --db, its runs and chain head against the history."
      ),
      Options.optional
    )
  },
  handler(() => import("./commands/verify.js"), (m, options) => m.verify(options))
).pipe(
  Command.withDescription(
    "Check the stored history's integrity chain: recompute every run's hash and link; exit 1 naming the first run that no longer matches. With --evidence, check an evidence pack."
  )
)

const evidenceCommand = Command.make(
  "evidence",
  {
    db: O.db,
    reports: O.reports,
    period: Options.text("period").pipe(
      Options.withPseudoName("PERIOD"),
      Options.withDescription("The review period: 2026-Q1, 2026-07, 2026 or 2026-01-01..2026-03-31."),
      Options.optional
    ),
    from: Options.text("from").pipe(
      Options.withPseudoName("RUN|DATE"),
      Options.withDescription(
        "Instead of --period: the window's start, a run id or a date (YYYY-MM-DD: the state before that day)."
      ),
      Options.optional
    ),
    to: Options.text("to").pipe(
      Options.withPseudoName("RUN|DATE"),
      Options.withDescription(
        "With --from: the window's end, a run id, latest, or a date (the state at the end of that day). Default: latest."
      ),
      Options.optional
    ),
    workspace: O.storedWorkspace,
    out: Options.text("out").pipe(
      Options.withPseudoName("DIR"),
      Options.withDescription("The folder to write the pack to. Default: <reports>/evidence-<workspace>-<period>/."),
      Options.optional
    ),
    pdf: Options.boolean("pdf").pipe(
      Options.withDescription(
        "Also print index.html to evidence.pdf with a local Chromium (on PATH or CHROME_PATH; none is downloaded)."
      )
    ),
    config: O.reportConfig
  },
  handler(() => import("./commands/evidence.js"), (m, options) => m.evidence(options))
).pipe(
  Command.withDescription(
    "Write an auditor's evidence pack for a period from stored data alone: index.html, a CSV per table, the period workbook, manifest.json (SHA-256 of every file, the runs and the chain head) and a zip of it all."
  )
)

const exportCommand = Command.make(
  "export",
  {
    db: O.db,
    to: Options.text("to").pipe(
      Options.withPseudoName("DIR"),
      Options.withDescription("The folder to write the history to (created if missing).")
    )
  },
  handler(() => import("./commands/history.js"), (m, options) => m.exportRuns(options))
).pipe(
  Command.withDescription(
    "Write the whole history as Parquet, one folder per run (existing folders are never rewritten): durable storage between scheduled runs, and files any engine can read."
  )
)

const importCommand = Command.make(
  "import",
  {
    db: O.db,
    from: Options.text("from").pipe(
      Options.withPseudoName("DIR"),
      Options.withDescription("A folder written by export.")
    )
  },
  handler(() => import("./commands/history.js"), (m, options) => m.importRuns(options))
).pipe(
  Command.withDescription(
    "Load exported history into the audit database (runs it already has are checked and skipped), e.g. on a fresh runner before `run`."
  )
)

const demoCommand = Command.make(
  "demo",
  {
    days: Options.integer("days").pipe(
      Options.withPseudoName("N"),
      Options.withSchema(O.wholeNumber("days", 1, 3650)),
      Options.withDescription("Simulated days, one audit run each (1 to 3650). Default: 90."),
      Options.withDefault(90)
    ),
    source: O.source,
    seed: Options.integer("seed").pipe(
      Options.withPseudoName("N"),
      Options.withDescription("The simulator's seed: the same seed gives the same history. Default: 1."),
      Options.withDefault(1)
    ),
    reports: O.reports
  },
  handler(() => import("./commands/demo.js"), (m, options) => Effect.provide(m.demo(options), httpClient))
).pipe(
  Command.withDescription(
    "The whole pipeline, offline, against the built-in simulator: a fresh database under <reports>/demo/, one run per simulated day, and the last run's reports."
  )
)

const simulateCommand = Command.make(
  "simulate",
  {
    source: O.source,
    port: Options.integer("port").pipe(
      Options.withPseudoName("PORT"),
      Options.withSchema(O.wholeNumber("port", 0, 65535)),
      Options.withDescription("The port to listen on (127.0.0.1 only); 0 picks a free one. Default: 4010."),
      Options.withDefault(4010)
    ),
    seed: Options.integer("seed").pipe(
      Options.withPseudoName("N"),
      Options.withDescription("The world's seed. Default: 1."),
      Options.withDefault(1)
    ),
    size: Options.choice("size", ["tiny", "small", "demo", "large"]).pipe(
      Options.withDescription("How big a world: large is 50,000 members. Default: demo."),
      Options.withDefault("demo" as const)
    ),
    days: Options.integer("days").pipe(
      Options.withPseudoName("N"),
      Options.withSchema(O.wholeNumber("days", 0, 3650)),
      Options.withDescription("Simulated days of churn before serving. Default: 0."),
      Options.withDefault(0)
    )
  },
  handler(() => import("./commands/simulate.js"), (m, options) => m.simulate(options))
).pipe(
  Command.withDescription(
    "Serve the built-in API simulator on 127.0.0.1 and print its base URL, workspace and tokens, to try the CLI by hand."
  )
)

const reportCommand = Command.make(
  "report",
  {
    db: O.db,
    reports: O.reports,
    run: Options.text("run").pipe(
      Options.withPseudoName("RUN"),
      Options.withDescription(
        "The run to report on (a run id or latest); with --since, the window's end. Default: latest."
      ),
      Options.withDefault("latest")
    ),
    since: Options.text("since").pipe(
      Options.withPseudoName("RUN|DATE"),
      Options.withDescription("Report a window: every change since this run or date (YYYY-MM-DD), up to --run."),
      Options.optional
    ),
    period: Options.text("period").pipe(
      Options.withPseudoName("PERIOD"),
      Options.withDescription("Report a review period: 2026-Q3, 2026-07, 2026 or 2026-07-01..2026-09-30."),
      Options.optional
    ),
    workspace: O.storedWorkspace,
    config: O.reportConfig
  },
  handler(() => import("./commands/report.js"), (m, options) => m.report(options))
).pipe(
  Command.withDescription(
    "Rebuild audit.md, audit.xlsx and findings.json from stored data alone (no API calls), for a run or a review period."
  )
)

export const rootCommand = Command.make("ptolemy-audit").pipe(
  Command.withDescription(
    "Access audit and usage reporting for Ptolemy workspaces (and TransactionLink organisations): snapshots in DuckDB, changes, findings, XLSX/Markdown/JSON reports."
  ),
  Command.withSubcommands([
    runCommand,
    snapshotCommand,
    reportCommand,
    evidenceCommand,
    findingsCommand,
    diffCommand,
    sqlCommand,
    verifyCommand,
    exportCommand,
    importCommand,
    demoCommand,
    simulateCommand,
    reviewCommand,
    remediateCommand
  ])
)

const parse = Command.run(rootCommand, { name: "ptolemy-audit", version: toolVersion })

/** The parser's settings: its built-in options (completions, wizard) stay out of the help. */
export const cliConfig = CliConfig.layer({ showBuiltIns: false })

const subcommands = CommandDescriptor.getSubcommands(rootCommand.descriptor)

/**
 * The commands made of subcommands, each with its own in the order they are declared (the root's map holds only
 * their parent part, and a HashMap keeps no order).
 */
const inOrder = (commands: ReadonlyArray<{ readonly descriptor: CommandDescriptor.Command<unknown> }>) =>
  commands.flatMap((c) => Array.from(CommandDescriptor.getSubcommands(c.descriptor)))

const groups: Record<string, ReadonlyArray<readonly [string, CommandDescriptor.Command<unknown>]>> = {
  review: inOrder(reviewSubcommands),
  remediate: inOrder(remediateSubcommands)
}

/** The command line with the options that may stand anywhere in it taken out. */
export interface CommandLine {
  readonly args: ReadonlyArray<string>
  /** `--log-level`, else the environment's PTOLEMY_AUDIT_LOG_LEVEL, else info. */
  readonly logLevel: LogLevelName
}

/**
 * `--log-level X` (or `--log-level=X`) is taken from wherever it stands, before or after the command; @effect/cli
 * accepts its own only before it. A bad value is bad usage (exit 2), as is one in the environment.
 */
export const commandLine = (args: ReadonlyArray<string>, fromEnv: Option.Option<string>) =>
  Effect.gen(function*() {
    const rest: Array<string> = []
    let flag: Option.Option<string> = Option.none()
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!
      if (arg === "--log-level") {
        flag = Option.some(args[++i] ?? "")
      } else if (arg.startsWith("--log-level=")) {
        flag = Option.some(arg.slice("--log-level=".length))
      } else {
        rest.push(arg)
      }
    }
    const [value, from] = Option.isSome(flag)
      ? [flag.value, "--log-level"]
      : Option.isSome(fromEnv)
      ? [fromEnv.value, "PTOLEMY_AUDIT_LOG_LEVEL"]
      : ["info", ""]
    const level = value.trim().toLowerCase()
    if (!isLogLevelName(level)) {
      return yield* Effect.fail(
        usageError(`${from} must be one of ${Object.keys(logLevels).join(", ")} (got "${value}").`)
      )
    }
    return { args: rest, logLevel: level } satisfies CommandLine
  })

const wantsHelp = (args: ReadonlyArray<string>) => args.some((a) => a === "--help" || a === "-h")

/**
 * Runs the command line (without the runtime and script). Help is printed here, shaped for people (./Help.ts);
 * everything else is parsed and run by @effect/cli.
 */
export const cli = (args: ReadonlyArray<string>, display: Display) => {
  const command = Option.flatMap(Option.fromNullable(args[0]), (name) => HashMap.get(subcommands, name))
  if (Option.isSome(command) && wantsHelp(args)) {
    const config = CliConfig.make({ showBuiltIns: false })
    const children = groups[args[0]!] ?? []
    // `review start --help`: the subcommand's own help; `review --help`: the subcommands, one line each.
    const child = Option.fromNullable(children.find(([sub]) => sub === args[1])?.[1])
    if (Option.isSome(child)) {
      const name = `${args[0]} ${args[1]}`
      return Console.log(
        commandHelp(
          name,
          CommandDescriptor.getHelp(child.value, config),
          CommandDescriptor.getUsage(child.value),
          display
        )
      )
    }
    const name = args[0]!
    if (children.length > 0) {
      const lines = children.map(([sub, descriptor]) =>
        [sub, summaryOf(CommandDescriptor.getHelp(descriptor, config))] as const
      )
      return Console.log(groupHelp(name, CommandDescriptor.getHelp(command.value, config), lines, display))
    }
    return Console.log(
      commandHelp(
        name,
        CommandDescriptor.getHelp(command.value, config),
        CommandDescriptor.getUsage(command.value),
        display
      )
    )
  }
  if (args.length === 0 || wantsHelp(args)) return Console.log(rootHelp(toolVersion, display))
  return parse(["node", "ptolemy-audit", ...args])
}
