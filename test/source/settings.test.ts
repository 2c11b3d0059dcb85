/**
 * What a run refuses at start, before any request (exit 2): an http URL whose host only looks like loopback, and a
 * token with a character no header should carry. The last case runs the real CLI against a server that counts
 * requests, so "never sent" is observed, not assumed.
 */
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Option, Redacted } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { ConfigFile, targetsFromConfig } from "../../src/cli/ConfigFile.js"
import { ExitCode } from "../../src/cli/ExitCode.js"
import { isLoopbackHost, targetFromFlags, validateApiUrl } from "../../src/cli/Settings.js"
import { runCli } from "../support/Cli.js"

const refusal = <A, E extends { readonly code: number; readonly message: string }>(effect: Effect.Effect<A, E>) =>
  Effect.map(
    Effect.either(effect),
    (result) => Either.isLeft(result) ? { code: result.left.code, message: result.left.message } : "accepted"
  )

const flags = (token: string, env: Record<string, string> = {}) =>
  targetFromFlags({
    source: "ptolemy",
    token: Option.some(Redacted.make(token)),
    workspace: Option.some("acme"),
    apiUrl: Option.none()
  }).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

describe("settings refused at start", () => {
  it("loopback is an address (127.0.0.0/8, ::1) or localhost, never a name that starts like one", () => {
    for (const host of ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "127.255.255.254", "[::1]", "localhost."]) {
      expect({ host, loopback: isLoopbackHost(host) }).toEqual({ host, loopback: true })
    }
    for (
      const host of [
        "127.attacker.example",
        "127.0.0.1.nip.io",
        "localhost.attacker.example",
        "128.0.0.1",
        "[::2]",
        "[::ffff:8.8.8.8]",
        "10.0.0.1"
      ]
    ) {
      expect({ host, loopback: isLoopbackHost(host) }).toEqual({ host, loopback: false })
    }
  })

  it.effect("an http URL is refused unless its host is loopback; the URL parser's spellings of 127.0.0.1 pass", () =>
    Effect.gen(function*() {
      for (
        const url of [
          "http://127.attacker.example/v1",
          "http://127.0.0.1.attacker.example/v1",
          "http://localhost.attacker.example"
        ]
      ) {
        const result = yield* refusal(validateApiUrl(url, "PTOLEMY_API_URL"))
        expect({ url, result }).toMatchObject({
          url,
          result: { code: ExitCode.usage, message: expect.stringMatching(/not HTTPS/) }
        })
      }
      // WHATWG URL normalises these to 127.0.0.1 before the check: they are loopback.
      for (
        const url of [
          "http://127.0.0.1:8080/v1",
          "http://127.1/v1",
          "http://0x7f.0.0.1/v1",
          "http://[::1]:3000",
          "http://localhost:9000"
        ]
      ) {
        expect({ url, result: yield* refusal(validateApiUrl(url, "PTOLEMY_API_URL")) }).toEqual({
          url,
          result: "accepted"
        })
      }
    }))

  it.effect("a token with a control, space or non-ASCII character is refused with exit 2, naming the character, not the token", () =>
    Effect.gen(function*() {
      const secret = "ptk_live_" + "a1".repeat(32)
      const cases: ReadonlyArray<[string, RegExp]> = [
        [`${secret.slice(0, 20)}\u001b[31m${secret.slice(20)}`, /a control character \(U\+001B\) at position 21/],
        [`${secret.slice(0, 10)}\u00e9${secret.slice(10)}`, /a non-ASCII character \(U\+00E9\) at position 11/],
        [`${secret.slice(0, 30)} ${secret.slice(30)}`, /a space \(U\+0020\) at position 31/],
        [`${secret}\u200b`, /a non-ASCII character \(U\+200B\)/],
        [`${secret.slice(0, 5)}\u0000${secret.slice(5)}`, /a control character \(U\+0000\)/]
      ]
      for (const [token, why] of cases) {
        const result = yield* refusal(flags(token))
        expect(result).toMatchObject({ code: ExitCode.usage, message: expect.stringMatching(why) })
        expect(result).toMatchObject({ message: expect.stringMatching(/--token/) })
        expect(JSON.stringify(result)).not.toContain(secret.slice(0, 12))
      }
      // A trailing newline from a paste is trimmed, as before; the token is accepted.
      expect(Either.isRight(yield* Effect.either(flags(`${secret}\n`)))).toBe(true)
    }))

  it.effect("the same from a config file: the variable and the target are named", () =>
    Effect.gen(function*() {
      const config: ConfigFile = { targets: [{ source: "transactionlink", token_env: "TL_TOKEN" }] }
      const result = yield* refusal(
        targetsFromConfig(config, "audit.config.json", { TL_TOKEN: "tot_abc\u0007def" }).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
        )
      )
      expect(result).toMatchObject({
        code: ExitCode.usage,
        message: expect.stringMatching(
          /TL_TOKEN \(audit\.config\.json: targets\.0\) contains a control character \(U\+0007\)/
        )
      })
    }))

  it.effect("a proxy variable that is not a URL stops a run at start", () =>
    Effect.gen(function*() {
      const result = yield* refusal(flags("ptk_live_ok", { HTTPS_PROXY: "http://[oops" }))
      expect(result).toMatchObject({
        code: ExitCode.usage,
        message: expect.stringMatching(/HTTPS_PROXY is not a proxy URL/)
      })
    }))

  it.live("the CLI: exit 2 and not one request, for a look-alike loopback URL or a token with an escape character", () =>
    Effect.gen(function*() {
      let requests = 0
      const server = createServer((_req, res) => {
        requests++
        res.end("{}")
      })
      yield* Effect.async<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      })
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
      const env = (token: string, apiUrl: string) => ({
        PTOLEMY_API_TOKEN: token,
        PTOLEMY_WORKSPACE: "acme",
        PTOLEMY_API_URL: apiUrl
      })
      const escaped = yield* Effect.promise(() =>
        runCli(["snapshot", "--db", "/nonexistent/dir/audit.duckdb"], {
          env: env("ptk_live_ab\u001b]0;owned\u0007cd", url)
        })
      )
      const lookalike = yield* Effect.promise(() =>
        runCli(["snapshot", "--db", "/nonexistent/dir/audit.duckdb"], {
          env: env("ptk_live_abcd", "http://127.attacker.example/v1")
        })
      )
      server.close()
      expect({ code: escaped.code, stderr: escaped.stderr }).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/control character/)
      })
      expect(escaped.stderr).not.toContain("owned")
      expect({ code: lookalike.code, stderr: lookalike.stderr }).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/not HTTPS/)
      })
      expect(requests).toBe(0)
    }))
})
