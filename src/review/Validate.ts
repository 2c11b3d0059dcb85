/**
 * Judging a filled-in sheet's rows against the campaign they claim to belong to: each row's item key must be one of
 * the campaign's and its facts must be those frozen (only the input columns may change); its decision must be Keep,
 * Remove or Change role (with a valid new role); a reviewer deciding on their own access needs a comment. Every
 * rejection names its row. Rows left blank stay undecided.
 */
import { unguardFormula } from "../files/Csv.js"
import { type DayOrder, dayReadings } from "./Days.js"
import { canonical, type DecisionValue, factColumns, type StoredItem } from "./Facts.js"
import { cellText, type CellValue, FACTS_HASH_KEY, type FileRow, headerKey, ITEM_KEY_KEY } from "./ReadReviewFile.js"

export interface ValidationContext {
  readonly campaignId: string
  readonly items: ReadonlyMap<string, StoredItem>
  /** The roles a Change role may give the item. */
  readonly rolesOf: (item: StoredItem) => ReadonlyArray<string>
  /** The reviewer for rows that name none (`--reviewer`). */
  readonly defaultReviewer: string | null
  /** Today (YYYY-MM-DD, UTC): a blank Reviewed on means today; later than tomorrow is a mistake. */
  readonly today: string
}

export interface AcceptedDecision {
  readonly row: number
  readonly item_key: string
  readonly decision: DecisionValue
  readonly new_role: string | null
  readonly reviewer: string
  readonly reviewed_on: string
  /** False when Reviewed on was blank (today was assumed): then it does not make a decision differ. */
  readonly reviewed_on_given: boolean
  readonly comment: string | null
  readonly self_review: boolean
}

export type RejectionReason =
  | "no_item_key"
  | "unknown_item"
  | "facts_changed"
  | "decision"
  | "new_role"
  | "reviewer"
  | "reviewed_on"
  | "self_review"
  | "duplicate"

export interface Rejection {
  readonly row: number
  readonly item_key: string | null
  readonly reason: RejectionReason
  readonly message: string
}

export interface Validation {
  readonly accepted: ReadonlyArray<AcceptedDecision>
  readonly rejected: ReadonlyArray<Rejection>
  /** Rows with an item key. */
  readonly keyedRows: number
  /** Keyed rows whose key is unknown or whose facts were edited. */
  readonly alteredRows: number
  /** Known rows without a decision. */
  readonly blankRows: number
}

const text = (value: CellValue | undefined): string => unguardFormula(cellText(value ?? null)).trim()

const DECISIONS: Record<string, DecisionValue> = {
  keep: "keep",
  remove: "remove",
  "change role": "change_role",
  changerole: "change_role"
}

export const parseDecision = (value: string): DecisionValue | null =>
  DECISIONS[value.toLowerCase().replace(/[-_]/g, " ").replace(/\s+/g, " ").trim()] ?? null

const describe = (item: StoredItem) =>
  `${item.item_key}${item.email ?? item.name ? ` (${item.email ?? item.name})` : ""}`

/** The fact columns the file has, with what each frozen item shows in them. */
const presentFacts = (headers: ReadonlySet<string>) => factColumns.filter((c) => headers.has(headerKey(c.header)))

/** Does a file cell still show the frozen fact? Dates may come back as dates, serials or a locale's text. */
const factMatches = (kind: "text" | "date", cell: CellValue, frozen: string): boolean => {
  const shown = canonical(unguardFormula(cellText(cell)))
  if (shown === frozen) return true
  if (kind === "date" && frozen !== "" && /^\d{4}-\d{2}-\d{2}$/.test(frozen)) {
    return dayReadings(cell).some((r) => r.day === frozen)
  }
  // A number a spreadsheet made of numeric-looking text.
  return typeof cell === "number" && frozen !== "" && Number(frozen) === cell
}

/** The day order a file's locale writes, learnt from its frozen dates that only one order reads right. */
const learnDayOrder = (
  rows: ReadonlyArray<FileRow>,
  items: ReadonlyMap<string, StoredItem>,
  headers: ReadonlySet<string>
) => {
  const votes = { DMY: 0, MDY: 0 }
  const dates = factColumns.filter((c) => c.kind === "date" && headers.has(headerKey(c.header)))
  for (const row of rows) {
    const item = items.get(text(row.cells.get(ITEM_KEY_KEY)))
    if (item === undefined) continue
    for (const column of dates) {
      const frozen = canonical(column.value(item))
      // 28/01/2026 can only be day-first; 03/02/2026 is day-first if the frozen day is 3 February.
      const right = dayReadings(row.cells.get(headerKey(column.header)) ?? null).filter((r) => r.day === frozen)
      if (right.length === 1 && right[0]!.order !== null) votes[right[0]!.order]++
    }
  }
  return votes.DMY > 0 && votes.MDY === 0 ? "DMY" : votes.MDY > 0 && votes.DMY === 0 ? "MDY" : null
}

const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10)

export const validateRows = (
  rows: ReadonlyArray<FileRow>,
  headers: ReadonlySet<string>,
  context: ValidationContext
): Validation => {
  const facts = presentFacts(headers)
  const order: DayOrder | null = learnDayOrder(rows, context.items, headers)
  const accepted = new Map<string, AcceptedDecision>()
  const rejected: Array<Rejection> = []
  const seen = new Map<string, number>()
  let keyedRows = 0
  let alteredRows = 0
  let blankRows = 0
  const reject = (row: number, item_key: string | null, reason: RejectionReason, message: string) =>
    rejected.push({ row, item_key, reason, message: `row ${row}: ${message}` })

  for (const row of rows) {
    const cell = (header: string) => row.cells.get(headerKey(header)) ?? null
    const key = text(row.cells.get(ITEM_KEY_KEY))
    if (key === "") {
      reject(
        row.row,
        null,
        "no_item_key",
        "it has a Decision but no Item key; decisions are matched to items by their key."
      )
      continue
    }
    keyedRows++
    const item = context.items.get(key)
    if (item === undefined) {
      alteredRows++
      reject(
        row.row,
        key,
        "unknown_item",
        `Item key "${key}" is not an item of campaign ${context.campaignId} (was it edited?).`
      )
      continue
    }
    const hash = text(row.cells.get(FACTS_HASH_KEY))
    const edited = facts.filter((c) => !factMatches(c.kind, cell(c.header), canonical(c.value(item))))
    if (hash !== item.facts_hash || edited.length > 0) {
      alteredRows++
      const what = edited.length > 0
        ? edited.map((c) =>
          `${c.header} was "${canonical(c.value(item))}" when frozen, the file says "${text(cell(c.header))}"`
        ).join("; ")
        : `its Facts hash is "${hash}", the frozen facts hash to "${item.facts_hash}"`
      reject(
        row.row,
        key,
        "facts_changed",
        `the facts of ${describe(item)} no longer match its Facts hash (${what}); only the input columns may change.`
      )
      continue
    }
    const decisionText = text(cell("Decision"))
    if (decisionText === "") {
      blankRows++
      continue
    }
    const decision = parseDecision(decisionText)
    if (decision === null) {
      reject(
        row.row,
        key,
        "decision",
        `Decision "${decisionText}" for ${describe(item)} is not one of Keep, Remove, Change role.`
      )
      continue
    }
    const newRoleText = text(cell("New role"))
    let newRole: string | null = null
    if (decision === "change_role") {
      const roles = context.rolesOf(item)
      const match = roles.find((r) => r.toLowerCase() === newRoleText.toLowerCase())
      if (roles.length === 0) {
        reject(
          row.row,
          key,
          "new_role",
          `a ${item.item_type} has no role to change (${describe(item)}): decide Keep or Remove.`
        )
        continue
      }
      if (newRoleText === "" || match === undefined) {
        reject(
          row.row,
          key,
          "new_role",
          `Change role for ${describe(item)} needs a New role, one of ${roles.join(", ")}${
            newRoleText === "" ? "" : ` (not "${newRoleText}")`
          }.`
        )
        continue
      }
      if (match.toLowerCase() === (item.role ?? "").toLowerCase()) {
        reject(
          row.row,
          key,
          "new_role",
          `${describe(item)} already has the role ${match}: decide Keep, or choose another New role.`
        )
        continue
      }
      newRole = match
    } else if (newRoleText !== "") {
      reject(
        row.row,
        key,
        "new_role",
        `New role "${newRoleText}" is only read with Change role (the Decision is ${decisionText}).`
      )
      continue
    }
    const reviewer = text(cell("Reviewer")) || context.defaultReviewer || ""
    if (reviewer === "") {
      reject(
        row.row,
        key,
        "reviewer",
        `no Reviewer for the decision on ${describe(item)}: fill it in, or pass --reviewer.`
      )
      continue
    }
    const reviewedCell = cell("Reviewed on")
    let reviewedOn = context.today
    const given = text(reviewedCell) !== ""
    if (given) {
      const readings = dayReadings(reviewedCell)
      const chosen = readings.length === 1 ? readings[0] : readings.find((r) => r.order === order)
      if (chosen === undefined) {
        reject(
          row.row,
          key,
          "reviewed_on",
          readings.length > 1
            ? `Reviewed on "${text(reviewedCell)}" reads as ${
              readings.map((r) => r.day).join(" or ")
            }: write it as YYYY-MM-DD.`
            : `Reviewed on "${text(reviewedCell)}" is not a date: write it as YYYY-MM-DD.`
        )
        continue
      }
      if (chosen.day > addDays(context.today, 1)) {
        reject(row.row, key, "reviewed_on", `Reviewed on ${chosen.day} is in the future.`)
        continue
      }
      reviewedOn = chosen.day
    }
    const comment = cellText(cell("Comment")).trim() || null
    const who = reviewer.toLowerCase()
    const selfReview = (item.email !== null && item.email.toLowerCase() === who) ||
      (item.name !== null && canonical(item.name).toLowerCase() === canonical(reviewer).toLowerCase())
    if (selfReview && comment === null) {
      reject(
        row.row,
        key,
        "self_review",
        `${reviewer} reviews their own access (${describe(item)}): a self-review needs a Comment saying why.`
      )
      continue
    }
    const found: AcceptedDecision = {
      row: row.row,
      item_key: key,
      decision,
      new_role: newRole,
      reviewer,
      reviewed_on: reviewedOn,
      reviewed_on_given: given,
      comment,
      self_review: selfReview
    }
    const earlier = accepted.get(key)
    const earlierRow = seen.get(key)
    if (earlierRow !== undefined) {
      const same = earlier !== undefined && earlier.decision === found.decision &&
        earlier.new_role === found.new_role &&
        earlier.reviewer === found.reviewer && earlier.reviewed_on === found.reviewed_on &&
        earlier.comment === found.comment
      if (!same) {
        if (earlier !== undefined) {
          accepted.delete(key)
          reject(
            earlier.row,
            key,
            "duplicate",
            `${describe(item)} is decided again on row ${row.row}, differently: neither is taken.`
          )
        }
        reject(
          row.row,
          key,
          "duplicate",
          `${describe(item)} is already decided on row ${earlierRow}, differently: neither is taken.`
        )
      }
      continue
    }
    seen.set(key, row.row)
    accepted.set(key, found)
  }
  rejected.sort((a, b) => a.row - b.row)
  return { accepted: [...accepted.values()], rejected, keyedRows, alteredRows, blankRows }
}
