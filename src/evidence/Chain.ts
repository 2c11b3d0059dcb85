/**
 * Where an evidence pack meets the integrity chain (history/integrity.sql): the head of a workspace's chain at the
 * end of a period, and, when a pack is verified against the database, each of its runs' stored and recomputed
 * hashes.
 */
import { Schema } from "effect"
import { findAll, findFirst, Text } from "../read/Query.js"
import { type DatabaseService, param } from "../store/Database.js"

export const ChainHead = Schema.Struct({
  run_id: Schema.Number,
  started_at: Schema.String,
  status: Schema.String,
  content_hash: Text
})
export type ChainHead = typeof ChainHead.Type

/**
 * The last run of the workspace's chain that started at or before `atOrBefore` (ISO), whatever its status: every run
 * is sealed into the chain, a failed one too.
 */
export const chainHead = (db: DatabaseService, source: string, workspaceId: string, atOrBefore: string) =>
  findFirst(
    db,
    ChainHead,
    "runs",
    `SELECT run_id, started_at, status, content_hash FROM run_log
     WHERE source = $1 AND workspace_id = $2 AND started_at <= $3::TIMESTAMPTZ
     ORDER BY run_id DESC LIMIT 1`,
    [param.text(source), param.text(workspaceId), param.timestamp(atOrBefore)]
  )

export const StoredHash = Schema.Struct({
  run_id: Schema.Number,
  content_hash: Text,
  previous_hash: Text,
  /** The hash of the run's content as stored now, chained to its stored previous hash. */
  recomputed_hash: Schema.String
})
export type StoredHash = typeof StoredHash.Type

/** The stored and recomputed hashes of the given runs (those no longer stored are missing from the result). */
export const storedHashes = (db: DatabaseService, runIds: ReadonlyArray<number>) =>
  runIds.length === 0
    ? findAll(
      db,
      StoredHash,
      "run hashes",
      "SELECT NULL::INTEGER AS run_id, NULL AS content_hash, NULL AS previous_hash, '' AS recomputed_hash WHERE false"
    )
    : findAll(
      db,
      StoredHash,
      "run hashes",
      // The macro's argument is a qualified column (integrity.sql says why).
      `SELECT checked.run_id, checked.content_hash, checked.previous_hash,
              run_hash(checked.previous_hash, checked.run_id) AS recomputed_hash
       FROM run_log AS checked WHERE list_contains($1::INTEGER[], checked.run_id) ORDER BY checked.run_id`,
      [param.text(`[${runIds.map((id) => Math.trunc(id)).join(",")}]`)]
    )
