/**
 * Regenerates reports/sample/ from the deterministic demo (seed 1, 90 days): the committed example of what the
 * reports look like. test/reports/sample.test.ts fails when it is stale.
 */
import { execFileSync } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), "ptolemy-audit-sample-"))
execFileSync(process.execPath, [join(root, "bin/ptolemy-audit.js"), "demo", "--reports", scratch], { stdio: "inherit" })
const target = join(root, "reports/sample")
mkdirSync(target, { recursive: true })
for (const file of ["audit.md", "audit.xlsx", "findings.json"]) {
  copyFileSync(join(scratch, "demo", file), join(target, file))
}
rmSync(scratch, { recursive: true, force: true })
console.log(`wrote ${target}`)
