/**
 * `ptolemy-audit diff --from RUN|DATE --to RUN|DATE`: what changed over a window, itemised (every change between
 * consecutive runs inside it) and netted (the state at its end against the state at its start, so that a member
 * added and removed inside the window nets to nothing).
 */
import { Console, Effect, Option } from "effect"
import { itemisedChanges, netChanges } from "../../read/Changes.js"
import { Database } from "../../store/Database.js"
import { runFailed, usageError } from "../ExitCode.js"
import { type Format, render } from "../Output.js"
import { resolveRun, resolveWorkspace } from "../Resolve.js"
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

export const diff = (input: DiffInput) =>
  Effect.gen(function*() {
    const db = yield* Database
    const workspace = yield* resolveWorkspace(db, input.workspace)
    const from = yield* resolveRun(db, workspace, input.from, "start")
    const to = yield* resolveRun(db, workspace, input.to, "end")
    if (to.run_id < from.run_id) {
      return yield* Effect.fail(usageError(`--to (run ${to.run_id}) is before --from (run ${from.run_id}).`))
    }
    const window = { source: workspace.source, workspaceId: workspace.workspace_id, fromRunId: from.run_id, toRunId: to.run_id }
    const net = yield* netChanges(db, window)
    const itemised = yield* itemisedChanges(db, window)
    if (input.format === "json") {
      return yield* Console.log(
        JSON.stringify({ workspace: workspace.label, workspace_id: workspace.workspace_id, from, to, net, itemised }, null, 2)
      )
    }
    if (input.format === "csv") {
      const rows = [
        ...net.map((r) => ({ section: "net", ...r })),
        ...itemised.map((r) => ({ section: "itemised", ...r }))
      ]
      return yield* Console.log(
        render("csv", { columns: ["section", ...new Set([...netColumns, ...itemColumns])], rows }).replace(/\n$/, "")
      )
    }
    yield* Console.log(
      [
        `${workspace.label}: from run ${from.run_id} (${from.started_at}) to run ${to.run_id} (${to.started_at})`,
        "",
        `Net effect (${net.length} change${net.length === 1 ? "" : "s"}):`,
        render("table", { columns: netColumns, rows: net }),
        `Itemised (${itemised.length} change${itemised.length === 1 ? "" : "s"} between consecutive runs):`,
        render("table", { columns: itemColumns, rows: itemised })
      ].join("\n").replace(/\n$/, "")
    )
  }).pipe(
    Effect.provide(readableStore(input.db)),
    Effect.catchTag("StoreError", (error) => Effect.fail(runFailed(error.message)))
  )
