/**
 * Naming points in the stored history the way users do: a workspace by id, slug or name (or the only one stored), a
 * point in time by run id, `latest`, a date (YYYY-MM-DD) or an ISO-8601 instant, a review period like 2026-Q3.
 */
import { Effect, Option } from "effect"
import { runsOfWorkspace, storedWorkspaces } from "../read/Runs.js"
import type { DatabaseService } from "../store/Database.js"
import { usageError } from "./ExitCode.js"

export interface WorkspaceRef {
  readonly source: string
  readonly workspace_id: string
  readonly label: string
}

export type { RunRef } from "../read/Runs.js"

const refOf = (w: WorkspaceRef): WorkspaceRef => ({ source: w.source, workspace_id: w.workspace_id, label: w.label })

export const resolveWorkspace = (db: DatabaseService, wanted: Option.Option<string>) =>
  Effect.gen(function*() {
    const all = yield* storedWorkspaces(db)
    const names = all.map((w) => w.label).join(", ")
    if (Option.isNone(wanted)) {
      if (all.length === 1) return refOf(all[0]!)
      return yield* Effect.fail(
        usageError(
          all.length === 0
            ? "The audit database holds no runs yet."
            : `The audit database holds several workspaces (${names}); choose one with --workspace.`
        )
      )
    }
    const match = all.filter((w) =>
      w.workspace_id === wanted.value || w.slugs.includes(wanted.value) || w.names.includes(wanted.value)
    )
    if (match.length === 1) return refOf(match[0]!)
    return yield* Effect.fail(
      usageError(`No workspace "${wanted.value}" in the audit database (it holds: ${names || "none"}).`)
    )
  })

const datePattern = /^\d{4}-\d{2}-\d{2}$/

/**
 * A run of the workspace: an id, `latest`, or the last stored run at a time. A bare date means the start of that day
 * when it opens a window (`edge: "start"`) and its end when it closes one (`edge: "end"`).
 */
export const resolveRun = (db: DatabaseService, workspace: WorkspaceRef, value: string, edge: "start" | "end") =>
  Effect.gen(function*() {
    const runs = yield* runsOfWorkspace(db, workspace.source, workspace.workspace_id)
    if (runs.length === 0) {
      return yield* Effect.fail(usageError(`${workspace.label} has no stored run yet.`))
    }
    if (value === "latest") return runs[runs.length - 1]!
    if (/^\d+$/.test(value)) {
      const run = runs.find((r) => r.run_id === Number(value))
      if (run) return run
      return yield* Effect.fail(
        usageError(`Run ${value} is not a stored run of ${workspace.label} (runs ${runs[0]!.run_id}…${runs[runs.length - 1]!.run_id}).`)
      )
    }
    const instant = datePattern.test(value)
      ? Date.parse(`${value}T00:00:00Z`) + (edge === "end" ? 86400_000 - 1 : -1)
      : Date.parse(value)
    if (Number.isNaN(instant)) {
      return yield* Effect.fail(usageError(`"${value}" is neither a run id, "latest", a date (YYYY-MM-DD) nor an ISO-8601 time.`))
    }
    const before = runs.filter((r) => Date.parse(r.started_at) <= instant)
    if (before.length === 0) {
      return yield* Effect.fail(
        usageError(`No run of ${workspace.label} at or before ${value}; the first is run ${runs[0]!.run_id} (${runs[0]!.started_at}).`)
      )
    }
    return before[before.length - 1]!
  })

export interface Period {
  readonly label: string
  /** Inclusive start and end dates, YYYY-MM-DD. */
  readonly start: string
  readonly end: string
}

/** 2026-Q3, 2026-07 (a month), 2026 (a year), or START..END dates. */
export const parsePeriod = (value: string) =>
  Effect.gen(function*() {
    const pad = (n: number) => String(n).padStart(2, "0")
    const lastDay = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate()
    let match = /^(\d{4})-Q([1-4])$/i.exec(value)
    if (match) {
      const year = Number(match[1])
      const first = (Number(match[2]) - 1) * 3 + 1
      return {
        label: `${year}-Q${match[2]}`,
        start: `${year}-${pad(first)}-01`,
        end: `${year}-${pad(first + 2)}-${pad(lastDay(year, first + 2))}`
      } satisfies Period
    }
    match = /^(\d{4})-(\d{2})$/.exec(value)
    if (match && Number(match[2]) >= 1 && Number(match[2]) <= 12) {
      const [year, month] = [Number(match[1]), Number(match[2])]
      return { label: value, start: `${value}-01`, end: `${value}-${pad(lastDay(year, month))}` } satisfies Period
    }
    match = /^(\d{4})$/.exec(value)
    if (match) return { label: value, start: `${value}-01-01`, end: `${value}-12-31` } satisfies Period
    match = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(value)
    if (match && match[1]! <= match[2]!) return { label: value, start: match[1]!, end: match[2]! } satisfies Period
    return yield* Effect.fail(
      usageError(`"${value}" is not a review period: use 2026-Q3, 2026-07, 2026 or 2026-07-01..2026-09-30.`)
    )
  })
