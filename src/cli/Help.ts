/**
 * The help a person reads, as `gh` or `git` print it: the root help lists the commands grouped by job with one line
 * each, and `COMMAND --help` is rendered from @effect/cli's own description of the command (so it cannot drift from
 * what the parser accepts), without the parser's boilerplate. Escape codes only when the output is a terminal and
 * NO_COLOR is not set (main.ts decides).
 */
import type { HelpDoc, Span, Usage } from "@effect/cli"
import { Option } from "effect"

export interface Display {
  readonly color: boolean
  readonly width: number
}

interface Group {
  readonly title: string
  readonly commands: ReadonlyArray<readonly [name: string, summary: string]>
}

/** Every subcommand, by job. A command without a line here would be missing from --help: a test checks that every one has one. */
export const commandGroups: ReadonlyArray<Group> = [
  {
    title: "The daily run",
    commands: [
      ["run", "Snapshot every configured workspace, store changes and findings, write the reports"],
      ["snapshot", "The same without reports"]
    ]
  },
  {
    title: "Looking at the data",
    commands: [
      ["findings", "The findings of the latest run, most severe first"],
      ["diff", "What changed between two runs or dates, itemised and netted"],
      ["sql", "Read-only SQL on the audit database (docs/sql.md)"],
      ["report", "Rebuild audit.md, audit.xlsx and findings.json for a run or a review period"],
      [
        "evidence",
        "An auditor's evidence pack for a period: page, CSVs, workbook, manifest, zip (verify --evidence checks it)"
      ]
    ]
  },
  {
    title: "Reviews and remediation",
    commands: [
      ["review", "Access review campaigns: start, import decisions, status, close (sign-off)"],
      [
        "remediate",
        "Carry decisions out: plan, apply with the write token (guard rails), status (verified by the next run)"
      ]
    ]
  },
  {
    title: "History",
    commands: [
      [
        "verify",
        "Check the history's integrity chain, or an evidence pack (--evidence); exit 1 names what does not match"
      ],
      ["export", "Write the history as Parquet, one folder per run"],
      ["import", "Load an exported history into the audit database"]
    ]
  },
  {
    title: "Trying it out",
    commands: [
      ["demo", "The whole pipeline, offline, against the built-in simulator"],
      ["simulate", "Serve the simulator on 127.0.0.1 to try the CLI by hand"]
    ]
  }
]

const globalOptions: ReadonlyArray<readonly [string, string]> = [
  [
    "--log-level LEVEL",
    "debug, info, warning, error or none (anywhere on the line). Env: PTOLEMY_AUDIT_LOG_LEVEL. Default: info."
  ],
  ["-h, --help", "Show help; ptolemy-audit COMMAND --help for a command's options."]
]

const rootExamples = [
  "ptolemy-audit demo",
  "ptolemy-audit findings --db reports/demo/audit.duckdb --severity high",
  "ptolemy-audit sql --db reports/demo/audit.duckdb \"SELECT change_type, count(*) FROM changes GROUP BY ALL\""
]

/** A few commands people reach for first get examples of their own. */
const commandExamples: Record<string, ReadonlyArray<string>> = {
  run: ["PTOLEMY_API_TOKEN=ptk_live_... PTOLEMY_WORKSPACE=acme-capital ptolemy-audit run --fail-on high --new-only"],
  diff: ["ptolemy-audit diff --from 2026-02-01 --to latest", "ptolemy-audit diff --from 12 --to 14 --format csv"],
  sql: ["ptolemy-audit sql \"SELECT email, role FROM members WHERE run_id = (SELECT max(run_id) FROM runs)\""],
  report: ["ptolemy-audit report --period 2026-Q1", "ptolemy-audit report --since 2026-01-01 --reports out/"],
  findings: ["ptolemy-audit findings --severity medium --json"],
  evidence: [
    "ptolemy-audit evidence --period 2026-Q1",
    "ptolemy-audit evidence --from 2026-01-01 --to 2026-03-31 --out pack/ --pdf"
  ],
  verify: [
    "ptolemy-audit verify",
    "ptolemy-audit verify --evidence reports/evidence-acme-2026-Q1/evidence-acme-2026-Q1.zip --db audit.duckdb"
  ]
}

const style = (display: Display) => ({
  heading: (text: string) => (display.color ? `\u001b[1m${text}\u001b[0m` : text),
  name: (text: string) => (display.color ? `\u001b[36m${text}\u001b[0m` : text)
})

/** Words wrapped to the width, every line indented. */
const wrap = (text: string, width: number, indent: number): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && indent + line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line === "" ? word : `${line} ${word}`
    }
  }
  if (line !== "") lines.push(line)
  return lines.map((l) => " ".repeat(indent) + l)
}

/** Two columns: a name, and its text wrapped beside it (or below it, when the name is long). */
const table = (
  rows: ReadonlyArray<readonly [string, string]>,
  display: Display,
  paint: (s: string) => string = (s) => s,
  column = columnFor(rows)
): Array<string> =>
  rows.flatMap(([name, text]) => {
    const body = wrap(text, display.width, column + 2)
    if (name.length + 4 > column) return [`  ${paint(name)}`, ...body]
    const first = body[0]?.slice(column + 2) ?? ""
    return [`  ${paint(name)}${" ".repeat(column - name.length)}${first}`.trimEnd(), ...body.slice(1)]
  })

const columnFor = (rows: ReadonlyArray<readonly [string, string]>) =>
  Math.min(Math.max(...rows.map(([name]) => name.length)) + 4, 30)

const section = (title: string, lines: ReadonlyArray<string>, display: Display): Array<string> =>
  lines.length === 0 ? [] : ["", style(display).heading(title), ...lines]

export const rootHelp = (version: string, display: Display): string => {
  const s = style(display)
  // One column for the commands of every group, as one list read in parts.
  const column = columnFor(commandGroups.flatMap((group) => group.commands))
  return [
    `ptolemy-audit ${version}: access audits and usage reports for Ptolemy workspaces and TransactionLink organisations,`,
    "kept as a history in DuckDB.",
    ...section("Usage", ["  ptolemy-audit COMMAND [options]"], display),
    ...commandGroups.flatMap((group) =>
      section(group.title, group.commands.length === 0 ? [] : table(group.commands, display, s.name, column), display)
    ),
    ...section("Global options", table(globalOptions, display), display),
    ...section("Examples", rootExamples.map((e) => `  $ ${e}`), display),
    "",
    "Run 'ptolemy-audit COMMAND --help' for a command's options. Settings, exit codes: README.md; the views: docs/sql.md."
  ].join("\n")
}

const spanText = (span: Span.Span): string => {
  switch (span._tag) {
    case "Text":
    case "URI":
      return span.value
    case "Highlight":
    case "Weak":
    case "Strong":
      return spanText(span.value)
    case "Sequence":
      return spanText(span.left) + spanText(span.right)
  }
}

/** What the parser adds to every option's help, which says nothing the option's own line does not. */
const boilerplate = [
  /^A user-defined piece of text( that is confidential)?\.$/,
  /^A true or false value\.$/,
  /^An integer\.$/,
  /^A floating point number\.$/,
  /^One of the following: /,
  /^This setting is optional\.$/,
  /^This option can be set from environment variables\.$/,
  /^This option may be repeated zero or more times\.$/
]

const paragraphs = (doc: HelpDoc.HelpDoc): Array<string> => {
  switch (doc._tag) {
    case "Paragraph":
      return [spanText(doc.value)]
    case "Sequence":
      return [...paragraphs(doc.left), ...paragraphs(doc.right)]
    case "Enumeration":
      return doc.elements.flatMap(paragraphs)
    case "DescriptionList":
      return doc.definitions.flatMap(([term, body]) => [spanText(term), ...paragraphs(body)])
    case "Header":
    case "Empty":
      return []
  }
}

interface Sections {
  description: Array<string>
  arguments: Array<readonly [string, string]>
  options: Array<readonly [string, string]>
}

const collect = (doc: HelpDoc.HelpDoc, into: Sections, current: { name: string }): void => {
  switch (doc._tag) {
    case "Sequence":
      collect(doc.left, into, current)
      collect(doc.right, into, current)
      return
    case "Header":
      current.name = spanText(doc.value)
      return
    case "Paragraph":
      if (current.name === "DESCRIPTION") into.description.push(spanText(doc.value))
      return
    case "DescriptionList":
      for (const [term, body] of doc.definitions) {
        const name = spanText(term).replace(/^<(.*)>$/, "$1").replace(/ \| /g, "|")
        const text = paragraphs(body).filter((p) => !boilerplate.some((b) => b.test(p))).join(" ")
        ;(current.name === "ARGUMENTS" ? into.arguments : into.options).push([name, text])
      }
      return
    default:
      return
  }
}

/** The flags a command cannot do without, for its usage line: named usages not under an Optional. */
const required = (usage: Usage.Usage, optional = false): Array<string> => {
  switch (usage._tag) {
    case "Named": {
      const [name] = usage.names
      if (optional || name === undefined) return []
      const values = Option.getOrElse(usage.acceptedValues, () => "").replace(/ \| /g, "|")
      return [values === "" ? name : `${name} ${values}`]
    }
    case "Optional":
    case "Repeated":
      return required(usage.usage, true)
    case "Concat":
    case "Alternation":
      return [...required(usage.left, optional), ...required(usage.right, optional)]
    default:
      return []
  }
}

/** A command's help as @effect/cli describes it, in the sections this help prints. */
const sectionsOf = (help: HelpDoc.HelpDoc): Sections => {
  const sections: Sections = { description: [], arguments: [], options: [] }
  collect(help, sections, { name: "" })
  return sections
}

/** A command's description, for the one-line summary of a subcommand in its group's help. */
export const summaryOf = (help: HelpDoc.HelpDoc): string => sectionsOf(help).description[0] ?? ""

/** The help of a command made of subcommands (`review`, `remediate`): what it is for, then each subcommand. */
export const groupHelp = (
  name: string,
  help: HelpDoc.HelpDoc,
  subcommands: ReadonlyArray<readonly [name: string, summary: string]>,
  display: Display
): string => {
  const sections = sectionsOf(help)
  return [
    ...sections.description.flatMap((p) => wrap(p, display.width, 0)),
    ...section("Usage", [`  ptolemy-audit ${name} COMMAND [options]`], display),
    ...section("Commands", table(subcommands, display, style(display).name), display),
    ...section("Global options", table(globalOptions, display), display),
    "",
    `Run 'ptolemy-audit ${name} COMMAND --help' for a command's options.`
  ].join("\n")
}

export const commandHelp = (name: string, help: HelpDoc.HelpDoc, usage: Usage.Usage, display: Display): string => {
  const sections = sectionsOf(help)
  // The first named usage is the command's own name (a subcommand's is the last word); arguments come last.
  const own = name.split(" ").pop()
  const flags = required(usage).filter((u) => u !== own && !u.startsWith("<"))
  const args = sections.arguments.map(([arg]) => arg)
  const column = columnFor([...sections.options, ...globalOptions])
  const line = [
    "ptolemy-audit",
    name,
    ...flags,
    ...(sections.options.length > flags.length ? ["[options]"] : []),
    ...args
  ]
  return [
    ...sections.description.flatMap((p) => wrap(p, display.width, 0)),
    ...section("Usage", [`  ${line.join(" ")}`], display),
    ...section("Arguments", sections.arguments.length === 0 ? [] : table(sections.arguments, display), display),
    ...section(
      "Options",
      sections.options.length === 0 ? [] : table(sections.options, display, undefined, column),
      display
    ),
    ...section("Global options", table(globalOptions, display, undefined, column), display),
    ...section("Examples", (commandExamples[name] ?? []).map((e) => `  $ ${e}`), display)
  ].join("\n")
}
