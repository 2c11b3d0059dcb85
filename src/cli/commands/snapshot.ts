/**
 * `ptolemy-audit run` and `ptolemy-audit snapshot`: snapshot every configured workspace (changes and findings are
 * computed as each run is stored); `run` also writes the reports and gates on findings.
 */
import { Effect, Option } from "effect"
import { defaultFindingSettings } from "../../analyses/Findings.js"
import { gatingFindings } from "../../analyses/Gate.js"
import type { Severity } from "../../analyses/Severity.js"
import { runAudit } from "../../job/AuditJob.js"
import { Database } from "../../store/Database.js"
import { toolVersion } from "../../Version.js"
import { runFailed } from "../ExitCode.js"
import { targetFromFlags, type TargetFlags } from "../Settings.js"
import { findingsExit, jobExit, logCollection, printRuns, writableStore } from "./common.js"

export interface AuditInput extends TargetFlags {
  readonly db: string
  readonly requireComplete: boolean
  readonly concurrency: number
  readonly failOn: Option.Option<Severity | "none">
  readonly newOnly: boolean
}

export const audit = (input: AuditInput, mode: "run" | "snapshot") =>
  Effect.gen(function*() {
    const target = yield* targetFromFlags(input)
    const failOn = Option.getOrElse(input.failOn, () => "none" as const)
    yield* Effect.gen(function*() {
      const result = yield* runAudit([target], {
        limits: { concurrency: input.concurrency },
        toolVersion,
        now: () => new Date().toISOString(),
        onCollectionDone: logCollection,
        findings: defaultFindingSettings
      })
      yield* printRuns(result.runs)
      yield* jobExit(result, input)
      if (mode === "run" && failOn !== "none") {
        const db = yield* Database
        const hits = yield* gatingFindings(db, result.runs.map((r) => r.runId), failOn, input.newOnly)
        yield* findingsExit(hits, failOn, input.newOnly)
      }
    }).pipe(
      Effect.provide(writableStore(input.db)),
      Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message)))
    )
  })
