import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** A fresh temporary folder for the life of the scope. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "ptolemy-audit-test-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)
