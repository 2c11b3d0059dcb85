/**
 * One JSON request as every API client here makes it: count it, send it, give up after a timeout, read the whole
 * body, classify a non-2xx status with the API's own mapping, parse the JSON, and retry what is transient.
 * Failures the kit can name on its own (transport, TLS, timeout, a body that is not JSON) take the kit's reasons.
 */
import type { HttpClient, HttpClientRequest } from "@effect/platform"
import { Duration, Effect } from "effect"
import type { ApiErrorFields, KitReason } from "./ApiError.js"
import { type BackoffOptions, type RetryableError, withBackoff } from "./Backoff.js"

/** How patient a client is with its API; every field has a default. */
export interface RequestTuning {
  readonly requestTimeout?: Duration.DurationInput | undefined
  /** Attempts after the first, for transient failures. */
  readonly retries?: number | undefined
  /** The first retry's delay; each further one doubles, with jitter. */
  readonly retryBase?: Duration.DurationInput | undefined
}

/** The call options a tuning stands for. */
export const tuned = (tuning: RequestTuning) => ({
  timeout: tuning.requestTimeout ?? Duration.seconds(30),
  backoff: { retries: tuning.retries ?? 5, base: tuning.retryBase ?? Duration.millis(250) }
})

export type Headers = Readonly<Record<string, string | undefined>>

/** Builds the API's error from a failure the kit classified. */
export type KitFailure<E> = (fields: ApiErrorFields<KitReason>) => E

export interface CallOptions<E> {
  readonly fail: KitFailure<E>
  /** The API's mapping of a non-2xx answer to its error. */
  readonly status: (endpoint: string, status: number, headers: Headers, text: string) => E
  readonly timeout: Duration.DurationInput
  readonly backoff: BackoffOptions
  /** Called once per attempt, before sending (metering: every attempt is billed). */
  readonly onSend?: Effect.Effect<void>
  /** Called with every response's headers, error responses included. */
  readonly onResponse?: (headers: Headers) => Effect.Effect<void>
  /** A 2xx answer with no body is `null` (a write's 204, or TransactionLink's empty 200) rather than malformed JSON. */
  readonly allowEmpty?: boolean
}

/** Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP-date. */
export const parseRetryAfter = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

/** OpenSSL's and Node's codes for a certificate or handshake the client refused. */
const tlsCode = /^(ERR_TLS_|ERR_SSL_)|CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)|HOSTNAME_MISMATCH/

/** The TLS failure behind a transport error, if that is what it is: `CODE: message`. */
export const tlsFailure = (cause: unknown): string | undefined => {
  for (let error = cause, depth = 0; typeof error === "object" && error !== null && depth < 6; depth++) {
    const { code, message } = error as { code?: unknown; message?: unknown }
    if (typeof code === "string" && tlsCode.test(code)) return `${code}: ${String(message)}`
    error = (error as { cause?: unknown }).cause
  }
  return undefined
}

const transportFailure = <E>(fail: KitFailure<E>, endpoint: string, cause: unknown, message: string) => {
  const tls = tlsFailure(cause)
  return tls === undefined
    ? fail({ reason: "Transport", endpoint, detail: message, cause })
    : fail({ reason: "Tls", endpoint, detail: `the TLS handshake failed (${tls})`, cause })
}

export const makeJsonCall = <E extends RetryableError>(http: HttpClient.HttpClient, options: CallOptions<E>) => {
  const timeout = Duration.decode(options.timeout)
  const { fail } = options
  const attempt = (endpoint: string, request: HttpClientRequest.HttpClientRequest): Effect.Effect<unknown, E> =>
    Effect.gen(function*() {
      if (options.onSend) yield* options.onSend
      const response = yield* http.execute(request).pipe(
        Effect.mapError((cause) => transportFailure(fail, endpoint, cause, cause.message))
      )
      if (options.onResponse) yield* options.onResponse(response.headers)
      const text = yield* response.text.pipe(
        Effect.mapError((cause) =>
          fail({ reason: "Transport", endpoint, status: response.status, detail: "the answer was cut off", cause })
        )
      )
      if (response.status < 200 || response.status >= 300) {
        return yield* Effect.fail(options.status(endpoint, response.status, response.headers, text))
      }
      if (options.allowEmpty === true && text.trim() === "") return null
      return yield* Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: (cause) =>
          fail({
            reason: "MalformedBody",
            endpoint,
            status: response.status,
            detail: `the body is not valid JSON (${text.length} bytes)`,
            cause
          })
      })
    }).pipe(
      Effect.scoped,
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () => fail({ reason: "Timeout", endpoint, detail: `no answer within ${Duration.format(timeout)}` })
      })
    )
  return (endpoint: string, request: HttpClientRequest.HttpClientRequest): Effect.Effect<unknown, E> =>
    withBackoff(attempt(endpoint, request), options.backoff)
}
