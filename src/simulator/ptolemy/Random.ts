/**
 * A seeded pseudo-random source (mulberry32), so that the same seed gives the same world, the same churn and the
 * same faults. Streams are split by name so that, say, adding a fault does not change the world.
 */
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

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<A>(items: ReadonlyArray<A>): A {
    return items[Math.floor(this.next() * items.length)]!
  }

  /** How many of a Poisson process with mean `lambda` happen (Knuth; lambda is small here). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * (this.next() + this.next() + this.next() - 1.5) * 2))
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

  /** A version 4 UUID drawn from this stream. */
  uuid(): string {
    const h = this.hex(32).split("")
    h[12] = "4"
    h[16] = "89ab"[parseInt(h[16]!, 16) & 3]!
    const s = h.join("")
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
  }
}
