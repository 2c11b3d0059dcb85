/**
 * `ptolemy-audit demo`: the whole job, offline, against the built-in simulator: a fresh database under
 * `<reports>/demo/`, then for each simulated day the world changes and the job runs, and the last run's reports are
 * written beside the database.
 */
import { FileSystem } from "@effect/platform"
import { Console, Effect, Logger, LogLevel, Option, Redacted } from "effect"
import { existsSync, rmSync } from "node:fs"
import { join } from "node:path"
import { defaultFindingSettings } from "../../analyses/Findings.js"
import { writeEvidencePack } from "../../evidence/Pack.js"
import { runAudit } from "../../job/AuditJob.js"
import { historyTally, runsOfWorkspace, runTally } from "../../read/Runs.js"
import { writeReports } from "../../reports/Reports.js"
import { demoReview } from "../../review/DemoSample.js"
import { type RunningSimulation, startSimulation } from "../../simulator/Simulators.js"
import type { SourceName } from "../../snapshot/Records.js"
import { makeSource, type SourceSettings, workspaceSelector } from "../../source/Sources.js"
import type { StoredRun } from "../../store/AuditStore.js"
import { Database, param } from "../../store/Database.js"
import { toolVersion } from "../../Version.js"
import { runFailed } from "../ExitCode.js"
import { parsePeriod, resolveWindow } from "../Resolve.js"
import { readRosterFile } from "../RosterFile.js"
import { compactQuietly, describeRun, workspaceFolder, writableStore } from "./common.js"
import { demoRemediation } from "./demoRemediation.js"

export interface DemoInput {
  readonly days: number
  readonly source: SourceName
  readonly reports: string
  readonly seed: number
}

/** The demo's own allowed domains, so that the external-domain rule has something to say. */
const demoFindings = { ...defaultFindingSettings, allowedDomains: ["acme-capital.example", "orbitpay.example"] }

/**
 * The simulated company's people directory as of the simulated now, where the simulator keeps one
 * (`RunningSimulation.roster()`, the plain roster CSV); until it does, the demo runs without a roster.
 */
const simulatedRoster = (sim: RunningSimulation): (() => string) | undefined => {
  const roster: unknown = Reflect.get(sim, "roster")
  return typeof roster === "function" ? () => String(roster.call(sim)) : undefined
}

export const demo = (input: DemoInput) =>
  Effect.gen(function*() {
    const dir = join(input.reports, "demo")
    const dbPath = join(dir, "audit.duckdb")
    // A fresh database every time: the demo shows a history built from nothing.
    for (const file of [dbPath, `${dbPath}.wal`]) if (existsSync(file)) rmSync(file)
    const sim = yield* startSimulation({ source: input.source, seed: input.seed, size: "demo" })
    yield* Console.log(
      `Demo: ${input.days} simulated days of a ${
        input.source === "ptolemy" ? "Ptolemy workspace" : "TransactionLink organisation"
      } (simulator on ${sim.url}), one audit run per day, into ${dbPath}`
    )
    yield* Effect.gen(function*() {
      const db = yield* Database
      const connection = { apiUrl: sim.url, token: Redacted.make(sim.token) }
      const target: SourceSettings = sim.source === "ptolemy"
        ? {
          source: "ptolemy",
          ...connection,
          workspace: Option.getOrThrowWith(sim.workspace, () => new Error("the Ptolemy simulator names its workspace"))
        }
        : { source: "transactionlink", ...connection, workspace: sim.workspace }
      const last = new Map<string, StoredRun>()
      const fs = yield* FileSystem.FileSystem
      const roster = simulatedRoster(sim)
      const rosterPath = join(dir, "people.csv")
      /** One scheduled run, as each day of the demo makes it. */
      const runOnce = (label: string) =>
        Effect.gen(function*() {
          const now = () => sim.now().toISOString()
          // The directory as HR exports it each morning, read from its file as `run --roster` reads it.
          if (roster !== undefined) {
            yield* fs.writeFileString(rosterPath, roster()).pipe(
              Effect.mapError((error) => runFailed(`Cannot write the demo's roster ${rosterPath}: ${error.message}`))
            )
          }
          // The per-day line below is the demo's progress; the job's own progress lines would repeat it.
          // A source per day, as each scheduled run builds its own.
          const audited = {
            source: yield* makeSource(target, { concurrency: 10 }),
            workspace: workspaceSelector(target),
            roster: roster === undefined ? undefined : yield* readRosterFile(rosterPath)
          }
          const result = yield* runAudit([audited], {
            toolVersion,
            now,
            findings: demoFindings
          }).pipe(Logger.withMinimumLogLevel(LogLevel.Warning))
          for (const run of result.runs) {
            const counts = yield* runTally(db, run.runId)
            yield* Console.log(
              `${label}  ${now().slice(0, 10)}  ${
                describeRun(run).replace(/ \(.*$/, "")
              }  ${run.usage.calls} calls  ${counts.changes} changes  ${counts.findings} findings (${counts.new_findings} new)`
            )
            if (run.workspace) last.set(run.workspace.id, run)
          }
          if (result.runs.some((r) => r.status === "failed")) {
            return yield* Effect.fail(runFailed(`${label.trim()} failed: ${result.runs.map((r) => r.error).join(" ")}`))
          }
        })
      for (let day = 1; day <= input.days; day++) {
        sim.advanceDays(1)
        yield* runOnce(`day ${String(day).padStart(3)}/${input.days}`)
      }
      // The last run's reports, beside the database (one folder per workspace when there are several).
      const reports: Array<string> = []
      for (const run of last.values()) {
        const folder = last.size === 1 ? dir : join(dir, workspaceFolder(run.workspace!))
        const files = yield* writeReports({ kind: "run", runId: run.runId }, folder)
        reports.push(files.markdown, files.workbook, files.json)
      }
      const summary = yield* historyTally(db)
      yield* Console.log(
        `\n${summary.runs} runs stored (${summary.complete} complete); the last is run ${summary.last}.\n` +
          `Reports of the last run:\n${reports.map((r) => `  ${r}`).join("\n")}\n` +
          `Explore: ptolemy-audit sql --db ${dbPath} "SELECT change_type, count(*) FROM changes GROUP BY ALL ORDER BY 2 DESC"\n` +
          `         ptolemy-audit findings --db ${dbPath}\n` +
          `         ptolemy-audit diff --db ${dbPath} --from 1 --to latest${
            Option.isNone(sim.workspace) ? " --workspace <id>" : ""
          }`
      )
      // The access review loop, on the first workspace: a campaign on the first quarter's last complete run, and a
      // filled-in sample imported.
      const reviewed = [...last.values()][0]?.workspace
      if (reviewed) {
        const firstRun = (yield* runsOfWorkspace(db, input.source, reviewed.id))[0]
        const review = firstRun === undefined ? null : yield* demoReview(db, {
          source: input.source,
          workspaceId: reviewed.id,
          firstRunAt: firstRun.started_at,
          reports: dir,
          now: sim.now()
        }).pipe(Effect.catchTag("ReviewError", (error) => Effect.fail(runFailed(error.message))))
        if (review !== null) {
          const { started, imported } = review
          yield* Console.log(
            `\nAccess review: campaign ${started.campaignId} froze run ${started.runId}, the last complete run of ${review.period} (${started.items} items, ${started.privileged} privileged):\n` +
              `  ${started.files.workbook}\n  ${started.files.csv}\n` +
              `A reviewer's filled-in sample was imported: ${imported.recorded} decisions from ${review.sample}.\n` +
              `Next:    ptolemy-audit review status --db ${dbPath}\n` +
              `         ptolemy-audit sql --db ${dbPath} "SELECT item_key, label, decision, new_role, reviewer, comment FROM review_outcomes WHERE decision IS NOT NULL"`
          )
          // Remediation: the campaign signed off, its decisions planned, applied with the simulator's write
          // token, and the next day's run verifying them.
          const remediated = yield* demoRemediation(db, {
            campaignId: started.campaignId,
            sim,
            workspaceId: reviewed.id,
            planPath: join(dir, "remediation-plan.json")
          }).pipe(
            Logger.withMinimumLogLevel(LogLevel.Warning),
            Effect.catchTags({
              ReviewError: (error) => Effect.fail(runFailed(error.message)),
              PlanError: (error) => Effect.fail(runFailed(error.message)),
              PlanRefused: (error) => Effect.fail(runFailed(error.message))
            })
          )
          sim.advanceDays(1)
          yield* runOnce("next day")
          const verified = yield* db.query(
            `SELECT verification, count(*)::INTEGER AS n FROM remediation_actions WHERE plan_id = $1 AND verification IS NOT NULL GROUP BY ALL ORDER BY 1`,
            [param.text(remediated.planId)]
          )
          yield* Console.log(
            `\nRemediation: campaign ${started.campaignId} signed off; plan ${remediated.planId} (${remediated.actions} actions, ${remediated.excluded} left out) written to ${remediated.planPath}\n` +
              `  applied against the simulator: ${remediated.outcomes}\n` +
              `  the next run: ${
                verified.map((r) => `${r["n"]} ${r["verification"]}`).join(", ") || "nothing to verify"
              }\n` +
              `Next:    ptolemy-audit remediate status --db ${dbPath}`
          )
        }
      }
      // The evidence pack of the quarter the demo starts in (its review campaign included), as
      // `ptolemy-audit evidence --period 2026-Q1` writes it.
      if (reviewed) {
        const runs = yield* runsOfWorkspace(db, input.source, reviewed.id)
        const first = runs[0]
        if (first !== undefined) {
          const period = yield* parsePeriod(
            `${first.started_at.slice(0, 4)}-Q${Math.floor((Number(first.started_at.slice(5, 7)) - 1) / 3) + 1}`
          )
          const label = reviewed.slug ?? reviewed.name ?? reviewed.id
          const window = yield* resolveWindow(
            db,
            { source: input.source, workspace_id: reviewed.id, label },
            period.start,
            period.end
          )
          const name = `evidence-${workspaceFolder(reviewed)}-${period.label}`
          const pack = yield* writeEvidencePack(
            {
              label: period.label,
              dates: { start: period.start, end: period.end },
              fromRunId: window.from.run_id,
              toRunId: window.to.run_id,
              startsLate: window.startsLate
            },
            join(dir, name),
            { commandLine: `ptolemy-audit evidence --period ${period.label}`, name }
          )
          yield* Console.log(
            `\nEvidence pack of ${period.label} (runs ${window.from.run_id} to ${window.to.run_id}): ${
              join(pack.dir, "index.html")
            }\n` +
              `  ${pack.zip}\n` +
              `Check it: ptolemy-audit verify --evidence ${pack.zip} --db ${dbPath}`
          )
        }
      }
    }).pipe(
      Effect.provide(writableStore(dbPath)),
      Effect.ensuring(compactQuietly(dbPath)),
      Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message))),
      Effect.catchTag("ReportError", (error) => Effect.fail(runFailed(error.message)))
    )
  }).pipe(Effect.scoped)
