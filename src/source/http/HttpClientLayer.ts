/**
 * The HTTP client every API client sends through: Node's undici, with the runner's proxy settings honoured as curl
 * honours them. `HTTPS_PROXY` for https URLs, `HTTP_PROXY` for http ones (either case, the lower-case one first; a
 * bare `host:port` means `http://host:port`), `NO_PROXY` a list of hosts (and their subdomains, `host:port` for one
 * port) or `*`, which go direct. Loopback is proxied like any other host unless `NO_PROXY` names it. undici's
 * `EnvHttpProxyAgent` does the matching and the tunnelling; the values are read here through `Config`.
 */
import type { HttpClient } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { EnvHttpProxyAgent } from "@effect/platform-node/Undici"
import { Config, Effect, Either, Layer } from "effect"

/** One variable in either case, the lower-case spelling first (curl's and undici's order); unset = "". */
const eitherCase = (name: string) =>
  Config.string(name).pipe(Config.orElse(() => Config.string(name.toUpperCase())), Config.withDefault(""))

export interface ProxySettings {
  readonly httpProxy: string
  readonly httpsProxy: string
  readonly noProxy: string
}

const proxyVariables = Config.all({
  httpProxy: eitherCase("http_proxy"),
  httpsProxy: eitherCase("https_proxy"),
  noProxy: eitherCase("no_proxy")
})

/**
 * A proxy variable's URL as curl reads it ("" = none), or why it is not one. The value is never repeated in the
 * message: it may hold the proxy's password.
 */
export const proxyUrl = (name: string, value: string): Either.Either<string, string> => {
  const trimmed = value.trim()
  if (trimmed === "") return Either.right("")
  const url = URL.parse(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`)
  if (url === null || url.hostname === "") {
    return Either.left(`${name} is not a proxy URL (expected e.g. http://proxy.example:3128).`)
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Either.left(
      `${name} names a ${url.protocol.slice(0, -1)} proxy; only http:// and https:// proxies are supported.`
    )
  }
  return Either.right(url.href)
}

/** The proxy settings of this environment, and what is wrong with them (checked at start: a usage error). */
export const proxySettings: Effect.Effect<
  { readonly settings: ProxySettings; readonly problems: ReadonlyArray<string> }
> = Effect.map(
  Effect.orElseSucceed(proxyVariables, () => ({ httpProxy: "", httpsProxy: "", noProxy: "" })),
  (raw) => {
    const http = proxyUrl("HTTP_PROXY", raw.httpProxy)
    const https = proxyUrl("HTTPS_PROXY", raw.httpsProxy)
    return {
      // "" rather than undefined: undici would otherwise read the environment itself.
      settings: {
        httpProxy: Either.getOrElse(http, () => ""),
        httpsProxy: Either.getOrElse(https, () => ""),
        noProxy: raw.noProxy
      },
      problems: [http, https].flatMap((e) => (Either.isLeft(e) ? [e.left] : []))
    }
  }
)

/** Where requests go, through a proxy or direct, per URL; closed with every connection when the scope ends. */
const proxyAwareDispatcher = Layer.scoped(
  NodeHttpClient.Dispatcher,
  Effect.acquireRelease(
    Effect.map(proxySettings, ({ settings }) => new EnvHttpProxyAgent(settings)),
    (agent) => Effect.promise(() => agent.destroy())
  )
)

/**
 * The `HttpClient` of the CLI. A proxy variable that is not a URL is left out here (this layer is built for every
 * command, `--help` included); a run refuses it at start (see `proxySettings`).
 */
export const httpClientLayer: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layerUndiciWithoutDispatcher.pipe(
  Layer.provide(proxyAwareDispatcher)
)
