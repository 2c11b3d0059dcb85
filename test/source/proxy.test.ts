/**
 * The runner's proxy settings, honoured as curl honours them, through a real local proxy (`proxy`, the maintained
 * forward proxy of the `proxy-agent` family) and the real client against the Ptolemy simulator: `HTTP_PROXY` and
 * `HTTPS_PROXY` in either case, `NO_PROXY` sending named hosts direct, loopback proxied unless it is named there.
 */
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Redacted } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { createProxy } from "proxy"
import { startPtolemySimulator } from "../../src/simulator/ptolemy/index.js"
import { httpClientLayer, proxyUrl } from "../../src/source/http/HttpClientLayer.js"
import * as PtolemyClient from "../../src/source/ptolemy/PtolemyClient.js"

/** A forward proxy on loopback that records what it was asked to reach (plain requests and CONNECT tunnels). */
const localProxy = (options: { readonly credentials?: string } = {}) =>
  Effect.acquireRelease(
    Effect.async<{ url: string; reached: Array<string>; refused: () => number; close: () => void }>((resume) => {
      const reached: Array<string> = []
      let refused = 0
      const proxy = createProxy(createServer())
      proxy.on("request", (request) => reached.push(`${request.method} ${new URL(request.url!).host}`))
      proxy.on("connect", (request) => reached.push(`CONNECT ${request.url}`))
      if (options.credentials !== undefined) {
        const expected = `Basic ${Buffer.from(options.credentials).toString("base64")}`
        proxy.authenticate = (request) => {
          const ok = request.headers["proxy-authorization"] === expected
          if (!ok) refused++
          return ok
        }
      }
      proxy.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({
          url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
          reached,
          refused: () => refused,
          close: () => {
            proxy.closeAllConnections()
            proxy.close()
          }
        })))
    }),
    (proxy) => Effect.sync(proxy.close)
  )

const simulator = Effect.acquireRelease(
  Effect.promise(() => startPtolemySimulator({ seed: 2, size: "tiny", churn: 0 })),
  (sim) => Effect.promise(() => sim.close())
)

/** The workspace read once through the CLI's HTTP client layer, in an environment holding only `env`. */
const readWorkspace = (url: string, token: string, workspace: string, env: Record<string, string>) =>
  Effect.gen(function*() {
    const client = yield* PtolemyClient.make({ baseUrl: url, token: Redacted.make(token), workspace, retries: 0 })
    return yield* Effect.either(client.workspace)
  }).pipe(
    Effect.provide(httpClientLayer),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

describe("the runner's proxy settings", () => {
  it.scopedLive("HTTP_PROXY (either case) carries every request, loopback included", () =>
    Effect.gen(function*() {
      const sim = yield* simulator
      const apiHost = new URL(sim.url).host
      for (const name of ["HTTP_PROXY", "http_proxy"]) {
        const proxy = yield* localProxy()
        const result = yield* readWorkspace(sim.url, sim.tokens.admin, sim.workspace.slug, { [name]: proxy.url })
        expect(Either.isRight(result), name).toBe(true)
        expect(proxy.reached.length, name).toBe(1)
        expect(proxy.reached[0], name).toMatch(new RegExp(`^(GET|CONNECT) ${apiHost}$`))
      }
    }))

  it.scopedLive("the lower-case variable wins, as in curl", () =>
    Effect.gen(function*() {
      const sim = yield* simulator
      const [lower, upper] = [yield* localProxy(), yield* localProxy()]
      yield* readWorkspace(sim.url, sim.tokens.admin, sim.workspace.slug, {
        http_proxy: lower.url,
        HTTP_PROXY: upper.url
      })
      expect([lower.reached.length, upper.reached.length]).toEqual([1, 0])
    }))

  it.scopedLive("NO_PROXY sends the hosts it names direct; other hosts (and loopback not named) still go through", () =>
    Effect.gen(function*() {
      const sim = yield* simulator
      const proxy = yield* localProxy()
      const { port } = new URL(sim.url)
      for (const noProxy of ["127.0.0.1", `localhost,127.0.0.1:${port}`, "*"]) {
        const result = yield* readWorkspace(sim.url, sim.tokens.admin, sim.workspace.slug, {
          HTTP_PROXY: proxy.url,
          no_proxy: noProxy
        })
        expect(Either.isRight(result), noProxy).toBe(true)
      }
      expect(proxy.reached).toEqual([])
      for (const noProxy of ["api.example.com", "localhost", `127.0.0.1:${Number(port) + 1}`]) {
        yield* readWorkspace(sim.url, sim.tokens.admin, sim.workspace.slug, {
          HTTP_PROXY: proxy.url,
          NO_PROXY: noProxy
        })
      }
      expect(proxy.reached).toHaveLength(3)
    }))

  it.scopedLive("HTTPS_PROXY tunnels https URLs (CONNECT) and leaves http ones alone", () =>
    Effect.gen(function*() {
      const sim = yield* simulator
      const proxy = yield* localProxy()
      // Nothing listens for TLS there: the point is where the request was sent, not that it succeeds.
      const httpsUrl = sim.url.replace(/^http:/, "https:")
      const tunnelled = yield* readWorkspace(httpsUrl, sim.tokens.admin, sim.workspace.slug, { HTTPS_PROXY: proxy.url })
      expect(Either.isLeft(tunnelled)).toBe(true)
      expect(proxy.reached).toEqual([`CONNECT ${new URL(sim.url).host}`])
      const plain = yield* readWorkspace(sim.url, sim.tokens.admin, sim.workspace.slug, { HTTPS_PROXY: proxy.url })
      expect(Either.isRight(plain)).toBe(true)
      expect(proxy.reached).toHaveLength(1)
    }))

  it.scopedLive("credentials in the proxy URL are sent to the proxy", () =>
    Effect.gen(function*() {
      const sim = yield* simulator
      const proxy = yield* localProxy({ credentials: "audit:s3cret" })
      const withCredentials = proxy.url.replace("http://", "http://audit:s3cret@")
      const result = yield* readWorkspace(sim.url, sim.tokens.admin, sim.workspace.slug, {
        HTTP_PROXY: withCredentials
      })
      expect(Either.isRight(result)).toBe(true)
      expect(proxy.refused()).toBe(0)
      const refused = yield* readWorkspace(sim.url, sim.tokens.admin, sim.workspace.slug, { HTTP_PROXY: proxy.url })
      expect(Either.isLeft(refused)).toBe(true)
      expect(proxy.refused()).toBe(1)
    }))

  it("a proxy variable is read as curl reads it, and one that is not a URL is refused without repeating it", () => {
    expect(proxyUrl("HTTP_PROXY", "proxy.corp.example:3128")).toEqual(Either.right("http://proxy.corp.example:3128/"))
    expect(proxyUrl("HTTPS_PROXY", "https://proxy.corp.example")).toEqual(Either.right("https://proxy.corp.example/"))
    expect(proxyUrl("HTTP_PROXY", " ")).toEqual(Either.right(""))
    const bad = proxyUrl("HTTPS_PROXY", "http://user:pa ss@[bad")
    expect(Either.isLeft(bad) && bad.left).toMatch(/^HTTPS_PROXY is not a proxy URL/)
    expect(Either.isLeft(bad) && bad.left).not.toContain("pa ss")
    const socks = proxyUrl("HTTPS_PROXY", "socks5://127.0.0.1:1080")
    expect(Either.isLeft(socks) && socks.left).toMatch(/socks5 proxy; only http/)
  })
})
