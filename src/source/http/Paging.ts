/**
 * A paginated collection as a `Stream` of decoded pages, whatever the API's paging (a cursor, page numbers, or one
 * bare array): pages are requested one at a time, each page goes through the listing (new ids only, identical copies
 * dropped), and the stream ends in an error rather than a loop when the pages bring nothing new, or in an
 * `Inconsistent` error naming the ids when the listing held differing copies of one entity.
 */
import { Effect, Either, Option, type Schema, Stream } from "effect"
import { decodeItems, type Item } from "./Decode.js"
import { describeConflicts, makeListing, rawId } from "./Listing.js"
import type { KitFailure } from "./Request.js"

/** One page as the API's envelope gives it: its items, and how to ask for the next (none = the last page). */
export interface PageOf<P> {
  readonly items: ReadonlyArray<unknown>
  readonly next: Option.Option<P>
}

export interface PagedOptions<P, A, I, E> {
  readonly endpoint: string
  readonly schema: Schema.Schema<A, I>
  readonly first: P
  readonly fetch: (params: P) => Effect.Effect<PageOf<P>, E>
  readonly fail: KitFailure<E>
  /** The key of an item's id in its JSON (default `id`). */
  readonly idKey?: string
  /** Pages in a row that may bring nothing new while the API says there is more. */
  readonly patience: number
  /** Request the next page while the last one is decoded and stored (a long chain); default off. */
  readonly readAhead?: boolean
}

export const paged = <P, A, I, E>(options: PagedOptions<P, A, I, E>): Stream.Stream<ReadonlyArray<Item<A>>, E> =>
  Stream.suspend(() => {
    const { endpoint, fail } = options
    const listing = makeListing({ id: rawId(options.idKey ?? "id"), content: (raw: unknown) => raw })
    let nothingNew = 0
    let index = 0
    const step = (params: P) =>
      Effect.flatMap(options.fetch(params), (page) => {
        const { fresh, kept } = listing.admit(page.items)
        nothingNew = fresh ? 0 : nothingNew + 1
        index++
        if (Option.isSome(page.next) && nothingNew >= options.patience) {
          const what = nothingNew === 1 ? `page ${index}` : `${nothingNew} pages in a row (up to page ${index})`
          return Effect.fail(
            fail({
              reason: "SchemaDrift",
              endpoint,
              detail: `${what} brought nothing new though the API said there was more (is the paging ignored?)`
            })
          )
        }
        return Effect.succeed([kept, page.next] as const)
      })
    const pages = Stream.paginateEffect(options.first, step)
    const decoded = (options.readAhead ? Stream.buffer(pages, { capacity: 2 }) : pages).pipe(
      Stream.mapEffect((data) => decodeItems(options.schema, data, endpoint, fail))
    )
    return Stream.concat(
      decoded,
      Stream.suspend(() => {
        const conflicts = listing.conflicts()
        return conflicts.length === 0
          ? Stream.empty
          : Stream.fail(fail({ reason: "Inconsistent", endpoint, detail: describeConflicts(conflicts) }))
      })
    )
  })

/**
 * Cursor paging's next step: the cursor while the page says there is more. More without a cursor, or a cursor that
 * comes back, is not the documented contract (it would loop).
 */
export const cursorPaging = () => {
  const seen = new Set<string>()
  return (cursor: string | null, hasMore: boolean): Either.Either<Option.Option<string>, string> => {
    if (!hasMore) return Either.right(Option.none())
    if (cursor === null) return Either.left("has_more is true but next_cursor is null")
    if (seen.has(cursor)) return Either.left("the same cursor was returned twice")
    seen.add(cursor)
    return Either.right(Option.some(cursor))
  }
}

/** Page-number paging's next page: until the last page the API announces, or (announcing none) a short page. */
export const nextPageNumber = (
  page: number,
  count: number,
  size: number,
  totalPages: number | null | undefined
): Option.Option<number> => {
  const last = count === 0 || (totalPages == null ? count < size : page + 1 >= totalPages)
  return last ? Option.none() : Option.some(page + 1)
}

/** A list served whole (a bare array): one page through the same listing. */
export const wholeList = (items: ReadonlyArray<unknown>): PageOf<never> => ({ items, next: Option.none() })
