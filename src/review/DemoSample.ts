/**
 * The demo's review loop: a campaign on the last complete run of the demo's first quarter, its sheet filled in as a
 * reviewer would (a few Removes, one role change, the reviewer's own access kept with a comment, every other
 * privileged item kept) and imported, so that a newcomer sees the whole loop and can try `review status` and
 * `review close` on it. Deterministic: the same history gives the same decisions.
 */
import { type FileSystem, Path } from "@effect/platform"
import { Effect } from "effect"
import ExcelJS from "exceljs"
import { campaignItems, lastCompleteRun } from "../read/Review.js"
import type { DatabaseService, StoreError } from "../store/Database.js"
import type { StoredItem } from "./Facts.js"
import { startCampaign, type StartedCampaign } from "./Freeze.js"
import { importDecisions, type ImportResult } from "./RecordDecisions.js"
import { ReviewError } from "./ReviewError.js"

interface SampleDecision {
  readonly Decision: string
  readonly "New role"?: string
  readonly Comment?: string
}

const has = (item: StoredItem, rule: string) => (item.findings ?? "").split(", ").includes(rule)

/** Which items the sample reviewer decides, and how. */
export const sampleDecisions = (
  items: ReadonlyArray<StoredItem>
): { reviewer: string; decisions: Map<string, SampleDecision> } => {
  const decisions = new Map<string, SampleDecision>()
  const admins = items.filter((i) => i.privileged && i.item_type === "member" && i.email !== null)
  const reviewer = admins[0]?.email ?? "reviewer@example.com"
  const remove = (item: StoredItem | undefined, comment: string) => {
    if (item !== undefined) decisions.set(item.item_key, { Decision: "Remove", Comment: comment })
  }
  remove(
    items.find((i) => i.item_type === "token" && (has(i, "token.unused") || has(i, "token.never_used"))),
    "Unused token"
  )
  remove(
    items.find((i) => i.item_type === "member" && !i.privileged && has(i, "access.external_domain")),
    "External address, contract ended"
  )
  remove(items.find((i) => i.item_type === "invitation" && !i.privileged), "Not needed any more")
  remove(items.find((i) => i.item_type === "invitation" && i.privileged), "Admin access goes through a request")
  const demoted = admins.length > 1 ? admins[admins.length - 1]! : undefined
  if (demoted) {
    decisions.set(demoted.item_key, {
      Decision: "Change role",
      "New role": "member",
      Comment: "No longer administers the workspace"
    })
  }
  // The reviewer's own access: a self-review, which needs its comment.
  if (admins[0]) {
    decisions.set(admins[0].item_key, {
      Decision: "Keep",
      Comment: "Workspace owner; my own access confirmed with the CTO"
    })
  }
  for (const item of items) {
    if (item.privileged && !decisions.has(item.item_key)) decisions.set(item.item_key, { Decision: "Keep" })
  }
  return { reviewer, decisions }
}

/** Fills the sample's decisions into the campaign's workbook (as Excel saves it) and writes it as `out`. */
const fillSample = (workbookPath: string, out: string, items: ReadonlyArray<StoredItem>, day: Date) =>
  Effect.tryPromise({
    try: async () => {
      const { decisions, reviewer } = sampleDecisions(items)
      const workbook = new ExcelJS.Workbook()
      await workbook.xlsx.readFile(workbookPath)
      const sheet = workbook.worksheets[0]!
      let columns: Map<string, number> | null = null
      sheet.eachRow((row) => {
        const values = (row.values as Array<unknown>).map((v) => (typeof v === "string" ? v : ""))
        if (values.includes("Item key") && values.includes("Decision")) {
          columns = new Map(values.flatMap((v, i) => (v === "" ? [] : [[v, i] as [string, number]])))
          return
        }
        const at = columns
        if (at === null) return
        const decision = decisions.get(values[at.get("Item key")!] ?? "")
        if (decision === undefined) return
        row.getCell(at.get("Decision")!).value = decision.Decision
        if (decision["New role"]) row.getCell(at.get("New role")!).value = decision["New role"]
        if (decision.Comment) row.getCell(at.get("Comment")!).value = decision.Comment
        row.getCell(at.get("Reviewer")!).value = reviewer
        row.getCell(at.get("Reviewed on")!).value = new Date(
          Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate())
        )
      })
      await workbook.xlsx.writeFile(out)
    },
    catch: (cause) =>
      new ReviewError({ reason: "Write", message: `Could not write the sample ${out}: ${String(cause)}`, cause })
  })

export interface DemoReview {
  readonly started: StartedCampaign
  readonly sample: string
  readonly imported: ImportResult
  readonly period: string
}

/** Starts the campaign on the first quarter's last complete run and imports the filled-in sample. */
export const demoReview = (
  db: DatabaseService,
  options: {
    readonly source: string
    readonly workspaceId: string
    readonly firstRunAt: string
    readonly reports: string
    readonly now: Date
  }
): Effect.Effect<DemoReview | null, ReviewError | StoreError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const year = Number(options.firstRunAt.slice(0, 4))
    const quarter = Math.floor((Number(options.firstRunAt.slice(5, 7)) - 1) / 3) + 1
    const period = `${year}-Q${quarter}`
    const lastMonth = quarter * 3
    const end = new Date(Date.UTC(year, lastMonth, 0, 23, 59, 59, 999)).toISOString()
    const run = yield* lastCompleteRun(db, options.source, options.workspaceId, end)
    if (run === undefined) return null
    const due = new Date(options.now.getTime() + 14 * 86400000).toISOString().slice(0, 10)
    const started = yield* startCampaign(db, {
      runId: run.run_id,
      period,
      reviewers: [],
      dueOn: due,
      now: options.now,
      reports: options.reports
    })
    const items = yield* campaignItems(db, started.campaignId)
    const path = yield* Path.Path
    const sample = path.join(started.files.folder, "review-filled-sample.xlsx")
    yield* fillSample(started.files.workbook, sample, items, options.now)
    const imported = yield* importDecisions(db, { file: sample, campaignId: null, reviewer: null, now: options.now })
    return { started, sample, imported, period }
  }).pipe(Effect.withSpan("Review.demo"))
