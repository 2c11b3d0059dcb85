import { existsSync, writeFileSync } from "node:fs"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { networkInterfaces, tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { runCli } from "../support/Cli.js"

const dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-cli-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const db = join(dir, "audit.duckdb")
const token = `ptk_live_${"ab".repeat(32)}`

describe("bad input: a clear error, exit code 2, nothing written", () => {
  it("an unknown flag", async () => {
    const result = await runCli(["snapshot", "--bogus", "--db", db])
    expect(result.code).toBe(2)
    expect(result.stdout + result.stderr).toContain("--bogus")
    expect(existsSync(db)).toBe(false)
  })

  it("a bad value for a flag", async () => {
    const result = await runCli(["run", "--fail-on", "severe", "--db", db])
    expect(result.code).toBe(2)
    expect(existsSync(db)).toBe(false)
  })

  it("no token", async () => {
    const result = await runCli(["snapshot", "--db", db], { env: { PTOLEMY_WORKSPACE: "acme" } })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("PTOLEMY_API_TOKEN")
    expect(existsSync(db)).toBe(false)
  })

  it("no workspace", async () => {
    const result = await runCli(["snapshot", "--db", db], { env: { PTOLEMY_API_TOKEN: token } })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("PTOLEMY_WORKSPACE")
    expect(existsSync(db)).toBe(false)
  })

  it("a non-HTTPS API URL that is not loopback, without ever sending the token", async () => {
    // A server on this machine's own non-loopback address: plain HTTP to it would carry the token in clear text.
    const address = Object.values(networkInterfaces()).flat().find((i) =>
      i !== undefined && i.family === "IPv4" && !i.internal
    )
    const requests: Array<string> = []
    const server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url} ${request.headers.authorization ?? ""}`)
      response.end("{}")
    })
    await new Promise<void>((resolve) => server.listen(0, address?.address ?? "0.0.0.0", resolve))
    try {
      const { port } = server.address() as AddressInfo
      const url = address === undefined ? "http://api.example.com/v1" : `http://${address.address}:${port}/v1`
      const result = await runCli(["snapshot", "--db", db], {
        env: { PTOLEMY_API_TOKEN: token, PTOLEMY_WORKSPACE: "acme", PTOLEMY_API_URL: url }
      })
      expect(result.code).toBe(2)
      expect(result.stderr).toContain("not HTTPS")
      expect(result.stdout + result.stderr).not.toContain(token)
      expect(requests).toEqual([])
      expect(existsSync(db)).toBe(false)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it("a malformed config file: the file, the path in the document and what is expected", async () => {
    const config = join(dir, "bad.json")
    writeFileSync(config, JSON.stringify({ targets: [{ source: "ptolemy", workspace: "acme" }], fail_on: "loud" }))
    const result = await runCli(["run", "--config", config, "--db", db])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(config)
    expect(result.stderr).toContain("targets.0.token_env")
    expect(result.stderr).toContain("fail_on")
    expect(existsSync(db)).toBe(false)

    writeFileSync(config, "{ not json")
    const broken = await runCli(["run", "--config", config, "--db", db])
    expect(broken.code).toBe(2)
    expect(broken.stderr).toContain("not valid JSON")
  })

  it("a config file whose token variable is not set", async () => {
    const config = join(dir, "config.json")
    writeFileSync(config, JSON.stringify({ targets: [{ workspace: "acme", token_env: "ACME_TOKEN" }] }))
    const result = await runCli(["run", "--config", config, "--db", db])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("ACME_TOKEN")
    expect(existsSync(db)).toBe(false)
  })

  it("sql on a database that does not exist", async () => {
    const result = await runCli(["sql", "select 1", "--db", db])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("No audit database")
    expect(existsSync(db)).toBe(false)
  })
})
