/**
 * What both adapters do with a collection, whatever the API: read it again from its first page once where the
 * API's table says so (an expired cursor, a listing that shifted), end it with its outcome (a fatal error fails the
 * run, any other leaves a coverage gap), and say when a removal could not be confirmed.
 */
import { Effect, Stream } from "effect"
import type { CollectionName, SourceName } from "../snapshot/Records.js"
import { SnapshotItem } from "../snapshot/SnapshotItem.js"
import { type ApiErrorOf, coverageGap, type ErrorMeanings, SourceFailure, sourceFailure } from "./AuditSource.js"
import type { KitReason } from "./http/ApiError.js"

/** The reasons every API has (the kit's, and the plain HTTP statuses), and what they mean for a run. */
export const commonMeanings: ErrorMeanings<
  KitReason | "Unauthorized" | "Forbidden" | "NotFound" | "RateLimited" | "BadRequest" | "ServerError"
> = {
  Unauthorized: { inCollection: "fail", failure: "Unauthorized" },
  // Nothing was sent: every request would meet the same certificate.
  Tls: { inCollection: "fail", failure: "Untrusted" },
  Forbidden: { inCollection: "forbidden", failure: "Unavailable" },
  NotFound: { inCollection: "failed", failure: "NotFound" },
  Inconsistent: { inCollection: "restart", failure: "Invalid" },
  SchemaDrift: { inCollection: "failed", failure: "Invalid" },
  RateLimited: { inCollection: "failed", failure: "Unavailable" },
  BadRequest: { inCollection: "failed", failure: "Unavailable" },
  ServerError: { inCollection: "failed", failure: "Unavailable" },
  Timeout: { inCollection: "failed", failure: "Unavailable" },
  Transport: { inCollection: "failed", failure: "Unavailable" },
  MalformedBody: { inCollection: "failed", failure: "Unavailable" }
}

/** An absent value as the records hold it. */
export const text = (value: string | null | undefined) => value ?? null

/** The helpers for one API's errors: `collections<PtolemyErrorReason, PtolemyApiError>("ptolemy", ptolemyMeanings)`. */
export const collections = <R extends string, E extends ApiErrorOf<R>>(
  source: SourceName,
  meanings: ErrorMeanings<R>
) => {
  const meaning = (error: E) => meanings[error.reason].inCollection
  const isFatal = (error: E) => meaning(error) === "fail"
  const toFailure = (error: E) => sourceFailure(source, meanings, error)
  const gap = (error: E) => coverageGap(meanings, error)

  /** A streamed collection, read again once (after a Restart item, so the store drops what it staged). */
  const twice = (
    collection: CollectionName,
    read: () => Stream.Stream<SnapshotItem, E>
  ): Stream.Stream<SnapshotItem, E> =>
    read().pipe(
      Stream.catchAll((error) =>
        meaning(error) === "restart"
          ? Stream.concat(Stream.succeed(SnapshotItem.restart(collection)), read())
          : Stream.fail(error)
      )
    )

  /** A collection read whole into memory, read again once. */
  const twiceWhole = <A, R2>(read: () => Effect.Effect<A, E, R2>): Effect.Effect<A, E, R2> =>
    Effect.catchIf(read(), (error) => meaning(error) === "restart", () => read())

  /** Ends a collection's items with its outcome; a fatal error fails the run, any other becomes a gap. */
  const covered = (
    collection: CollectionName,
    items: Stream.Stream<SnapshotItem, E>
  ): Stream.Stream<SnapshotItem, SourceFailure> =>
    items.pipe(
      Stream.concat(Stream.succeed(SnapshotItem.done(collection, { status: "complete" }))),
      Stream.catchAll((error) =>
        isFatal(error) ? Stream.fail(toFailure(error)) : Stream.succeed(SnapshotItem.done(collection, gap(error)))
      )
    )

  /** A removal that could be neither confirmed nor refuted: the run must not record it. */
  const unconfirmed = (what: string) => (error: E): SourceFailure =>
    isFatal(error)
      ? toFailure(error)
      : new SourceFailure({
        source,
        reason: "Unavailable",
        message: `Could not confirm that ${what} is gone, so it is not recorded as removed: ${error.message}`,
        cause: error
      })

  return { isFatal, toFailure, gap, twice, twiceWhole, covered, unconfirmed }
}
