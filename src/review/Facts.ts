/**
 * What a review sheet shows about each item, the columns it shows them in, and the short hash of those facts that
 * every row carries: the writer puts the facts and the hash in the sheet, the import compares what comes back with
 * what was frozen. One definition for both sides, so that a value means the same thing written and read.
 */
import { Schema } from "effect"
import { createHash } from "node:crypto"
import type { ItemType, ReviewItem } from "../read/Review.js"

export type { ItemType, ReviewItem, StoredItem } from "../read/Review.js"

export const typeLabel: Record<ItemType, string> = {
  member: "human",
  robot: "robot",
  token: "token",
  invitation: "invitation"
}

/** `2026-03-31` of an ISO instant (UTC), or null. */
export const isoDay = (iso: string | null | undefined): string | null =>
  iso === null || iso === undefined || iso.length < 10 ? null : iso.slice(0, 10)

export type FactKind = "text" | "date"

export interface FactColumn {
  readonly header: string
  readonly kind: FactKind
  readonly width: number
  /** The fact as the sheet shows it (a date column: YYYY-MM-DD, or a note where there is no date). */
  readonly value: (item: ReviewItem) => string | null
}

/** The facts a reviewer decides on, in the sheet's order. */
export const factColumns: ReadonlyArray<FactColumn> = [
  { header: "Type", kind: "text", width: 17, value: (i) => typeLabel[i.item_type] },
  { header: "Name", kind: "text", width: 30, value: (i) => i.name },
  { header: "Email", kind: "text", width: 40, value: (i) => i.email },
  { header: "Role", kind: "text", width: 11, value: (i) => i.role },
  { header: "Privileged", kind: "text", width: 11, value: (i) => (i.privileged ? "yes" : "no") },
  { header: "Joined", kind: "date", width: 12, value: (i) => isoDay(i.joined_at) },
  {
    header: "Last activity",
    kind: "date",
    width: 14,
    value: (i) => isoDay(i.last_activity_at) ?? i.last_activity_note
  },
  { header: "Findings", kind: "text", width: 36, value: (i) => i.findings },
  { header: "Invited by", kind: "text", width: 22, value: (i) => i.invited_by }
]

/** The columns a reviewer fills in (PRODUCT.md: these header names). */
export const inputHeaders = ["Decision", "New role", "Reviewer", "Reviewed on", "Comment"] as const
export type InputHeader = (typeof inputHeaders)[number]

export const ITEM_KEY = "Item key"
export const FACTS_HASH = "Facts hash"

/** Text as the hash sees it: Unicode NFC, runs of white space as one space, trimmed (spreadsheets differ there). */
export const canonical = (value: string | null | undefined): string =>
  (value ?? "").normalize("NFC").replace(/\s+/g, " ").trim()

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex")

// Hashes are written with a leading letter: an all-digit hex string (or one like 12e34...) would become a number
// when a spreadsheet opens the CSV, and lose digits.

/** The short hash of an item's key and facts as the sheet shows them: `h` and 16 hex digits. */
export const factsHash = (item: ReviewItem): string =>
  `h${sha256([item.item_key, ...factColumns.map((c) => canonical(c.value(item)))].join("\u001f")).slice(0, 16)}`

/** The hash of a whole population (every item's key and facts hash, in the sheet's order): `p` and 16 hex digits. */
export const populationHash = (
  items: ReadonlyArray<{ readonly item_key: string; readonly facts_hash: string }>
): string => `p${sha256(items.map((i) => `${i.item_key} ${i.facts_hash}`).join("\n")).slice(0, 16)}`

export const DecisionValue = Schema.Literal("keep", "remove", "change_role")
export type DecisionValue = typeof DecisionValue.Type

export const decisionLabel: Record<DecisionValue, string> = {
  keep: "Keep",
  remove: "Remove",
  change_role: "Change role"
}

/** The roles a Change role may name: Ptolemy's (robots only viewer or member); TransactionLink's as the run saw them. */
export const rolesFor = (source: string, itemType: ItemType, seen: ReadonlyArray<string>): ReadonlyArray<string> =>
  itemType === "token" || itemType === "invitation"
    ? []
    : source === "ptolemy"
    ? itemType === "robot" ? ["viewer", "member"] : ["viewer", "member", "editor", "admin"]
    : [...new Set(seen)].sort()
