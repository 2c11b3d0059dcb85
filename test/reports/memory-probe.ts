/**
 * Run in a child process by the memory test: stores one snapshot of a workspace with N members (and N/25 robots,
 * N/10 invitations), writes its reports, and prints the process's peak RSS in bytes.
 */
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { writeReports } from "../../src/reports/Reports.js"
import { invitation, member, robot, token } from "../support/Records.js"
import { snapshotAt, testStore } from "../support/Pipeline.js"

const n = Number(process.argv[2])
const dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-memory-"))
const robots = Array.from({ length: Math.ceil(n / 25) }, (_, i) => robot(`r${i}`))
const state = {
  members: Array.from({ length: n }, (_, i) => member(`m${i}`, i % 50 === 0 ? "admin" : "viewer")),
  robots,
  robot_tokens: robots.map((r, i) => token(`t${i}`, r.id)),
  invitations: Array.from({ length: Math.ceil(n / 10) }, (_, i) => invitation(`i${i}`))
}
await Effect.runPromise(
  Effect.gen(function*() {
    yield* snapshotAt(state, "2026-03-01T00:00:00Z")
    yield* writeReports({ kind: "run", runId: 1 }, join(dir, "out"))
  }).pipe(Effect.provide(testStore(dir)))
)
rmSync(dir, { recursive: true, force: true })
process.stdout.write(`${process.resourceUsage().maxRSS * 1024}\n`)
