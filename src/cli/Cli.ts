/**
 * The command line: every command and its options. Handlers live in ./commands; main.ts provides the platform and
 * turns outcomes into exit codes.
 */
import { Args, Command, Options } from "@effect/cli"
import { severities } from "../analyses/Severity.js"
import { toolVersion } from "../Version.js"
import { demo } from "./commands/demo.js"
import { diff } from "./commands/diff.js"
import { findings } from "./commands/findings.js"
import { report } from "./commands/report.js"
import { exportCommand, importCommand } from "./commands/history.js"
import { runOrSnapshot } from "./commands/run.js"
import { simulate } from "./commands/simulate.js"
import { verify } from "./commands/verify.js"
import { sql } from "./commands/sql.js"
import * as O from "./Options.js"

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

const runCommand = Command.make("run", { ...auditOptions, reports: O.reports }, (options) => runOrSnapshot(options, "run")).pipe(
  Command.withDescription(
    "The scheduled job: snapshot every configured workspace into the audit database, compute changes and findings, write the reports, and exit 1 on findings at or above --fail-on."
  )
)

const snapshotCommand = Command.make("snapshot", auditOptions, (options) => runOrSnapshot(options, "snapshot")).pipe(
  Command.withDescription(
    "Snapshot every configured workspace into the audit database (changes and findings are stored with it), without writing reports."
  )
)

const sqlCommand = Command.make(
  "sql",
  {
    query: Args.text({ name: "QUERY" }).pipe(Args.withDescription("The SQL to run (read-only), e.g. \"select * from runs\".")),
    db: O.db,
    format: O.format
  },
  (options) => sql(options)
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
  (options) => findings(options)
).pipe(Command.withDescription("Print the findings of the latest stored run of each workspace, most severe first."))

const diffCommand = Command.make(
  "diff",
  {
    db: O.db,
    from: Options.text("from").pipe(
      Options.withDescription("The start: a run id, or a date (YYYY-MM-DD: the state before that day) or ISO time.")
    ),
    to: Options.text("to").pipe(
      Options.withDescription("The end: a run id, latest, or a date (YYYY-MM-DD: the state at the end of that day) or ISO time."),
      Options.withDefault("latest")
    ),
    workspace: O.storedWorkspace,
    format: O.format
  },
  (options) => diff(options)
).pipe(
  Command.withDescription(
    "What changed between two points: every change between consecutive runs in the window, and the net effect."
  )
)

const verifyCommand = Command.make("verify", { db: O.db }, (options) => verify(options)).pipe(
  Command.withDescription(
    "Check the stored history's integrity chain: recompute every run's hash and link; exit 1 naming the first run that no longer matches."
  )
)

const exportCmd = Command.make(
  "export",
  { db: O.db, to: Options.text("to").pipe(Options.withDescription("The folder to write the history to (created if missing).")) },
  (options) => exportCommand(options)
).pipe(
  Command.withDescription(
    "Write the whole history as Parquet, one folder per run (existing folders are never rewritten): durable storage between scheduled runs, and files any engine can read."
  )
)

const importCmd = Command.make(
  "import",
  { db: O.db, from: Options.text("from").pipe(Options.withDescription("A folder written by export.")) },
  (options) => importCommand(options)
).pipe(
  Command.withDescription(
    "Load exported history into the audit database (runs it already has are checked and skipped), e.g. on a fresh runner before `run`."
  )
)

const demoCommand = Command.make(
  "demo",
  {
    days: Options.integer("days").pipe(
      Options.withDescription("Simulated days, one audit run each."),
      Options.withDefault(90)
    ),
    source: O.source,
    seed: Options.integer("seed").pipe(
      Options.withDescription("The simulator's seed: the same seed gives the same history."),
      Options.withDefault(1)
    ),
    reports: O.reports
  },
  (options) => demo(options)
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
      Options.withDescription("The port to listen on (127.0.0.1 only); 0 picks a free one."),
      Options.withDefault(4010)
    ),
    seed: Options.integer("seed").pipe(Options.withDescription("The world's seed."), Options.withDefault(1)),
    size: Options.choice("size", ["tiny", "small", "demo", "large"]).pipe(
      Options.withDescription("How big a world: large is 50,000 members."),
      Options.withDefault("demo" as const)
    ),
    days: Options.integer("days").pipe(
      Options.withDescription("Simulated days of churn before serving."),
      Options.withDefault(0)
    )
  },
  (options) => simulate(options)
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
      Options.withDescription("The run to report on (a run id or latest); with --since, the window's end."),
      Options.withDefault("latest")
    ),
    since: Options.text("since").pipe(
      Options.withDescription("Report a window: every change since this run or date (YYYY-MM-DD), up to --run."),
      Options.optional
    ),
    period: Options.text("period").pipe(
      Options.withDescription("Report a review period: 2026-Q3, 2026-07, 2026 or 2026-07-01..2026-09-30."),
      Options.optional
    ),
    workspace: O.storedWorkspace
  },
  (options) => report(options)
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
    findingsCommand,
    diffCommand,
    sqlCommand,
    verifyCommand,
    exportCmd,
    importCmd,
    demoCommand,
    simulateCommand
  ])
)

export const cli = Command.run(rootCommand, { name: "ptolemy-audit", version: toolVersion })
