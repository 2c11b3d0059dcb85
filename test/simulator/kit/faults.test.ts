/** The shared fault-rule engine and PRNG, on their own: how rules count and fire, what a bad setting says. */
import { describe, expect, it } from "vitest"
import { FaultEngine, type FaultSettings } from "../../../src/simulator/kit/Faults.js"
import { Random } from "../../../src/simulator/kit/Random.js"

type Action = "a" | "b" | { status: number }
const engine = (settings: FaultSettings<"x" | "y", Action> & { rate?: number }) =>
  new FaultEngine<"x" | "y", Action, typeof settings>(7, { endpoints: ["x", "y"], rates: ["rate"] }, settings)

describe("fault rules", () => {
  it("every matching rule counts a request for its `after`, even when an earlier rule fires on it", () => {
    const e = engine({ rules: [{ path: "/p", times: 2, action: "a" }, { path: "/p", after: 2, action: "b" }] })
    expect([1, 2, 3, 4].map(() => e.rule("GET", "/p"))).toEqual(["a", "a", "b", "b"])
  })

  it("a string is a prefix of path and query (a trailing * ignored); a RegExp ignores g and y; the method is any case", () => {
    const e = engine({
      rules: [{ path: "/members*", method: "delete", action: "a" }, { path: /limit=\d+$/gy, action: "b" }]
    })
    expect(e.rule("DELETE", "/members/1")).toBe("a")
    expect(e.rule("GET", "/members/1")).toBeUndefined()
    expect(e.rule("GET", "/events?limit=5")).toBe("b")
    expect(e.rule("GET", "/events?limit=5")).toBe("b") // a sticky or global RegExp keeps no state between requests
  })

  it("`applies` narrows matching by action: a request it refuses is not counted", () => {
    const e = engine({ rules: [{ path: "/", after: 1, action: "a" }] })
    expect(e.rule("GET", "/x", () => false)).toBeUndefined()
    expect(e.rule("GET", "/x")).toBeUndefined() // the first counted request
    expect(e.rule("GET", "/x")).toBe("a")
  })

  it("set() starts the counters and the random sequence again", () => {
    const e = engine({ rate: 0.5, rules: [{ path: "/", times: 1, action: "a" }] })
    const first = [e.rule("GET", "/"), e.rule("GET", "/"), ...Array.from({ length: 20 }, () => e.roll(0.5))]
    e.set({ rate: 0.5, rules: [{ path: "/", times: 1, action: "a" }] })
    expect([e.rule("GET", "/"), e.rule("GET", "/"), ...Array.from({ length: 20 }, () => e.roll(0.5))]).toEqual(first)
  })

  it("a latency range is drawn within its bounds; forbid names endpoints", () => {
    const e = engine({ latencyMs: { min: 10, max: 20 }, forbid: ["y"] })
    for (let i = 0; i < 50; i++) expect(e.latency()).toSatisfy((ms: number) => ms >= 10 && ms <= 20)
    expect([e.forbids("x"), e.forbids("y")]).toEqual([false, true])
  })

  it("refuses settings that cannot mean anything", () => {
    expect(() => engine({ rate: 2 })).toThrow(/faults.rate/)
    expect(() => engine({ latencyMs: { min: 5, max: 1 } })).toThrow(/latencyMs/)
    expect(() => engine({ forbid: ["z" as "x"] })).toThrow(/unknown endpoint z/)
    expect(() => engine({ rules: [{ path: "/", action: { status: 42 } }] })).toThrow(/bad status/)
    expect(() => engine({ rules: [{ path: "/", times: -1, action: "a" }] })).toThrow(/times/)
  })
})

describe("the shared PRNG", () => {
  it("streams are independent and repeatable; chance always takes a draw; pick refuses an empty list after its draw", () => {
    const a = Random.of(1, "world")
    const b = Random.of(1, "world")
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()))
    expect(Random.of(1, "roster").next()).not.toBe(Random.of(1, "world").next())
    const c = Random.of(3, "s")
    const d = Random.of(3, "s")
    c.chance(0)
    d.next()
    expect(c.next()).toBe(d.next())
    expect(() => c.pick([])).toThrow(/empty/)
    d.next()
    expect(c.next()).toBe(d.next())
    expect(c.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(c.alphanumeric(52)).toMatch(/^[A-Za-z0-9]{52}$/)
    expect(c.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5])
  })
})
