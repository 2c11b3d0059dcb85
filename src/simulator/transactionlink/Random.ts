/**
 * Seeded pseudo-random numbers (sfc32 seeded through splitmix32). Every random choice of the simulator goes through
 * one of these streams, so a seed fully determines the generated world, the churn and the random faults.
 * Copied into this folder on purpose: the simulator imports nothing from the rest of the project.
 */

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

const fnv1a = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export class Rng {
  #a: number
  #b: number
  #c: number
  #d: number

  constructor(seed: number, salt = 0) {
    if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`)
    const whole = Math.floor(Math.abs(seed))
    const high = Math.floor(whole / 2 ** 32) >>> 0
    let state = ((whole >>> 0) ^ Math.imul(high, 0x27d4eb2f) ^ Math.imul(salt >>> 0, 0x165667b1) ^ (seed < 0 ? 0x5bd1e995 : 0)) | 0
    const next = (): number => {
      state = (state + 0x9e3779b9) | 0
      let z = state
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.#a = next()
    this.#b = next()
    this.#c = next()
    this.#d = next()
    for (let i = 0; i < 15; i++) this.next()
  }

  /** An independent stream for one purpose ("ids", "generate", "churn", "faults", ...) of one seed. */
  static from(seed: number, stream: string): Rng {
    return new Rng(seed, fnv1a(stream))
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#a + this.#b) | 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) | 0
    this.#c = (this.#c << 21) | (this.#c >>> 11)
    this.#d = (this.#d + 1) | 0
    t = (t + this.#d) | 0
    this.#c = (this.#c + t) | 0
    return (t >>> 0) / 4294967296
  }

  /** Integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p
  }

  pick<T>(items: ReadonlyArray<T>): T {
    if (items.length === 0) throw new Error("pick from an empty list")
    return items[Math.floor(this.next() * items.length)] as T
  }

  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0)
    let r = this.next() * total
    for (const [item, w] of items) {
      r -= w
      if (r < 0) return item
    }
    return items[items.length - 1]![0]
  }

  shuffle<T>(items: ReadonlyArray<T>): Array<T> {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      ;[out[i], out[j]] = [out[j] as T, out[i] as T]
    }
    return out
  }

  /** Poisson-distributed count with mean `lambda` (normal approximation above 30). */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0
    if (lambda > 30) {
      const u = Math.max(this.next(), 1e-12)
      const v = this.next()
      const gauss = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
      return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gauss))
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

  /** A random (version 4 layout) UUID, lower case. */
  uuid(): string {
    const bytes: Array<number> = []
    for (let i = 0; i < 16; i++) bytes.push(Math.floor(this.next() * 256))
    bytes[6] = (bytes[6]! & 0x0f) | 0x40
    bytes[8] = (bytes[8]! & 0x3f) | 0x80
    const hex = bytes.map((b) => b.toString(16).padStart(2, "0")).join("")
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  }

  alphanumeric(length: number): string {
    let out = ""
    for (let i = 0; i < length; i++) out += ALNUM[Math.floor(this.next() * ALNUM.length)]
    return out
  }
}
