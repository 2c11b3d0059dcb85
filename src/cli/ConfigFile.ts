/**
 * The config file (`--config FILE`): several workspaces or organisations, each with the name of the environment
 * variable holding its token, plus thresholds, allowed email domains, suppressions and gating. JSON, decoded with
 * Schema; docs/config.schema.json is generated from the same Schema for editors. An error names the file, the path
 * in the document and what was expected.
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, JSONSchema, Option, ParseResult, Schema } from "effect"
import { defaultThresholds, type FindingSettings } from "../analyses/Findings.js"
import { severities } from "../analyses/Severity.js"
import { Policy } from "../remediation/Policy.js"
import type { PeopleSettings } from "../roster/PeopleSettings.js"
import { usageError } from "./ExitCode.js"
import { checkEnvironment, defaultApiUrl, type Target, validateApiUrl, validateToken } from "./Settings.js"

const Source = Schema.Literal("ptolemy", "transactionlink")

const TargetEntry = Schema.Struct({
  source: Schema.optionalWith(Source, { default: () => "ptolemy" as const }).annotations({
    description: "Which API: ptolemy (default) or transactionlink."
  }),
  workspace: Schema.optional(Schema.NonEmptyTrimmedString).annotations({
    description:
      "Ptolemy: the workspace UUID or slug (required). TransactionLink: a workspace id or name; absent = every workspace the token can view."
  }),
  token_env: Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]*$/)).annotations({
    description: "The name of the environment variable that holds this target's API token (never the token itself)."
  }),
  api_url: Schema.optional(Schema.String).annotations({
    description: "The API base URL; defaults to the source's public API. HTTPS unless loopback."
  }),
  roster: Schema.optional(Schema.NonEmptyTrimmedString).annotations({
    description:
      "This target's people-directory export (CSV; docs/roster.md), relative to the config file; overrides the shared roster."
  })
})

const Domain = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/, {
    message: () => "a domain name such as example.com"
  })
)

const Suppression = Schema.Struct({
  rule: Schema.String.annotations({ description: "A rule id (token.unused, ...) or * for every rule." }),
  entity: Schema.String.annotations({
    description: "The entity's id or name (email, robot name, url, dimension), or * for every entity."
  }),
  workspace: Schema.optional(Schema.String).annotations({ description: "Only in this workspace (id or slug)." }),
  reason: Schema.NonEmptyTrimmedString.annotations({ description: "Why: shown beside the suppressed finding." }),
  expires: Schema.String.pipe(
    Schema.filter((s) => !Number.isNaN(Date.parse(s)), { message: () => "an ISO-8601 date or time" })
  ).annotations({ description: "When the suppression stops (YYYY-MM-DD or ISO-8601): suppressions must be renewed." })
})

const thresholdFields = Object.fromEntries(
  Object.keys(defaultThresholds).map((name) => [name, Schema.optional(Schema.NonNegative)])
) as { [K in keyof typeof defaultThresholds]: Schema.optional<typeof Schema.NonNegative> }

export const ConfigFile = Schema.Struct({
  $schema: Schema.optional(Schema.String),
  targets: Schema.NonEmptyArray(TargetEntry).annotations({ description: "The workspaces and organisations to audit." }),
  thresholds: Schema.optional(Schema.Struct(thresholdFields)).annotations({
    description: "Rule thresholds (docs/findings.md); each defaults to the documented value."
  }),
  allowed_email_domains: Schema.optional(Schema.Array(Schema.NonEmptyTrimmedString)).annotations({
    description: "Email domains members and invitations may use (subdomains included); absent = the rule is off."
  }),
  suppressions: Schema.optional(Schema.Array(Suppression)),
  roster: Schema.optional(Schema.NonEmptyTrimmedString).annotations({
    description:
      "The people-directory export (CSV; docs/roster.md) every target is matched against, relative to the config file; read at each run."
  }),
  domain_aliases: Schema.optional(Schema.Array(Schema.Array(Domain).pipe(Schema.minItems(2)))).annotations({
    description:
      "Groups of domains that are one company's, e.g. [[\"example.com\", \"example.io\"]]: addresses are matched to the directory under the first."
  }),
  external_people: Schema.optional(Schema.Array(Schema.NonEmptyTrimmedString)).annotations({
    description:
      "Addresses of people outside the directory who may have access (glob patterns: *@agency.example); they are not unknown people."
  }),
  owners: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.NonEmptyTrimmedString })).annotations({
    description: "Robot name or id to its owner's email; wins over the event log (who created the robot)."
  }),
  fail_on: Schema.optional(Schema.Literal("none", ...severities)).annotations({
    description: "Exit 1 when a finding at or above this severity is present (the --fail-on flag wins)."
  }),
  fail_on_new_only: Schema.optional(Schema.Boolean).annotations({
    description: "With fail_on: count only findings new since the previous run."
  }),
  require_complete: Schema.optional(Schema.Boolean).annotations({
    description: "Exit 4 when a collection could not be read."
  }),
  remediation: Schema.optional(Policy).annotations({
    description: "The policy `remediate plan` applies to findings (docs/remediation.md); --policy FILE wins."
  })
}).annotations({ title: "ptolemy-audit configuration", description: "See docs/config.md." })

export type ConfigFile = typeof ConfigFile.Type

/** The JSON Schema published for editors (docs/config.schema.json). */
export const configJsonSchema = () => JSONSchema.make(ConfigFile)

/** The issues of a failed decode, one line each (the first five), with their path in the document. */
const issuesOf = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .slice(0, 5)
    .map((issue) => `  ${issue.path.length > 0 ? issue.path.join(".") : "(document)"}: ${issue.message}`)

const decodeJson = Schema.decodeUnknown(Schema.parseJson())
const decodeConfig = Schema.decodeUnknown(ConfigFile, { errors: "all", onExcessProperty: "error" })

export const loadConfigFile = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(path).pipe(
      Effect.mapError((error) => usageError(`Cannot read the config file ${path}: ${error.message}`))
    )
    // Two steps, so that the message says which was wrong: the JSON itself, or the document it holds.
    const json = yield* decodeJson(text).pipe(
      Effect.mapError((error) =>
        usageError(
          `${path} is not valid JSON: ${ParseResult.ArrayFormatter.formatErrorSync(error)[0]?.message ?? error.message}`
        )
      )
    )
    return yield* decodeConfig(json).pipe(
      Effect.mapError((error) =>
        usageError(`${path} is not a valid ptolemy-audit config:\n${issuesOf(error).join("\n")}`)
      )
    )
  })

/** The targets of a config file, each with its token read from the environment variable it names. */
export const targetsFromConfig = (config: ConfigFile, path: string, env: Record<string, string | undefined>) =>
  Effect.zipRight(
    checkEnvironment,
    Effect.forEach(config.targets, (entry, index) =>
      Effect.gen(function*() {
        const where = `${path}: targets.${index}`
        const pasted = env[entry.token_env]?.trim()
        if (pasted === undefined || pasted === "") {
          return yield* Effect.fail(usageError(`${where}: the environment variable ${entry.token_env} is not set.`))
        }
        const token = yield* validateToken(pasted, `${entry.token_env} (${where})`)
        const apiUrl = yield* validateApiUrl(entry.api_url ?? defaultApiUrl[entry.source], `${where}.api_url`)
        const common = { apiUrl, token, tokenFrom: entry.token_env }
        if (entry.source === "transactionlink") {
          return { source: entry.source, ...common, workspace: Option.fromNullable(entry.workspace) } satisfies Target
        }
        if (entry.workspace === undefined) {
          return yield* Effect.fail(usageError(`${where}: a Ptolemy target needs "workspace" (a UUID or slug).`))
        }
        return { source: entry.source, ...common, workspace: entry.workspace } satisfies Target
      }))
  )

export const findingSettingsFrom = (config: Option.Option<ConfigFile>): FindingSettings =>
  Option.match(config, {
    onNone: () => ({ thresholds: defaultThresholds, allowedDomains: [], suppressions: [] }),
    onSome: (c) => ({
      thresholds: { ...defaultThresholds, ...c.thresholds },
      allowedDomains: c.allowed_email_domains ?? [],
      suppressions: (c.suppressions ?? []).map((s) => ({
        rule: s.rule,
        entity: s.entity,
        workspace: s.workspace,
        reason: s.reason,
        expires: s.expires
      }))
    })
  })

/** How members are matched to the people directory, from the config file. */
export const peopleSettingsFrom = (config: Option.Option<ConfigFile>): PeopleSettings =>
  Option.match(config, {
    onNone: () => ({ domainAliases: [], externalPeople: [], owners: {} }),
    onSome: (c) => ({
      domainAliases: c.domain_aliases ?? [],
      externalPeople: c.external_people ?? [],
      owners: c.owners ?? {}
    })
  })

/**
 * The roster file of each target, in order: `--roster` for every target when given, else the target's own `roster`,
 * else the config's shared one (both relative to the config file's folder).
 */
export const rosterFiles = (
  config: Option.Option<ConfigFile>,
  configPath: Option.Option<string>,
  flag: Option.Option<string>
): Effect.Effect<ReadonlyArray<string | undefined>, never, Path.Path> =>
  Effect.map(Path.Path, (path) => {
    const fromConfig = (file: string) =>
      path.isAbsolute(file) ? file : path.join(path.dirname(Option.getOrElse(configPath, () => ".")), file)
    return Option.match(config, {
      onNone: () => [Option.getOrUndefined(flag)],
      onSome: (c) =>
        c.targets.map((t) => {
          if (Option.isSome(flag)) return flag.value
          const file = t.roster ?? c.roster
          return file === undefined ? undefined : fromConfig(file)
        })
    })
  })
