/**
 * One JSON request as every API client here makes it: count it, send it, give up after a timeout, read the whole
 * body, classify a non-2xx status with the API's own error mapping, parse the JSON, and retry what is transient.
 */
import type { HttpClient, HttpClientRequest } from "@effect/platform"
import { Duration, Effect } from "effect"
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

export interface CallErrors<E> {
  readonly transport: (endpoint: string, detail: string, cause: unknown, status?: number) => E
  readonly timeout: (endpoint: string, detail: string) => E
  readonly malformed: (endpoint: string, status: number, detail: string, cause: unknown) => E
  readonly status: (
    endpoint: string,
    status: number,
    headers: Readonly<Record<string, string | undefined>>,
    text: string
  ) => E
}

export interface CallOptions<E> {
  readonly errors: CallErrors<E>
  readonly timeout: Duration.DurationInput
  readonly backoff: BackoffOptions
  /** Called once per attempt, before sending (metering: every attempt is billed). */
  readonly onSend?: Effect.Effect<void>
  /** Called with every response's headers, error responses included. */
  readonly onResponse?: (headers: Readonly<Record<string, string | undefined>>) => Effect.Effect<void>
}

export const makeJsonCall = <E extends RetryableError>(http: HttpClient.HttpClient, options: CallOptions<E>) => {
  const timeout = Duration.decode(options.timeout)
  const { errors } = options
  const attempt = (endpoint: string, request: HttpClientRequest.HttpClientRequest): Effect.Effect<unknown, E> =>
    Effect.gen(function*() {
      if (options.onSend) yield* options.onSend
      const response = yield* http.execute(request).pipe(
        Effect.mapError((cause) => errors.transport(endpoint, cause.message, cause))
      )
      if (options.onResponse) yield* options.onResponse(response.headers)
      const text = yield* response.text.pipe(
        Effect.mapError((cause) => errors.transport(endpoint, "the answer was cut off", cause, response.status))
      )
      if (response.status < 200 || response.status >= 300) {
        return yield* Effect.fail(errors.status(endpoint, response.status, response.headers, text))
      }
      return yield* Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: (cause) =>
          errors.malformed(endpoint, response.status, `the body is not valid JSON (${text.length} bytes)`, cause)
      })
    }).pipe(
      Effect.scoped,
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () => errors.timeout(endpoint, `no answer within ${Duration.format(timeout)}`)
      })
    )
  return (endpoint: string, request: HttpClientRequest.HttpClientRequest): Effect.Effect<unknown, E> =>
    withBackoff(attempt(endpoint, request), options.backoff)
}
