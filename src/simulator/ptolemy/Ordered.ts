/**
 * Collections in API list order: created_at, then id. Timestamps are whole seconds on the wire, so two items in the
 * same second are ordered by id even if their milliseconds differ. Lookups by key are binary searches, so a page of
 * a 50,000-item list costs a search and a slice.
 */

export interface Keyed {
  readonly id: string
  readonly created_at: number
}

/** True when `item` comes before the key (or is equal to it, when `orEqual`). */
export const precedes = (item: Keyed, created: number, id: string, orEqual: boolean): boolean => {
  const a = Math.floor(item.created_at / 1000)
  const b = Math.floor(created / 1000)
  return a < b || (a === b && (orEqual ? item.id <= id : item.id < id))
}

/** The index of the first item of an ordered list after the key (or at it, when `inclusive`): a binary search. */
export const position = (list: ReadonlyArray<Keyed>, created: number, id: string, inclusive = false): number => {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (precedes(list[mid]!, created, id, !inclusive)) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** A collection kept in list order, with lookup by id. */
export class Ordered<A extends Keyed> {
  readonly items: Array<A> = []
  private readonly byId = new Map<string, A>()

  get size(): number {
    return this.items.length
  }
  get(id: string): A | undefined {
    return this.byId.get(id)
  }
  /** The index of the first item after (created_at, id) in list order. */
  indexAfter(created: number, id: string): number {
    return position(this.items, created, id)
  }
  add(item: A): void {
    this.items.splice(this.indexAfter(item.created_at, item.id), 0, item)
    this.byId.set(item.id, item)
  }
  remove(id: string): A | undefined {
    const item = this.byId.get(id)
    if (item === undefined) return undefined
    // The item sits just before the first one after its own key: no linear scan of a 50,000-item list.
    this.items.splice(this.indexAfter(item.created_at, item.id) - 1, 1)
    this.byId.delete(id)
    return item
  }
  /** Bulk load (generation): sort once. */
  load(items: ReadonlyArray<A>): void {
    for (const item of items) {
      this.items.push(item)
      this.byId.set(item.id, item)
    }
    this.items.sort((
      a,
      b
    ) => (precedes(a, b.created_at, b.id, false) ? -1 : precedes(b, a.created_at, a.id, false) ? 1 : 0))
  }
}
