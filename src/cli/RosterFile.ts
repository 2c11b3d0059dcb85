/**
 * Reading the people-directory file a run was given (`--roster`, or `roster` in the config file), before anything is
 * opened: a file that cannot be read at all is bad usage (exit 2, nothing written); one that can be read but not
 * parsed is stored with the run as a coverage gap (roster/ReadRoster.ts), so the rest of the run still counts.
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect } from "effect"
import { readRoster, type RosterRead } from "../roster/ReadRoster.js"
import { usageError } from "./ExitCode.js"

export const readRosterFile = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const bytes = yield* fs.readFile(file).pipe(
      Effect.mapError((error) =>
        usageError(
          `Cannot read the roster ${file}: ${error.message}. Pass --roster with a CSV export of the people directory (docs/roster.md).`
        )
      )
    )
    return readRoster(path.basename(file), bytes)
  })

/** Each distinct file once: several targets usually share one directory. */
export const readRosterFiles = (files: ReadonlyArray<string | undefined>) =>
  Effect.gen(function*() {
    const read = new Map<string, RosterRead>()
    for (const file of new Set(files)) if (file !== undefined) read.set(file, yield* readRosterFile(file))
    return files.map((file) => (file === undefined ? undefined : read.get(file)))
  })
