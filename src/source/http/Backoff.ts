/**
 * Retrying a request that failed transiently: exponential backoff with jitter, stretched to the server's
 * `Retry-After` when it sends one. Effect 3's `HttpClient.retryTransient` has no `Retry-After` support, and would
 * retry a quota-exhausted 429, which must never be retried.
 */
import { Duration, Effect, Schedule } from "effect"

export interface RetryableError {
  readonly isTransient: boolean
  /** Seconds the server asked us to wait. */
  readonly retryAfter?: number | undefined
}

export interface BackoffOptions {
  /** Attempts after the first. */
  readonly retries: number
  /** The first delay; each further one doubles, with jitter. */
  readonly base: Duration.DurationInput
  /** The longest `Retry-After` honoured; a longer one ends the retries. */
  readonly maxRetryAfter?: Duration.DurationInput
}

export const withBackoff = <A, E extends RetryableError, R>(
  effect: Effect.Effect<A, E, R>,
  options: BackoffOptions
): Effect.Effect<A, E, R> => {
  const maxRetryAfter = Duration.toMillis(options.maxRetryAfter ?? Duration.minutes(5))
  const schedule = Schedule.identity<E>().pipe(
    Schedule.intersect(Schedule.exponential(options.base, 2).pipe(Schedule.jittered)),
    Schedule.intersect(Schedule.recurs(options.retries)),
    Schedule.whileInput((error: E) =>
      error.isTransient && (error.retryAfter === undefined || error.retryAfter * 1000 <= maxRetryAfter)
    ),
    Schedule.modifyDelay(([[error]], delay) =>
      error.retryAfter === undefined
        ? delay
        : Duration.max(delay, Duration.seconds(error.retryAfter))
    )
  )
  return Effect.retry(effect, schedule)
}
