/**
 * The command-line options, each with its environment fallback (PRODUCT.md "Settings"). Secrets are `Redacted`
 * from here inward: the token is never turned into a string except in the request header.
 */
import { Options } from "@effect/cli"
import { Config, Schema } from "effect"

/** A whole number from min to max, refused by the parser (exit 2, before anything runs) with the flag's name. */
export const wholeNumber = (flag: string, min: number, max?: number) =>
  Schema.Int.pipe(
    max === undefined ? Schema.greaterThanOrEqualTo(min) : Schema.between(min, max),
    Schema.annotations({
      message: (issue) =>
        `--${flag} must be a whole number ${max === undefined ? `of at least ${min}` : `from ${min} to ${max}`} (got ${
          String(issue.actual)
        }).`
    })
  )

export const db = Options.text("db").pipe(
  Options.withPseudoName("FILE"),
  Options.withDescription("The audit database file (DuckDB). Env: PTOLEMY_AUDIT_DB. Default: ./audit.duckdb."),
  Options.withFallbackConfig(Config.string("PTOLEMY_AUDIT_DB")),
  Options.withDefault("./audit.duckdb")
)

export const reports = Options.text("reports").pipe(
  Options.withPseudoName("DIR"),
  Options.withDescription("The folder reports are written under. Env: PTOLEMY_AUDIT_REPORTS. Default: ./reports."),
  Options.withFallbackConfig(Config.string("PTOLEMY_AUDIT_REPORTS")),
  Options.withDefault("./reports")
)

export const source = Options.choice("source", ["ptolemy", "transactionlink"]).pipe(
  Options.withDescription("Which API to audit. Default: ptolemy."),
  Options.withDefault("ptolemy" as const)
)

export const token = Options.redacted("token").pipe(
  Options.withPseudoName("TOKEN"),
  Options.withDescription(
    "The API token. Prefer the environment: PTOLEMY_API_TOKEN (or TRANSACTIONLINK_API_TOKEN with --source transactionlink)."
  ),
  Options.optional
)

export const workspace = Options.text("workspace").pipe(
  Options.withPseudoName("WORKSPACE"),
  Options.withDescription(
    "The workspace to audit: UUID or slug. Env: PTOLEMY_WORKSPACE. TransactionLink: optional (default: every workspace the token can view)."
  ),
  Options.optional
)

export const apiUrl = Options.text("api-url").pipe(
  Options.withPseudoName("URL"),
  Options.withDescription(
    "The API's base URL. Env: PTOLEMY_API_URL (default https://api.ptolemy.cloud/v1) or TRANSACTIONLINK_API_URL (default https://api.transactionlink.io). Must be HTTPS unless it is a loopback address."
  ),
  Options.optional
)

/** For the commands that report from stored data: only the config file's thresholds apply (the removal target). */
export const reportConfig = Options.text("config").pipe(
  Options.withPseudoName("FILE"),
  Options.withDescription(
    "The run's JSON config file: its thresholds.removal_target_days sets the time-to-removal target (default 1 day)."
  ),
  Options.optional
)

export const config = Options.text("config").pipe(
  Options.withPseudoName("FILE"),
  Options.withDescription(
    "A JSON config file: several workspaces or sources, thresholds, allowed email domains, suppressions, fail-on (see docs/config.md)."
  ),
  Options.optional
)

export const roster = Options.text("roster").pipe(
  Options.withPseudoName("FILE"),
  Options.withDescription(
    "A CSV export of the people directory (plain email,status,terminated_on, or Okta, Entra ID, Google Workspace, an HRIS; docs/roster.md), stored with the run and matched against its members. With --config, used for every target."
  ),
  Options.optional
)

export const failOn = Options.choice("fail-on", ["none", "info", "low", "medium", "high", "critical"]).pipe(
  Options.withDescription("Exit with code 1 when a finding at or above this severity is present (default: none)."),
  Options.optional
)

export const newOnly = Options.boolean("new-only").pipe(
  Options.withDescription("With --fail-on: count only findings that are new since the previous run.")
)

export const requireComplete = Options.boolean("require-complete").pipe(
  Options.withDescription("Exit with code 4 when a collection could not be read (forbidden or failed).")
)

export const concurrency = Options.integer("concurrency").pipe(
  Options.withPseudoName("N"),
  Options.withSchema(wholeNumber("concurrency", 1, 100)),
  Options.withDescription("Requests in flight at once, 1 to 100 (the API's guidance: about 10). Default: 10."),
  Options.withDefault(10)
)

export const format = Options.choice("format", ["table", "csv", "csv-raw", "json"]).pipe(
  Options.withDescription(
    "Output format: an aligned table, CSV (header line then rows; a cell a spreadsheet would run as a formula is prefixed with '), csv-raw (CSV with every value as stored), or a JSON array of row objects. Default: table."
  ),
  Options.withDefault("table" as const)
)

export const requestTimeout = Options.integer("request-timeout").pipe(
  Options.withPseudoName("SECONDS"),
  Options.withSchema(wholeNumber("request-timeout", 1)),
  Options.withDescription("Seconds to wait for one API answer before retrying it. Default: 30."),
  Options.withDefault(30)
)

/** The workspace a reading command is about, among those the database holds. */
export const storedWorkspace = Options.text("workspace").pipe(
  Options.withPseudoName("WORKSPACE"),
  Options.withDescription(
    "Only this workspace (its id, slug or name); diff and report need it when the database holds several."
  ),
  Options.optional
)
