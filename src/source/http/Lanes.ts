/**
 * How many requests are in flight at once. The API's guidance is to read a collection's pages one at a time and to
 * keep about 10 requests in flight overall. A paginated collection holds one lane for as long as it reads (its pages
 * never queue behind a burst of fan-out requests, which would stretch the longest chain), and fan-out requests (one
 * token list per robot) share whatever lanes are free, one request each.
 */
import { Effect, type Scope } from "effect"

export interface Lanes {
  /** Holds one lane until the scope closes: a chain of sequential requests runs inside it. */
  readonly hold: Effect.Effect<void, never, Scope.Scope>
  /** Runs one request in a free lane. */
  readonly request: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

export const makeLanes = (count: number): Effect.Effect<Lanes> =>
  Effect.map(Effect.makeSemaphore(Math.max(1, count)), (semaphore) => ({
    hold: Effect.asVoid(Effect.acquireRelease(semaphore.take(1), () => semaphore.release(1))),
    request: (effect) => semaphore.withPermits(1)(effect)
  }))
