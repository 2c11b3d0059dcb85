/**
 * `verify --evidence DIR|ZIP`: an evidence pack checked against its own manifest (every file re-hashed, its size
 * compared) and, given the database, against the history: each run the manifest names must still be stored with the
 * same content hash, its data must still hash to it (history/integrity.sql), and the workspace's chain must still
 * end, at the period's end, at the manifest's head. The first file or run that differs is named first.
 */
import { FileSystem, Path } from "@effect/platform"
import { Data, Effect, Either } from "effect"
import JSZip from "jszip"
import type { DatabaseService, StoreError } from "../store/Database.js"
import { chainHead, storedHashes } from "./Chain.js"
import { type Manifest, MANIFEST_FILE, parseManifest, sha256 } from "./Manifest.js"

/** The pack cannot be read as one: no manifest, an unreadable zip, a manifest of another format. */
export class PackUnreadable extends Data.TaggedError("PackUnreadable")<{ readonly message: string }> {}

export interface OpenedPack {
  readonly kind: "folder" | "zip"
  readonly manifest: Manifest
  /** A file of the pack by its path in the manifest; null when it is not there. */
  readonly read: (name: string) => Effect.Effect<Uint8Array | null>
  /** Files in the pack that the manifest does not list (the zip itself, in a folder, is not counted). */
  readonly unlisted: ReadonlyArray<string>
}

const decodeManifest = (text: string, where: string) =>
  Either.match(parseManifest(text), {
    onLeft: (error) =>
      Effect.fail(
        new PackUnreadable({ message: `${where} is not an evidence pack's manifest: ${error.message.split("\n")[0]}` })
      ),
    onRight: Effect.succeed
  })

export const openPack = (
  location: string
): Effect.Effect<OpenedPack, PackUnreadable, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const info = yield* fs.stat(location).pipe(
      Effect.mapError(() =>
        new PackUnreadable({ message: `No evidence pack at ${location}: give the pack's folder or its zip file.` })
      )
    )
    if (info.type === "Directory") {
      const manifestPath = path.join(location, MANIFEST_FILE)
      const text = yield* fs.readFileString(manifestPath).pipe(
        Effect.mapError(() =>
          new PackUnreadable({ message: `${location} has no ${MANIFEST_FILE}: it is not an evidence pack's folder.` })
        )
      )
      const manifest = yield* decodeManifest(text, manifestPath)
      const listed = new Set([MANIFEST_FILE, ...manifest.files.map((f) => f.path)])
      const present = yield* Effect.orElseSucceed(fs.readDirectory(location), () => [] as Array<string>)
      return {
        kind: "folder",
        manifest,
        read: (name) => fs.readFile(path.join(location, name)).pipe(Effect.orElseSucceed(() => null)),
        unlisted: present.filter((n) => !listed.has(n) && !n.endsWith(".zip")).sort()
      } satisfies OpenedPack
    }
    const bytes = yield* fs.readFile(location).pipe(
      Effect.mapError((e) => new PackUnreadable({ message: `Cannot read ${location}: ${e.message}` }))
    )
    const zip = yield* Effect.tryPromise({
      try: () => JSZip.loadAsync(bytes),
      catch: () => new PackUnreadable({ message: `${location} is neither a folder nor a readable zip file.` })
    })
    const entry = zip.file(MANIFEST_FILE)
    if (entry === null) {
      return yield* Effect.fail(
        new PackUnreadable({ message: `${location} holds no ${MANIFEST_FILE}: it is not an evidence pack.` })
      )
    }
    const manifest = yield* decodeManifest(
      yield* Effect.promise(() => entry.async("string")),
      `${location}:${MANIFEST_FILE}`
    )
    const listed = new Set([MANIFEST_FILE, ...manifest.files.map((f) => f.path)])
    return {
      kind: "zip",
      manifest,
      read: (name) => {
        const file = zip.file(name)
        return file === null ? Effect.succeed(null) : Effect.promise(() => file.async("uint8array"))
      },
      unlisted: Object.values(zip.files).filter((f) => !f.dir && !listed.has(f.name)).map((f) => f.name).sort()
    } satisfies OpenedPack
  })

/** One thing that differs: a file or a run, and how. */
export interface Difference {
  readonly kind: "file" | "run" | "chain"
  readonly name: string
  readonly problem: string
}

/** Every file of the manifest re-hashed, in the manifest's order. */
/** A pack's files are plain names in its folder: a manifest naming anything else is never followed outside it. */
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

export const checkFiles = (pack: OpenedPack): Effect.Effect<ReadonlyArray<Difference>> =>
  Effect.map(
    Effect.forEach(pack.manifest.files, (file) =>
      !PLAIN_NAME.test(file.path) || file.path.includes("..")
        ? Effect.succeed<Difference | null>({
          kind: "file",
          name: file.path,
          problem: "the manifest names a file outside the pack"
        })
        : Effect.map(pack.read(file.path), (bytes): Difference | null => {
          if (bytes === null) return { kind: "file", name: file.path, problem: "it is missing from the pack" }
          const actual = sha256(bytes)
          if (actual !== file.sha256) {
            return {
              kind: "file",
              name: file.path,
              problem:
                `its SHA-256 is ${actual}, the manifest says ${file.sha256} (it was changed after the pack was made)`
            }
          }
          if (bytes.byteLength !== file.bytes) {
            return {
              kind: "file",
              name: file.path,
              problem: `it has ${bytes.byteLength} bytes, the manifest says ${file.bytes}`
            }
          }
          return null
        })),
    (results) => results.filter((d): d is Difference => d !== null)
  )

/** The manifest's runs and chain head against the history stored now, oldest run first. */
export const checkHistory = (
  db: DatabaseService,
  manifest: Manifest
): Effect.Effect<ReadonlyArray<Difference>, StoreError> =>
  Effect.gen(function*() {
    const stored = new Map((yield* storedHashes(db, manifest.runs.map((r) => r.run_id))).map((s) => [s.run_id, s]))
    const differences: Array<Difference> = []
    for (const run of manifest.runs) {
      const now = stored.get(run.run_id)
      const name = `run ${run.run_id}`
      if (now === undefined) {
        differences.push({ kind: "run", name, problem: "it is no longer stored in the database (a run was deleted)" })
      } else if (now.content_hash !== run.content_hash) {
        differences.push({
          kind: "run",
          name,
          problem: `its stored hash is ${now.content_hash ?? "(none)"}, the pack recorded ${
            run.content_hash ?? "(none)"
          }`
        })
      } else if (run.content_hash !== null && now.recomputed_hash !== run.content_hash) {
        differences.push({
          kind: "run",
          name,
          problem:
            "its stored data no longer matches the hash the pack recorded (a row it stands for was edited or deleted)"
        })
      } else if ((now.previous_hash ?? null) !== (run.previous_hash ?? null)) {
        differences.push({
          kind: "run",
          name,
          problem: "its link to the previous run is not the one the pack recorded"
        })
      }
    }
    const head = manifest.chain_head
    const headNow = yield* chainHead(db, manifest.workspace.source, manifest.workspace.id, head.at)
    if (headNow === undefined || headNow.run_id !== head.run_id || headNow.content_hash !== head.content_hash) {
      differences.push({
        kind: "chain",
        name: `chain head at ${head.at}`,
        problem: headNow === undefined
          ? "the database holds no run of this workspace up to then"
          : `the database's chain ends at run ${headNow.run_id} (${
            headNow.content_hash ?? "no hash"
          }), the pack recorded run ${head.run_id} (${head.content_hash ?? "no hash"})`
      })
    }
    return differences
  })
