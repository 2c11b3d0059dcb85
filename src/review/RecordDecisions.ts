/**
 * `review import`: a filled-in sheet's decisions recorded in the campaign it names, in one transaction under a
 * `review.decisions` ledger entry with the file's SHA-256. Only what is new is recorded: the same file again, or
 * another file with the same decisions, records nothing; a changed decision is recorded as a revision (both stay in
 * review_decisions). A file of no campaign, or whose whole population was altered, is refused and records nothing.
 */
import type { FileSystem, Path } from "@effect/platform"
import { Effect } from "effect"
import { appendEntry, sealEntry } from "../history/Ledger.js"
import {
  campaignById,
  campaignItems,
  type CurrentDecision,
  currentDecisions,
  importOfFile,
  rolesSeen
} from "../read/Review.js"
import { type DatabaseService, param, type StoreError } from "../store/Database.js"
import { FACTS_HASH, ITEM_KEY, rolesFor } from "./Facts.js"
import { headerKey, readReviewFile, type ReviewFileContent } from "./ReadReviewFile.js"
import { badFile, refused, type ReviewError } from "./ReviewError.js"
import { type AcceptedDecision, type Rejection, validateRows } from "./Validate.js"

export interface ImportOptions {
  readonly file: string
  /** `--campaign`: needed only when the file does not name its campaign. */
  readonly campaignId: string | null
  /** `--reviewer`: for rows that name none. */
  readonly reviewer: string | null
  readonly now: Date
}

export interface ImportResult {
  readonly campaignId: string
  readonly fileName: string
  readonly sha256: string
  readonly format: "xlsx" | "csv"
  /** Decisions recorded (new or revised). */
  readonly recorded: number
  /** Decisions the campaign already held as the file states them. */
  readonly unchanged: number
  /** Rows of the campaign's items left blank. */
  readonly undecided: number
  readonly selfReviews: number
  readonly rejected: ReadonlyArray<Rejection>
  /** The ledger entry of what was recorded, if anything was. */
  readonly entryId: number | null
  /** The earlier import of this very file, when it was imported before (then nothing is read again). */
  readonly alreadyImported: { readonly entryId: number; readonly recordedAt: string } | null
}

const required = [ITEM_KEY, FACTS_HASH, "Decision"]

/** Whether a decision read from a file says something the campaign does not hold yet. */
const isNew = (found: AcceptedDecision, current: CurrentDecision | undefined) =>
  current === undefined ||
  current.decision !== found.decision ||
  (current.new_role ?? null) !== found.new_role ||
  current.reviewer !== found.reviewer ||
  (current.comment ?? null) !== found.comment ||
  (found.reviewed_on_given && current.reviewed_on !== found.reviewed_on)

/** Reads `options.file` and records its decisions. */
export const importDecisions = (
  db: DatabaseService,
  options: ImportOptions
): Effect.Effect<ImportResult, ReviewError | StoreError, FileSystem.FileSystem | Path.Path> =>
  Effect.flatMap(readReviewFile(options.file), (content) => recordDecisions(db, content, options))

/** Records the decisions of a file already read (the CLI reads it before it opens the database). */
export const recordDecisions = (
  db: DatabaseService,
  content: ReviewFileContent,
  options: Omit<ImportOptions, "file">
): Effect.Effect<ImportResult, ReviewError | StoreError> =>
  Effect.gen(function*() {
    const named = content.campaignId
    if (named !== null && options.campaignId !== null && named !== options.campaignId) {
      return yield* Effect.fail(
        badFile(
          `${content.fileName} is the sheet of campaign ${named}, not of campaign ${options.campaignId}; nothing recorded.`
        )
      )
    }
    const campaignId = options.campaignId ?? named
    if (campaignId === null) {
      return yield* Effect.fail(
        badFile(
          `${content.fileName} names no campaign (its "Campaign id" line is missing): pass --campaign ID if it is the sheet of one; nothing recorded.`
        )
      )
    }
    const found = yield* campaignById(db, campaignId)
    if (found._tag === "None") {
      return yield* Effect.fail(
        badFile(
          `${content.fileName} belongs to no campaign of this database (there is no campaign ${campaignId}); nothing recorded.`
        )
      )
    }
    const campaign = found.value
    if (content.populationHash !== null && content.populationHash !== campaign.population_hash) {
      return yield* Effect.fail(
        badFile(
          `${content.fileName} belongs to no campaign of this database: its population hash ${content.populationHash} is not campaign ${campaignId}'s (${campaign.population_hash}); it is the sheet of another database or campaign. Nothing recorded.`
        )
      )
    }
    if (campaign.status === "closed") {
      return yield* Effect.fail(
        refused(
          `Campaign ${campaignId} was signed off by ${campaign.signed_by ?? "?"} on ${
            (campaign.signed_at ?? "").slice(0, 10)
          }: its decisions can no longer change. Start a new campaign to review again.`
        )
      )
    }
    const missing = required.filter((h) => !content.headers.has(headerKey(h)))
    if (missing.length > 0) {
      return yield* Effect.fail(
        badFile(
          content.headers.size === 0
            ? `${content.fileName} has no review table (no header row with "${ITEM_KEY}" and "Decision"); nothing recorded.`
            : `${content.fileName} has no ${missing.map((h) => `"${h}"`).join(" or ")} column; nothing recorded.`
        )
      )
    }
    const base = { campaignId, fileName: content.fileName, sha256: content.sha256, format: content.format }
    const earlier = yield* importOfFile(db, campaignId, content.sha256)
    if (earlier !== undefined) {
      return {
        ...base,
        recorded: 0,
        unchanged: 0,
        undecided: 0,
        selfReviews: 0,
        rejected: [],
        entryId: null,
        alreadyImported: { entryId: earlier.entry_id, recordedAt: earlier.recorded_at }
      } satisfies ImportResult
    }
    const items = yield* campaignItems(db, campaignId)
    const seen = yield* rolesSeen(db, campaign.run_id)
    const today = options.now.toISOString().slice(0, 10)
    const validation = validateRows(content.rows, content.headers, {
      campaignId,
      items: new Map(items.map((i) => [i.item_key, i])),
      rolesOf: (item) => rolesFor(campaign.source, item.item_type, seen),
      defaultReviewer: options.reviewer,
      today
    })
    if (validation.keyedRows === 0) {
      return yield* Effect.fail(badFile(`${content.fileName} has no rows with an Item key; nothing recorded.`))
    }
    if (validation.alteredRows === validation.keyedRows) {
      return yield* Effect.fail(
        badFile(
          `Every row of ${content.fileName} has an item key or facts that campaign ${campaignId} does not hold: its whole population was altered, so nothing was recorded. The first: ${
            validation.rejected[0]?.message ?? ""
          }`
        )
      )
    }
    const current = new Map((yield* currentDecisions(db, campaignId)).map((d) => [d.item_key, d]))
    // A blank Reviewed on does not make a decision new; a new decision without one was reviewed today.
    const fresh = validation.accepted.filter((d) => isNew(d, current.get(d.item_key)))
    const result = {
      ...base,
      recorded: fresh.length,
      unchanged: validation.accepted.length - fresh.length,
      undecided: validation.blankRows,
      selfReviews: validation.accepted.filter((d) => d.self_review).length,
      rejected: validation.rejected,
      alreadyImported: null
    }
    if (fresh.length === 0) return { ...result, entryId: null } satisfies ImportResult
    const entryId = yield* db.transaction(
      Effect.gen(function*() {
        const entryId = yield* appendEntry(db, {
          source: campaign.source,
          workspaceId: campaign.workspace_id,
          kind: "review.decisions",
          subjectId: campaignId,
          recordedAt: options.now.toISOString()
        })
        yield* db.execute(
          `INSERT INTO review_import_log
             (entry_id, campaign_id, file_name, file_sha256, file_format, rows_read, decisions, unchanged, rejected)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            param.int(entryId),
            param.text(campaignId),
            param.text(content.fileName),
            param.text(content.sha256),
            param.text(content.format),
            param.int(validation.keyedRows),
            param.int(fresh.length),
            param.int(result.unchanged),
            param.int(validation.rejected.length)
          ]
        )
        yield* Effect.scoped(
          Effect.gen(function*() {
            yield* db.execute(
              `CREATE OR REPLACE TEMP TABLE stage_review_decisions (item_key VARCHAR, decision VARCHAR, new_role VARCHAR,
                 reviewer VARCHAR, reviewed_on VARCHAR, comment VARCHAR, self_review BOOLEAN, file_row INTEGER)`
            )
            const appender = yield* db.appender("stage_review_decisions")
            const text = (
              value: string | null
            ) => (value === null ? appender.appendNull() : appender.appendVarchar(value))
            for (const d of fresh) {
              text(d.item_key)
              text(d.decision)
              text(d.new_role)
              text(d.reviewer)
              text(d.reviewed_on)
              text(d.comment)
              appender.appendBoolean(d.self_review)
              appender.appendInteger(d.row)
              appender.endRow()
            }
          })
        )
        yield* db.execute(
          `INSERT INTO review_decision_log
           SELECT $1::INTEGER, $2, item_key, decision, new_role, reviewer, reviewed_on::DATE, comment, self_review, file_row
           FROM stage_review_decisions ORDER BY file_row`,
          [param.int(entryId), param.text(campaignId)]
        )
        yield* db.execute("DROP TABLE IF EXISTS stage_review_decisions")
        yield* sealEntry(db, entryId)
        return entryId
      })
    )
    return { ...result, entryId } satisfies ImportResult
  }).pipe(Effect.withSpan("Review.import"))
