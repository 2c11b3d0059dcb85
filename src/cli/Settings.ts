/**
 * From flags and environment to validated settings. Everything a run needs is checked here, before anything is
 * opened or written, so that bad usage ends with exit code 2 and no side effect.
 */
import { Config, Effect, Option, Redacted } from "effect"
import type { SourceName } from "../snapshot/Records.js"
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
export interface Target {
  readonly source: SourceName
  readonly apiUrl: string
  readonly token: Redacted.Redacted<string>
  /** A workspace UUID or slug; none = every workspace the token can view (TransactionLink). */
  readonly workspace: Option.Option<string>
  /** Where the token came from, for messages (never the token itself). */
  readonly tokenFrom: string
}

const loopbackHosts = new Set(["localhost", "127.0.0.1", "::1", "[::1]"])

/** An API base URL must be HTTPS, except on the loopback interface (the simulator, a local proxy). */
export const validateApiUrl = (value: string, from: string) =>
  Effect.gen(function*() {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      return yield* Effect.fail(usageError(`${from}: "${value}" is not a URL (expected e.g. ${defaultApiUrl.ptolemy}).`))
    }
    const loopback = loopbackHosts.has(url.hostname) || url.hostname.startsWith("127.")
    if (url.protocol === "https:" || (url.protocol === "http:" && loopback)) return url.toString().replace(/\/+$/, "")
    return yield* Effect.fail(
      usageError(
        `${from}: "${url.origin}" is not HTTPS. The API token would travel in clear text; only loopback addresses may use http.`
      )
    )
  })

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
    const envToken = yield* optionalSecretEnv(tokenVariable[source])
    // A secret pasted with a trailing newline is common; a header with one is refused before it is sent.
    const token = Option.map(Option.orElse(flags.token, () => envToken), (t) => Redacted.make(Redacted.value(t).trim()))
    if (Option.isNone(token) || Redacted.value(token.value) === "") {
      return yield* Effect.fail(
        usageError(`No API token: set ${tokenVariable[source]} (or pass --token, though the environment is safer).`)
      )
    }
    const envWorkspace = source === "ptolemy" ? yield* optionalEnv("PTOLEMY_WORKSPACE") : Option.none<string>()
    const selector = Option.filter(Option.map(Option.orElse(flags.workspace, () => envWorkspace), (w) => w.trim()), (w) => w !== "")
    if (source === "ptolemy" && Option.isNone(selector)) {
      return yield* Effect.fail(usageError("No workspace: set PTOLEMY_WORKSPACE or pass --workspace (a UUID or slug)."))
    }
    const envUrl = yield* optionalEnv(urlVariable[source])
    const urlFrom = Option.isSome(flags.apiUrl) ? "--api-url" : Option.isSome(envUrl) ? urlVariable[source] : "default"
    const apiUrl = yield* validateApiUrl(
      Option.getOrElse(Option.orElse(flags.apiUrl, () => envUrl), () => defaultApiUrl[source]),
      urlFrom
    )
    return {
      source,
      apiUrl,
      token: token.value,
      workspace: selector,
      tokenFrom: Option.isSome(flags.token) ? "--token" : tokenVariable[source]
    } satisfies Target
  })
