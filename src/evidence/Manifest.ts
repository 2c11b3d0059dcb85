/**
 * `manifest.json`: what an evidence pack is, so that anyone can check it offline. Every file of the pack with its
 * SHA-256 and size, the runs it was drawn from with their content hashes (history/integrity.sql), the head of the
 * workspace's integrity chain at the period's end, the tool's version and the command line that made it. Written
 * with a fixed key order and sorted lists: the same data gives the same bytes.
 */
import { Schema } from "effect"
import { createHash } from "node:crypto"

export const MANIFEST_FILE = "manifest.json"
export const MANIFEST_FORMAT = "ptolemy-audit-evidence"
export const MANIFEST_VERSION = 1

export const ManifestFile = Schema.Struct({
  path: Schema.String,
  sha256: Schema.String,
  bytes: Schema.Number
})
export type ManifestFile = typeof ManifestFile.Type

export const ManifestRun = Schema.Struct({
  run_id: Schema.Number,
  started_at: Schema.String,
  status: Schema.String,
  content_hash: Schema.NullOr(Schema.String),
  previous_hash: Schema.NullOr(Schema.String)
})
export type ManifestRun = typeof ManifestRun.Type

export const Manifest = Schema.Struct({
  format: Schema.Literal(MANIFEST_FORMAT),
  format_version: Schema.Literal(MANIFEST_VERSION),
  tool: Schema.Struct({ name: Schema.String, version: Schema.String }),
  command_line: Schema.String,
  workspace: Schema.Struct({
    source: Schema.String,
    id: Schema.String,
    slug: Schema.NullOr(Schema.String),
    name: Schema.NullOr(Schema.String)
  }),
  period: Schema.Struct({
    label: Schema.String,
    /** YYYY-MM-DD, both included; null for a window of runs. */
    start: Schema.NullOr(Schema.String),
    end: Schema.NullOr(Schema.String),
    from_run_id: Schema.Number,
    to_run_id: Schema.Number,
    starts_late: Schema.Boolean
  }),
  chain_head: Schema.Struct({
    /** The instant the head was taken at: the period's last moment. */
    at: Schema.String,
    run_id: Schema.Number,
    started_at: Schema.String,
    status: Schema.String,
    content_hash: Schema.NullOr(Schema.String)
  }),
  runs: Schema.Array(ManifestRun),
  files: Schema.Array(ManifestFile)
})
export type Manifest = typeof Manifest.Type

export const sha256 = (bytes: Uint8Array | string): string => createHash("sha256").update(bytes).digest("hex")

export const fileEntry = (path: string, content: Uint8Array): ManifestFile => ({
  path,
  sha256: sha256(content),
  bytes: content.byteLength
})

/** The manifest's text: keys in the Schema's order, files sorted by path, runs by id, a final newline. */
export const renderManifest = (manifest: Manifest): string =>
  `${
    JSON.stringify(
      Schema.encodeSync(Manifest)({
        ...manifest,
        runs: [...manifest.runs].sort((a, b) => a.run_id - b.run_id),
        files: [...manifest.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      }),
      null,
      2
    )
  }\n`

export const parseManifest = (text: string) => Schema.decodeUnknownEither(Schema.parseJson(Manifest))(text)
