/**
 * Recording what is not a run (review campaigns, decisions, sign-offs, remediation plans and calls) in the ledger,
 * sealed into a hash chain per workspace, and verifying that chain. A writer appends an entry, stores its rows with
 * the entry's id, and seals the entry, all in one transaction:
 *
 *   db.transaction(Effect.gen(function*() {
 *     const entryId = yield* appendEntry(db, { source, workspaceId, kind: "review.closed", subjectId, recordedAt })
 *     yield* db.execute("INSERT INTO review_signoff_log (entry_id, ...) VALUES ($1, ...)", [param.int(entryId), ...])
 *     yield* sealEntry(db, entryId)
 *   }))
 *
 * and adds its table to `ledger_canonical` in ledger.sql, so that an edited row no longer verifies.
 */
import { Effect, Schema } from "effect"
import { findAll, findFirst, Num, Text } from "../read/Query.js"
import { type DatabaseService, param, type StoreError } from "../store/Database.js"
import ledgerSql from "./ledger.sql"

export interface LedgerEntry {
  readonly source: string
  readonly workspaceId: string
  /** What the entry records, e.g. `review.started`, `review.decisions`, `review.closed`, `remediation.action`. */
  readonly kind: string
  /** The campaign or plan the entry is about. */
  readonly subjectId: string
  /** ISO-8601. */
  readonly recordedAt: string
}

/** Adds an unsealed entry anchored to the workspace's latest run; returns its id. Call inside a transaction. */
export const appendEntry = (db: DatabaseService, entry: LedgerEntry): Effect.Effect<number, StoreError> =>
  Effect.gen(function*() {
    const next = yield* findFirst(
      db,
      Schema.Struct({ id: Schema.Number }),
      "ledger",
      "SELECT (coalesce(max(entry_id), 0) + 1)::INTEGER AS id FROM ledger_log"
    )
    const entryId = next?.id ?? 1
    yield* db.execute(
      `INSERT INTO ledger_log (entry_id, source, workspace_id, kind, subject_id, recorded_at, anchor_run_id, anchor_hash)
       SELECT $1, $2, $3, $4, $5, $6::TIMESTAMPTZ, a.run_id, a.content_hash
       FROM (SELECT NULL) LEFT JOIN (
         SELECT run_id, content_hash FROM run_log WHERE source = $2 AND workspace_id = $3 AND status <> 'failed'
         ORDER BY run_id DESC LIMIT 1) a ON true`,
      [
        param.int(entryId),
        param.text(entry.source),
        param.text(entry.workspaceId),
        param.text(entry.kind),
        param.text(entry.subjectId),
        param.timestamp(entry.recordedAt)
      ]
    )
    return entryId
  }).pipe(Effect.withSpan("Ledger.append"))

/** Links the entry to the previous entry of its workspace and stores the hash of everything recorded under it. */
export const sealEntry = (db: DatabaseService, entryId: number): Effect.Effect<void, StoreError> =>
  db.execute(
    `UPDATE ledger_log SET previous_hash = (
       SELECT p.content_hash FROM ledger_log p, ledger_log e
       WHERE e.entry_id = $1 AND p.entry_id < e.entry_id AND p.source = e.source AND p.workspace_id = e.workspace_id
       ORDER BY p.entry_id DESC LIMIT 1)
     WHERE entry_id = $1`,
    [param.int(entryId)]
  ).pipe(
    Effect.zipRight(
      db.execute("UPDATE ledger_log SET content_hash = ledger_hash(previous_hash, $1::INTEGER) WHERE entry_id = $1", [
        param.int(entryId)
      ])
    ),
    Effect.withSpan("Ledger.seal")
  )

const IntegrityRow = Schema.Struct({
  entry_id: Schema.Number,
  kind: Schema.String,
  subject_id: Text,
  chain: Schema.String,
  previous_hash: Text,
  expected_previous_hash: Text,
  content_hash: Text,
  recomputed_hash: Schema.String,
  anchor_run_id: Num,
  anchor_hash: Text,
  anchor_hash_now: Text
})

export interface LedgerBreach {
  readonly entry_id: number
  readonly kind: string
  readonly subject_id: string | null
  readonly chain: string
  readonly problem: string
}

export interface LedgerVerification {
  readonly entries: number
  readonly breaches: ReadonlyArray<LedgerBreach>
}

/** Recomputes every entry's hash and link; returns every breach, the first of each chain first. */
export const verifyLedger = (db: DatabaseService): Effect.Effect<LedgerVerification, StoreError> =>
  Effect.gen(function*() {
    const rows = yield* findAll(
      db,
      IntegrityRow,
      "ledger entries",
      "SELECT * FROM ledger_integrity ORDER BY chain, entry_id"
    )
    const breaches: Array<LedgerBreach> = []
    for (const row of rows) {
      const problem = row.content_hash === null
        ? "it was never sealed, or its hash was erased"
        : (row.previous_hash ?? null) !== (row.expected_previous_hash ?? null)
        ? "its link does not match the previous entry (an entry was deleted, inserted or altered)"
        : row.content_hash !== row.recomputed_hash
        ? "its recorded data no longer matches its hash (a row it stands for was edited or deleted)"
        : row.anchor_run_id !== null && row.anchor_hash !== row.anchor_hash_now
        ? `the run it was recorded against (run ${row.anchor_run_id}) is no longer the run it saw`
        : null
      if (problem !== null) {
        breaches.push({ entry_id: row.entry_id, kind: row.kind, subject_id: row.subject_id, chain: row.chain, problem })
      }
    }
    return { entries: rows.length, breaches }
  }).pipe(Effect.withSpan("Ledger.verify"))

export const ledgerViews: ReadonlyArray<string> = [ledgerSql]
