/**
 * One listing as it is read, page after page: which ids it has shown, so that a page can say whether it brought
 * anything new (a server that keeps saying "more" would otherwise be read for ever, every request billed), an
 * identical second copy of an entity is dropped before it is emitted (so what a run counts is what it stores), and
 * a second copy that differs is remembered: the listing shifted while it was read, and no copy can be trusted.
 */
import { createHash } from "node:crypto"

export interface Listing<T> {
  /** The items not listed before (identical copies dropped), and whether any id was new. */
  readonly admit: (items: ReadonlyArray<T>) => { readonly kept: ReadonlyArray<T>; readonly fresh: boolean }
  /** The ids listed more than once with different contents, in the order they were found. */
  readonly conflicts: () => ReadonlyArray<string>
}

export interface ListingKey<T> {
  /** The entity's id; undefined = one that cannot be recognised again (always kept, always new). */
  readonly id: (item: T) => string | undefined
  /** What two copies must share to be the same (their JSON). */
  readonly content: (item: T) => unknown
}

/** A digest rather than the JSON itself: 50,000 members must not be held in memory twice. */
const digest = (content: unknown) => createHash("sha256").update(JSON.stringify(content) ?? "").digest("base64")

export const makeListing = <T>(key: ListingKey<T>): Listing<T> => {
  const seen = new Map<string, string>()
  const conflicting = new Set<string>()
  return {
    admit: (items) => {
      const kept: Array<T> = []
      let fresh = false
      for (const item of items) {
        const id = key.id(item)
        if (id === undefined) {
          fresh = true
          kept.push(item)
          continue
        }
        const content = digest(key.content(item))
        const earlier = seen.get(id)
        if (earlier === undefined) {
          fresh = true
          seen.set(id, content)
          kept.push(item)
        } else if (earlier !== content) {
          conflicting.add(id)
        }
      }
      return { kept, fresh }
    },
    conflicts: () => [...conflicting]
  }
}

/** A raw JSON object's id under `key` (`id`, `userId`, `enrollmentId`). */
export const rawId = (key: string) => (raw: unknown): string | undefined => {
  const id = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>)[key] : undefined
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined
}

/** The detail of an inconsistent listing: the ids, the first few by name. */
export const describeConflicts = (ids: ReadonlyArray<string>): string => {
  const named = ids.slice(0, 10).join(", ")
  const more = ids.length > 10 ? ` and ${ids.length - 10} more` : ""
  return `the listing changed while it was read: ${
    ids.length === 1 ? "id" : `${ids.length} ids`
  } ${named}${more} came twice with different contents`
}
