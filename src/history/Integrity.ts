/**
 * Sealing each run into the integrity chain (inside the run's transaction, after its findings) and verifying the
 * whole chain later: the first run whose data or link no longer matches is named.
 */
import { Effect } from "effect"
import { type DatabaseService, param, type StoreError } from "../store/Database.js"
import integritySql from "./integrity.sql"

/** Links the run to the previous run of its chain and stores the hash of its content. */
export const sealRun = (db: DatabaseService, runId: number): Effect.Effect<void, StoreError> =>
  db.execute(
    `UPDATE run_log SET
       previous_hash = (
         SELECT p.content_hash FROM run_log p, run_log r
         WHERE r.run_id = $1 AND p.run_id < r.run_id
           AND chain_key(p.source, p.workspace_id, p.workspace_selector) = chain_key(r.source, r.workspace_id, r.workspace_selector)
         ORDER BY p.run_id DESC LIMIT 1)
     WHERE run_id = $1`,
    [param.int(runId)]
  ).pipe(
    Effect.zipRight(
      db.execute(
        "UPDATE run_log SET content_hash = run_hash(previous_hash, $1::INTEGER) WHERE run_id = $1",
        [param.int(runId)]
      )
    ),
    Effect.withSpan("Integrity.seal")
  )

export interface Breach {
  readonly run_id: number
  readonly chain: string
  readonly problem: string
}

export interface Verification {
  readonly runs: number
  readonly chains: number
  readonly breaches: ReadonlyArray<Breach>
}

/** Recomputes every run's hash and link; returns every breach, the first of each chain first. */
export const verifyChain = (db: DatabaseService): Effect.Effect<Verification, StoreError> =>
  Effect.gen(function*() {
    const rows = yield* db.query(
      `SELECT run_id, chain, previous_hash, expected_previous_hash, content_hash, recomputed_hash
       FROM run_integrity ORDER BY chain, run_id`
    )
    const breaches: Array<Breach> = []
    for (const row of rows) {
      const run = Number(row["run_id"])
      const chain = String(row["chain"])
      if (row["content_hash"] === null) {
        breaches.push({
          run_id: run,
          chain,
          problem: "it has no stored hash (it was not sealed, or the hash was erased)"
        })
      } else if ((row["previous_hash"] ?? null) !== (row["expected_previous_hash"] ?? null)) {
        breaches.push({
          run_id: run,
          chain,
          problem: row["expected_previous_hash"] === null
            ? "it links to a previous run that is no longer stored (a run was deleted)"
            : "its link does not match the previous stored run (a run was deleted, inserted or altered)"
        })
      } else if (row["content_hash"] !== row["recomputed_hash"]) {
        breaches.push({
          run_id: run,
          chain,
          problem: "its stored data no longer matches its hash (a row it stands for was edited or deleted)"
        })
      }
    }
    return { runs: rows.length, chains: new Set(rows.map((r) => r["chain"])).size, breaches }
  }).pipe(Effect.withSpan("Integrity.verify"))

export const integrityViews: ReadonlyArray<string> = [integritySql]
