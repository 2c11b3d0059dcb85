/**
 * `ptolemy-audit evidence`: the evidence pack of a review period (`--period 2026-Q1`) or a window (`--from/--to`),
 * from stored data alone, into `<reports>/evidence-<workspace>-<period>/` (or `--out`), optionally printed to PDF by
 * a local Chromium (`--pdf`). Windows resolve as `report` and `diff` resolve them (`resolveWindow`).
 */
import { Console, Effect, Option } from "effect"
import { join } from "node:path"
import type { EvidenceScope } from "../../evidence/EvidenceData.js"
import { fileSafe, writeEvidencePack } from "../../evidence/Pack.js"
import { findChromium } from "../../evidence/Pdf.js"
import { Database } from "../../store/Database.js"
import { runFailed, usageError } from "../ExitCode.js"
import { printable } from "../Output.js"
import { parsePeriod, resolveWindow, resolveWorkspace } from "../Resolve.js"
import { readableStore, removalTargetOf, workspaceFolder } from "./common.js"

export interface EvidenceInput {
  readonly db: string
  readonly reports: string
  readonly period: Option.Option<string>
  readonly from: Option.Option<string>
  readonly to: Option.Option<string>
  readonly workspace: Option.Option<string>
  readonly out: Option.Option<string>
  readonly pdf: boolean
  readonly config: Option.Option<string>
}

const DATE = /^\d{4}-\d{2}-\d{2}$/

/** The command that makes this pack, as the manifest records it: the options that choose its data, no local paths. */
const commandLineOf = (input: EvidenceInput) => {
  const quote = (v: string) => (/^[A-Za-z0-9._:@%+=,/-]+$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`)
  const parts = ["ptolemy-audit", "evidence"]
  for (
    const [flag, value] of [["--period", input.period], ["--from", input.from], ["--to", input.to], [
      "--workspace",
      input.workspace
    ]] as const
  ) {
    if (Option.isSome(value)) parts.push(flag, quote(value.value))
  }
  if (input.pdf) parts.push("--pdf")
  return parts.join(" ")
}

export const evidence = (input: EvidenceInput) =>
  Effect.gen(function*() {
    if (Option.isSome(input.period) && (Option.isSome(input.from) || Option.isSome(input.to))) {
      return yield* Effect.fail(usageError("Use either --period or --from/--to, not both."))
    }
    if (Option.isNone(input.period) && Option.isNone(input.from)) {
      return yield* Effect.fail(
        usageError(
          "Say which period: --period 2026-Q1 (or 2026-07, 2026, 2026-01-01..2026-03-31), or --from RUN|DATE [--to RUN|DATE]."
        )
      )
    }
    // Bad usage writes nothing: Chromium is looked for before the database is opened.
    const chromium = input.pdf ? findChromium() : undefined
    if (chromium !== undefined && !chromium.found) return yield* Effect.fail(usageError(`--pdf: ${chromium.message}`))
    return yield* Effect.gen(function*() {
      const db = yield* Database
      const workspace = yield* resolveWorkspace(db, input.workspace)
      let scope: EvidenceScope
      if (Option.isSome(input.period)) {
        const period = yield* parsePeriod(input.period.value)
        const window = yield* resolveWindow(db, workspace, period.start, period.end)
        scope = {
          label: period.label,
          dates: { start: period.start, end: period.end },
          fromRunId: window.from.run_id,
          toRunId: window.to.run_id,
          startsLate: window.startsLate
        }
      } else {
        const from = Option.getOrThrow(input.from)
        const to = Option.getOrElse(input.to, () => "latest")
        const window = yield* resolveWindow(db, workspace, from, to)
        const byDates = DATE.test(from) && DATE.test(to)
        scope = {
          label: byDates ? `${from}..${to}` : `runs ${window.from.run_id} to ${window.to.run_id}`,
          dates: byDates ? { start: from, end: to } : null,
          fromRunId: window.from.run_id,
          toRunId: window.to.run_id,
          startsLate: window.startsLate
        }
      }
      if (scope.startsLate) {
        yield* Effect.logWarning(
          `The history of ${
            printable(workspace.label)
          } starts after the period does: the pack counts from its first run, ${scope.fromRunId}, and says so.`
        )
      }
      const name = `evidence-${workspaceFolder({ slug: null, name: workspace.label, id: workspace.workspace_id })}-${
        fileSafe(scope.label)
      }`
      const out = Option.getOrElse(input.out, () => join(input.reports, name))
      const removalTargetDays = yield* removalTargetOf(input.config)
      const pack = yield* writeEvidencePack(scope, out, {
        commandLine: commandLineOf(input),
        name,
        chromium: chromium?.found === true ? chromium.path : undefined,
        removalTargetDays
      })
      yield* Console.log(
        [
          `Evidence pack of ${printable(workspace.label)}, ${printable(scope.label)}${
            scope.dates === null ? "" : ` (runs ${scope.fromRunId} to ${scope.toRunId})`
          }:`,
          ...[...pack.files, pack.manifest, pack.zip].map((f) => `  ${f}`),
          `manifest.json SHA-256 ${pack.manifestSha256}`,
          `zip SHA-256           ${pack.zipSha256}`,
          `Check it later: ptolemy-audit verify --evidence ${pack.zip} --db ${input.db}`
        ].join("\n")
      )
    }).pipe(Effect.provide(readableStore(input.db)))
  }).pipe(
    Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message))),
    Effect.catchTag("ReportError", (error) => Effect.fail(runFailed(error.message)))
  )
