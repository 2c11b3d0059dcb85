/**
 * Whether a page of a paginated read brought anything new. A server that keeps saying "more" (or ignores the page
 * asked for) would otherwise be read for ever, every request billed; both clients end such a read with an error.
 */

/** Remembers the ids a read has seen; the returned function says whether a page holds an item not seen before. */
export const pageProgress = (idKey = "id") => {
  const ids = new Set<unknown>()
  return (items: ReadonlyArray<unknown>): boolean => {
    let fresh = false
    for (const item of items) {
      const id = typeof item === "object" && item !== null ? (item as Record<string, unknown>)[idKey] : undefined
      // An item without an id cannot be recognised again, so it counts as new.
      if (id === undefined || !ids.has(id)) fresh = true
      if (id !== undefined) ids.add(id)
    }
    return fresh
  }
}
