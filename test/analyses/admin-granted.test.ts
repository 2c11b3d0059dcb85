import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { query, snapshotAt, testStore } from "../support/Pipeline.js"
import { event, member } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"

const at = (d: number) => `2026-03-0${d}T06:00:00Z`

const state = (d: number) => ({
  members: [
    member("ann", "admin"),
    member("bob", d === 1 ? "viewer" : d === 2 ? "admin" : "editor"),
    member("cat", "editor"),
    ...(d >= 2 ? [member("dan", "admin")] : [])
  ],
  // Bob's promotion is in the access log, an hour before the second run; Dan's arrival is not.
  events: d === 2 ? [event("e1", "membership.updated", "bob", "2026-03-02T05:00:00Z", "admin-1")] : []
})

describe("access.admin_granted", () => {
  it.scoped("fires in the run that saw an admin grant, saying how, by whom and when; not for a demotion; once", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const hits = yield* Effect.provide(
        Effect.gen(function*() {
          for (let d = 1; d <= 3; d++) yield* snapshotAt(state(d), at(d))
          return yield* query(
            `SELECT run_id, entity_id, severity, detail, is_new FROM findings
             WHERE rule_id = 'access.admin_granted' ORDER BY run_id, entity_id`
          )
        }),
        testStore(dir)
      )
      expect(hits).toEqual([
        {
          run_id: 2,
          entity_id: "bob",
          severity: "medium",
          detail: "role changed from viewer to admin by Ada (admin-1) at 2026-03-02 05:00 UTC",
          is_new: true
        },
        {
          run_id: 2,
          entity_id: "dan",
          severity: "medium",
          detail: "joined as admin (the access log does not say by whom)",
          is_new: true
        }
      ])
    }))
})
