/**
 * A seeded pseudo-random source (mulberry32) with named streams, for both simulators: the same seed gives the same
 * world, the same churn and the same faults. Streams are split by name so that, say, adding a fault or reading the
 * roster does not change the world.
 */
const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

export class Random {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** An independent stream derived from a seed and a name. */
  static of(seed: number, name: string): Random {
    let h = seed ^ 0x9e3779b9
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x85ebca6b) ^ (h >>> 13)
    return new Random(h >>> 0)
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** Always takes one draw, whatever `p`, so that a stream's sequence does not depend on the rates. */
  chance(p: number): boolean {
    return this.next() < p
  }

  /** One of the items. The draw is taken before an empty list is refused, for the same reason as `chance`. */
  pick<A>(items: ReadonlyArray<A>): A {
    const index = Math.floor(this.next() * items.length)
    if (items.length === 0) throw new Error("pick from an empty list")
    return items[index]!
  }

  /** One of the items by weight (weights need not sum to 1). */
  weighted<A>(items: ReadonlyArray<readonly [A, number]>): A {
    const total = items.reduce((sum, [, w]) => sum + w, 0)
    let r = this.next() * total
    for (const [item, w] of items) {
      r -= w
      if (r < 0) return item
    }
    return items[items.length - 1]![0]
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<A>(items: ReadonlyArray<A>): Array<A> {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      ;[out[i], out[j]] = [out[j]!, out[i]!]
    }
    return out
  }

  /** How many of a Poisson process with mean `lambda` happen (Knuth; an approximation above 30). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0
    if (lambda > 30) {
      return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * (this.next() + this.next() + this.next() - 1.5) * 2))
    }
    const limit = Math.exp(-lambda)
    let k = 0
    let p = this.next()
    while (p > limit) {
      k++
      p *= this.next()
    }
    return k
  }

  hex(length: number): string {
    let out = ""
    while (out.length < length) out += Math.floor(this.next() * 0x100000000).toString(16).padStart(8, "0")
    return out.slice(0, length)
  }

  alphanumeric(length: number): string {
    let out = ""
    for (let i = 0; i < length; i++) out += ALPHANUMERIC[Math.floor(this.next() * ALPHANUMERIC.length)]
    return out
  }

  /** A version 4 UUID drawn from this stream, lower case. */
  uuid(): string {
    const h = this.hex(32).split("")
    h[12] = "4"
    h[16] = "89ab"[parseInt(h[16]!, 16) & 3]!
    const s = h.join("")
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
  }
}
