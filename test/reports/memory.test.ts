import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const probe = fileURLToPath(new URL("./memory-probe.ts", import.meta.url))
const runner = fileURLToPath(new URL("../../bin/run-ts.js", import.meta.url))

/** Peak RSS (bytes) of a fresh process that snapshots `members` members and writes the reports. */
const peak = (members: number) =>
  new Promise<number>((resolve, reject) =>
    execFile(process.execPath, [runner, probe, String(members)], { env: { ...process.env, PTOLEMY_AUDIT_LOG_LEVEL: "none" } }, (error, stdout) =>
      error ? reject(error) : resolve(Number(stdout.trim().split("\n").pop()))))

describe("bounded memory", () => {
  it("a 50,000-member workspace is stored and reported in at most twice the memory of a 5,000-member one", async () => {
    const [small, large] = [await peak(5_000), await peak(50_000)]
    expect(small).toBeGreaterThan(50e6)
    expect(large / small).toBeLessThan(2)
  })
})
