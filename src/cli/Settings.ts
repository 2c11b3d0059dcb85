/**
 * From flags and environment to validated settings. Everything a run needs is checked here, before anything is
 * opened or written, so that bad usage ends with exit code 2 and no side effect.
 */
import { Config, Effect, Option, Redacted } from "effect"
import { isIPv4, isIPv6 } from "node:net"
import type { SourceName } from "../snapshot/Records.js"
import { proxySettings } from "../source/http/HttpClientLayer.js"
import type { SourceSettings } from "../source/Sources.js"
import { usageError } from "./ExitCode.js"

export const defaultApiUrl: Record<SourceName, string> = {
  ptolemy: "https://api.ptolemy.cloud/v1",
  transactionlink: "https://api.transactionlink.io"
}

const tokenVariable: Record<SourceName, string> = {
  ptolemy: "PTOLEMY_API_TOKEN",
  transactionlink: "TRANSACTIONLINK_API_TOKEN"
}

const urlVariable: Record<SourceName, string> = {
  ptolemy: "PTOLEMY_API_URL",
  transactionlink: "TRANSACTIONLINK_API_URL"
}

/** One source and workspace (or organisation) to audit, with its own token. */
export type Target = SourceSettings & {
  /** Where the token came from, for messages (never the token itself). */
  readonly tokenFrom: string
}

/** localhost, 127.0.0.0/8 or ::1, parsed as addresses: `127.attacker.example` is a name, not loopback. */
export const isLoopbackHost = (hostname: string) => {
  const host = hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "").toLowerCase()
  if (host === "localhost") return true
  if (isIPv4(host)) return host.split(".")[0] === "127"
  return isIPv6(host) && host === "::1"
}

/** An API base URL must be HTTPS, except on the loopback interface (the simulator, a local proxy). */
export const validateApiUrl = (value: string, from: string) =>
  Effect.gen(function*() {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      return yield* Effect.fail(
        usageError(`${from}: "${value}" is not a URL (expected e.g. ${defaultApiUrl.ptolemy}).`)
      )
    }
    if (url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname))) {
      return url.toString().replace(/\/+$/, "")
    }
    return yield* Effect.fail(
      usageError(
        `${from}: "${url.origin}" is not HTTPS. The API token would travel in clear text; only loopback addresses (localhost, 127.0.0.0/8, ::1) may use http.`
      )
    )
  })

/**
 * A token is visible ASCII: a control character, a space or a non-ASCII character (a paste gone wrong) would be
 * refused by the API, or break the header, only after retries. Refused at start; the message never shows the token.
 */
export const validateToken = (token: string, from: string) => {
  const characters = [...token]
  const index = characters.findIndex((c) => c < "!" || c > "~")
  if (index === -1) return Effect.succeed(Redacted.make(token))
  const code = characters[index]!.codePointAt(0)!
  const kind = code < 0x20 || code === 0x7f
    ? "a control character"
    : code === 0x20
    ? "a space"
    : "a non-ASCII character"
  return Effect.fail(
    usageError(
      `The API token from ${from} contains ${kind} (U+${
        code.toString(16).toUpperCase().padStart(4, "0")
      }) at position ${index + 1}: copy it again; it was not sent.`
    )
  )
}

/** The environment a run sends through: proxy variables that are not URLs stop it before it starts. */
export const checkEnvironment = Effect.flatMap(
  proxySettings,
  ({ problems }) => problems.length === 0 ? Effect.void : Effect.fail(usageError(problems.join(" ")))
)

const optionalEnv = (name: string) => Effect.orElseSucceed(Config.option(Config.string(name)), () => Option.none())

const optionalSecretEnv = (name: string) =>
  Effect.orElseSucceed(Config.option(Config.redacted(name)), () => Option.none<Redacted.Redacted<string>>())

export interface TargetFlags {
  readonly source: SourceName
  readonly token: Option.Option<Redacted.Redacted<string>>
  readonly workspace: Option.Option<string>
  readonly apiUrl: Option.Option<string>
}

/** The target named by flags and environment variables (no config file). */
export const targetFromFlags = (flags: TargetFlags) =>
  Effect.gen(function*() {
    const source = flags.source
    yield* checkEnvironment
    const envToken = yield* optionalSecretEnv(tokenVariable[source])
    const tokenFrom = Option.isSome(flags.token) ? "--token" : tokenVariable[source]
    // A secret pasted with a trailing newline is common; a header with one is refused before it is sent.
    const pasted = Option.map(Option.orElse(flags.token, () => envToken), (t) => Redacted.value(t).trim())
    if (Option.isNone(pasted) || pasted.value === "") {
      return yield* Effect.fail(
        usageError(`No API token: set ${tokenVariable[source]} (or pass --token, though the environment is safer).`)
      )
    }
    const token = yield* validateToken(pasted.value, tokenFrom)
    const envWorkspace = source === "ptolemy" ? yield* optionalEnv("PTOLEMY_WORKSPACE") : Option.none<string>()
    const selector = Option.filter(
      Option.map(Option.orElse(flags.workspace, () => envWorkspace), (w) => w.trim()),
      (w) => w !== ""
    )
    const envUrl = yield* optionalEnv(urlVariable[source])
    const urlFrom = Option.isSome(flags.apiUrl) ? "--api-url" : Option.isSome(envUrl) ? urlVariable[source] : "default"
    const apiUrl = yield* validateApiUrl(
      Option.getOrElse(Option.orElse(flags.apiUrl, () => envUrl), () => defaultApiUrl[source]),
      urlFrom
    )
    if (source === "transactionlink") return { source, apiUrl, token, workspace: selector, tokenFrom } satisfies Target
    if (Option.isNone(selector)) {
      return yield* Effect.fail(usageError("No workspace: set PTOLEMY_WORKSPACE or pass --workspace (a UUID or slug)."))
    }
    return { source, apiUrl, token, workspace: selector.value, tokenFrom } satisfies Target
  })
