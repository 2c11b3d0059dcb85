/** `startSimulation`, as the demo and `simulate` use it: a read token, a separate write token, the directory, what it prints. */
import { Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import { startSimulation } from "../../src/simulator/Simulators.js"

describe("a running simulation", () => {
  for (const source of ["ptolemy", "transactionlink"] as const) {
    it(`${source}: the write token is not the read token, works for a write, and is printed; roster() is the directory now`, async () => {
      await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function*() {
            const sim = yield* startSimulation({ source, size: "tiny" })
            expect(sim.writeToken).not.toBe(sim.token)
            const printed = sim.describe().join("\n")
            expect(printed).toContain(sim.writeToken)
            expect(printed).toContain(sim.token)
            expect(sim.roster().split("\n")[0]).toBe("email,status,terminated_on,name,manager,department")
            // A write the read token may not make and the write token may: a request any API answers.
            const auth = (token: string) => (source === "ptolemy" ? `Bearer ${token}` : token)
            const unknown = "00000000-0000-4000-8000-000000000000"
            const target = source === "ptolemy"
              ? `${sim.url}/workspaces/${Option.getOrThrow(sim.workspace)}/memberships/${unknown}`
              : yield* Effect.promise(async () => {
                const r = await fetch(`${sim.url}/organizations/workspaces`, { headers: { authorization: sim.token } })
                const first = ((await r.json()) as Array<{ id: string }>)[0]!.id
                return `${sim.url}/organizations/workspaces/${first}/memberships/${unknown}`
              })
            const read = yield* Effect.promise(() =>
              fetch(target, { method: "DELETE", headers: { authorization: auth(sim.token) } })
            )
            const write = yield* Effect.promise(() =>
              fetch(target, { method: "DELETE", headers: { authorization: auth(sim.writeToken) } })
            )
            // The read token is refused (403); the write token gets as far as finding no such membership (404).
            expect([read.status, write.status]).toEqual([403, 404])
          })
        )
      )
    })
  }
})
