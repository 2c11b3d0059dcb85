/**
 * `ptolemy-audit diff --from RUN|DATE --to RUN|DATE`: what changed over a window, itemised (every change between
 * consecutive runs inside it) and netted (the state at its end against the state at its start, one net effect per
 * entity, so that a member added and removed inside the window nets to nothing). Dates resolve as `report` resolves
 * them: a window that starts before the history does starts at the first run, with a warning.
 */
import { Console, Effect, Option } from "effect"
import { itemisedChanges, netChanges, readableValues } from "../../read/Changes.js"
import { Database } from "../../store/Database.js"
import { runFailed } from "../ExitCode.js"
import { type Format, jsonText, printable, render } from "../Output.js"
import { resolveWindow, resolveWorkspace } from "../Resolve.js"
import { readableStore } from "./common.js"

export interface DiffInput {
  readonly db: string
  readonly from: string
  readonly to: string
  readonly workspace: Option.Option<string>
  readonly format: Format
}

const netColumns = ["change_type", "entity_type", "entity_name", "old_value", "new_value", "entity_id"]
const itemColumns = [
  "run_id",
  "detected_at",
  "change_type",
  "entity_type",
  "entity_name",
  "old_value",
  "new_value",
  "actor_display_name",
  "changed_at"
]

/** For people: a `*_changed` change shows the fields that differ, not the whole record. */
const readable = <R extends { change_type: string; old_value: string | null; new_value: string | null }>(row: R): R => {
  const { after, before } = readableValues(row)
  return { ...row, old_value: before, new_value: after }
}

export const diff = (input: DiffInput) =>
  Effect.gen(function*() {
    const db = yield* Database
    const workspace = yield* resolveWorkspace(db, input.workspace)
    const { from, startsLate, to } = yield* resolveWindow(db, workspace, input.from, input.to)
    const lateNote =
      `The history of ${workspace.label} starts after ${input.from}: the window starts at its first run, ${from.run_id} (${from.started_at}); what happened before that is not known.`
    if (startsLate) yield* Effect.logWarning(lateNote)
    const window = {
      source: workspace.source,
      workspaceId: workspace.workspace_id,
      fromRunId: from.run_id,
      toRunId: to.run_id
    }
    const net = yield* netChanges(db, window)
    const itemised = yield* itemisedChanges(db, window)
    if (input.format === "json") {
      return yield* Console.log(
        jsonText({
          workspace: workspace.label,
          workspace_id: workspace.workspace_id,
          from,
          to,
          starts_late: startsLate,
          net,
          itemised
        })
      )
    }
    if (input.format === "csv" || input.format === "csv-raw") {
      const rows = [
        ...net.map((r) => ({ section: "net", ...r })),
        ...itemised.map((r) => ({ section: "itemised", ...r }))
      ]
      return yield* Console.log(
        render(input.format, { columns: ["section", ...new Set([...netColumns, ...itemColumns])], rows }).replace(
          /\n$/,
          ""
        )
      )
    }
    yield* Console.log(
      [
        `${
          printable(workspace.label)
        }: from run ${from.run_id} (${from.started_at}) to run ${to.run_id} (${to.started_at})`,
        ...(startsLate ? [`Note: ${printable(lateNote)}`] : []),
        "",
        `Net effect (${net.length} change${net.length === 1 ? "" : "s"}):`,
        render("table", { columns: netColumns, rows: net.map(readable) }),
        `Itemised (${itemised.length} change${itemised.length === 1 ? "" : "s"} between consecutive runs):`,
        render("table", { columns: itemColumns, rows: itemised.map(readable) })
      ].join("\n").replace(/\n$/, "")
    )
  }).pipe(
    Effect.provide(readableStore(input.db)),
    Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message)))
  )
