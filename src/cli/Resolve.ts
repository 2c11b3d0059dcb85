/**
 * Naming points in the stored history the way users do: a workspace by id, slug or name (or the only one stored), a
 * point in time by run id, `latest`, a date (YYYY-MM-DD) or an ISO-8601 instant, a review period like 2026-Q3.
 */
import { Effect, Option } from "effect"
import { type RunRef, runsOfWorkspace, storedWorkspaces } from "../read/Runs.js"
import type { DatabaseService } from "../store/Database.js"
import { usageError } from "./ExitCode.js"
import { printable } from "./Output.js"

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
    const names = printable(all.map((w) => w.label).join(", "))
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
      usageError(`No workspace "${printable(wanted.value)}" in the audit database (it holds: ${names || "none"}).`)
    )
  })

const datePattern = /^\d{4}-\d{2}-\d{2}$/

/** The instant a point names: a bare date is the start of its day when it opens a window, its last moment when it closes one. */
const instantOf = (value: string, edge: "start" | "end") =>
  datePattern.test(value) ? Date.parse(`${value}T00:00:00Z`) + (edge === "end" ? 86400_000 - 1 : 0) : Date.parse(value)

const span = (runs: ReadonlyArray<RunRef>) => `runs ${runs[0]!.run_id}…${runs[runs.length - 1]!.run_id}`

/** A run named by id or `latest`; null when `value` names a time instead. */
const runByName = (workspace: WorkspaceRef, runs: ReadonlyArray<RunRef>, value: string) =>
  Effect.gen(function*() {
    if (value === "latest") return runs[runs.length - 1]!
    if (!/^\d+$/.test(value)) return null
    const run = runs.find((r) => r.run_id === Number(value))
    if (run) return run
    return yield* Effect.fail(
      usageError(`Run ${value} is not a stored run of ${printable(workspace.label)} (${span(runs)}).`)
    )
  })

const storedRuns = (db: DatabaseService, workspace: WorkspaceRef) =>
  Effect.flatMap(
    runsOfWorkspace(db, workspace.source, workspace.workspace_id),
    (runs) =>
      runs.length === 0
        ? Effect.fail(usageError(`${printable(workspace.label)} has no stored run yet.`))
        : Effect.succeed(runs)
  )

const instantOrFail = (value: string, edge: "start" | "end") => {
  const instant = instantOf(value, edge)
  return Number.isNaN(instant)
    ? Effect.fail(usageError(`"${value}" is neither a run id, "latest", a date (YYYY-MM-DD) nor an ISO-8601 time.`))
    : Effect.succeed(instant)
}

/** The last stored run at or before `instant`, if any. */
const lastAtOrBefore = (runs: ReadonlyArray<RunRef>, instant: number) =>
  runs.filter((r) => Date.parse(r.started_at) <= instant).pop()

/** A run of the workspace: an id, `latest`, or the last stored run at or before a time (see `instantOf`). */
export const resolveRun = (db: DatabaseService, workspace: WorkspaceRef, value: string, edge: "start" | "end") =>
  Effect.gen(function*() {
    const runs = yield* storedRuns(db, workspace)
    const named = yield* runByName(workspace, runs, value)
    if (named) return named
    const run = lastAtOrBefore(runs, yield* instantOrFail(value, edge))
    if (run) return run
    return yield* Effect.fail(
      usageError(
        `No run of ${printable(workspace.label)} at or before ${value}; the first is run ${runs[0]!.run_id} (${
          runs[0]!.started_at
        }).`
      )
    )
  })

/** A window of a workspace's history, as `diff` and `report` both resolve it. */
export interface ResolvedWindow {
  /** The run whose state is the window's start (its own changes are not in the window). */
  readonly from: RunRef
  readonly to: RunRef
  /**
   * The history starts after the window does: no run stands at its start, so `from` is the first stored run and
   * what happened between the window's start and that run is not known.
   */
  readonly startsLate: boolean
}

/**
 * The runs at both ends of a window: the last stored run at or before each end (a date's start for `from`, its end
 * for `to`), a run id, or `latest`. A window that starts before the history does starts at the first run, and says so;
 * one that ends before it is a usage error.
 */
export const resolveWindow = (db: DatabaseService, workspace: WorkspaceRef, from: string, to: string) =>
  Effect.gen(function*() {
    const runs = yield* storedRuns(db, workspace)
    const end = (yield* runByName(workspace, runs, to)) ?? lastAtOrBefore(runs, yield* instantOrFail(to, "end"))
    if (end === undefined) {
      return yield* Effect.fail(
        usageError(
          `No run of ${printable(workspace.label)} at or before ${to}: its history starts with run ${
            runs[0]!.run_id
          } (${runs[0]!.started_at}).`
        )
      )
    }
    const named = yield* runByName(workspace, runs, from)
    const atStart = named ?? lastAtOrBefore(runs, yield* instantOrFail(from, "start"))
    const start = atStart ?? runs[0]!
    if (end.run_id < start.run_id) {
      return yield* Effect.fail(
        usageError(`The window ends (run ${end.run_id}) before it starts (run ${start.run_id}).`)
      )
    }
    return { from: start, to: end, startsLate: atStart === undefined } satisfies ResolvedWindow
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
