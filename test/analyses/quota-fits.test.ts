import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { query, snapshotAt, testStore } from "../support/Pipeline.js"
import { usage } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"

const growth = query(
  `SELECT run_id, dimension, growth_per_day, growth_per_day IS NULL AS unknown, projected_exhaustion_at
   FROM quota_fits ORDER BY run_id, dimension`
)

describe("quota fits", () => {
  it.scoped("a first run has no growth yet: NULL, as documented, never NaN", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* snapshotAt(
            { plan_usage: [usage("seats", 10, 50), usage("api_calls", 100, 10000)] },
            "2026-03-01T06:00:00Z"
          )
          expect(yield* growth).toEqual([
            { run_id: 1, dimension: "api_calls", growth_per_day: null, unknown: true, projected_exhaustion_at: null },
            { run_id: 1, dimension: "seats", growth_per_day: null, unknown: true, projected_exhaustion_at: null }
          ])
          // Two runs at the same instant are still one point in time: no slope.
          yield* snapshotAt({ plan_usage: [usage("seats", 12, 50)] }, "2026-03-01T06:00:00Z")
          const second = (yield* growth).filter((r) => r["run_id"] === 2)
          expect(second).toEqual([
            { run_id: 2, dimension: "seats", growth_per_day: null, unknown: true, projected_exhaustion_at: null }
          ])
          // A day later at 14 seats: 12 then 14 one day apart (and 10 at the same instant as 12) is a fit of
          // slope (by least squares over (0, 10), (0, 12), (1, 14)) 3 seats a day; 36 left at 3 a day is 12 days.
          yield* snapshotAt({ plan_usage: [usage("seats", 14, 50)] }, "2026-03-02T06:00:00Z")
          const [third, ...more] = (yield* growth).filter((r) => r["run_id"] === 3)
          expect(more).toEqual([])
          expect(third).toMatchObject({ run_id: 3, dimension: "seats", unknown: false })
          expect(third!["growth_per_day"]).toBeCloseTo(3, 9)
          expect(Math.abs(Date.parse(String(third!["projected_exhaustion_at"])) - Date.parse("2026-03-14T06:00:00Z")))
            .toBeLessThan(1000)
        }),
        testStore(dir)
      )
    }))
})
