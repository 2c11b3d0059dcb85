import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { query, snapshotAt, testStore } from "../support/Pipeline.js"
import { event, invitation, member, robot, token, usage, webhook } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"

const day = (d: number) => `2026-02-${String(d).padStart(2, "0")}T06:00:00Z`

const before = {
  members: [member("ann", "admin"), member("bob", "viewer"), member("cat", "member")],
  robots: [robot("r1"), robot("r2")],
  robot_tokens: [
    token("t1", "r1"),
    token("t2", "r1"),
    token("t3", "r2"),
    token("t5", "r1", { last_used_at: "2026-01-31T08:00:00Z" })
  ],
  invitations: [invitation("i1"), invitation("i2"), invitation("i3"), invitation("i4")],
  webhooks: [webhook("w1", "https://hooks.acme.test/a"), webhook("w2", "https://hooks.acme.test/b")],
  plan_usage: [usage("seats", 10, 50), usage("api_calls", 100, 10000), usage("webhooks", 2, 10)]
}

/** One of every change type between day 1 and day 2. */
const after = {
  members: [member("ann", "admin"), member("bob", "editor"), member("dan", "viewer")], // cat removed, dan added
  robots: [robot("r1"), robot("r3")], // r2 removed, r3 added
  robot_tokens: [
    token("t1", "r1", { status: "revoked", revoked_at: "2026-02-01T12:00:00Z" }),
    token("t2", "r1", { status: "expired" }),
    token("t4", "r3"),
    token("t5", "r1", { last_used_at: "2026-02-01T23:00:00Z" }) // used again: volatile, not a change
  ], // t3 vanished with r2 (revoked), t4 created
  invitations: [
    invitation("i1", { status: "accepted" }),
    invitation("i2", { status: "revoked" }),
    invitation("i3", { status: "expired" }),
    invitation("i4"),
    invitation("i5")
  ],
  webhooks: [webhook("w1", "http://hooks.acme.test/a"), webhook("w3", "https://hooks.acme.test/c")],
  // webhooks: only its usage moved, which is not a change; the plan moved to enterprise on every dimension.
  plan_usage: [
    usage("seats", 11, 60, "enterprise"),
    usage("api_calls", 900, 10000, "enterprise"),
    usage("webhooks", 3, 10, "enterprise")
  ],
  events: [
    event("e1", "membership.updated", "bob", "2026-02-01T09:00:00Z", "ann"),
    event("e0", "membership.updated", "bob", "2026-01-15T09:00:00Z", "old-actor") // before the window: not the actor
  ]
}

describe("changes between consecutive runs", () => {
  it.scoped("finds every change type exactly once, with old and new values and the actor from the event log", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* snapshotAt(before, day(1))
          yield* snapshotAt(after, day(2))
          const changes = yield* query(
            `SELECT change_type, entity_id, old_value, new_value, previous_run_id, actor_id
             FROM changes ORDER BY change_type, entity_id`
          )
          const byType = changes.map((c) => `${c["change_type"]} ${c["entity_id"]}`)
          expect(byType).toEqual([
            "invitation_accepted i1",
            "invitation_expired i3",
            "invitation_revoked i2",
            "invitation_sent i5",
            "limit_changed seats",
            "member_added dan",
            "member_removed cat",
            "plan_changed api_calls",
            "robot_added r3",
            "robot_removed r2",
            "role_changed bob",
            "token_created t4",
            "token_expired t2",
            "token_revoked t1",
            "token_revoked t3",
            "webhook_added w3",
            "webhook_changed w1",
            "webhook_removed w2"
          ])
          const role = changes.find((c) => c["change_type"] === "role_changed")!
          expect(role).toMatchObject({ old_value: "viewer", new_value: "editor", previous_run_id: 1, actor_id: "ann" })
          expect(changes.find((c) => c["change_type"] === "limit_changed")).toMatchObject({
            old_value: "50",
            new_value: "60"
          })
          expect(changes.find((c) => c["change_type"] === "plan_changed")).toMatchObject({
            old_value: "growth",
            new_value: "enterprise"
          })
          // A dimension whose usage alone moved, and a token whose last use alone moved, changed nothing.
          expect(changes.filter((c) => c["entity_id"] === "webhooks" || c["entity_id"] === "t5")).toEqual([])
          const t5 = yield* query("SELECT run_id, last_used_at FROM robot_tokens WHERE id = 't5' ORDER BY run_id")
          expect(t5).toEqual([
            { run_id: 1, last_used_at: "2026-01-31T08:00:00Z" },
            { run_id: 2, last_used_at: "2026-02-01T23:00:00Z" }
          ])
        }),
        testStore(dir)
      )
    }))

  it.scoped("the first run is a baseline, and a collection that was forbidden or failed never produces removals", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* snapshotAt(before, day(1))
          expect(yield* query("SELECT count(*) AS n FROM changes")).toEqual([{ n: 0 }])
          yield* snapshotAt({ ...before, members: { status: "forbidden", detail: "403" } }, day(2))
          yield* snapshotAt(
            {
              ...before,
              members: { status: "failed", detail: "500" },
              robot_tokens: { status: "failed", detail: "500" }
            },
            day(3)
          )
          expect(yield* query("SELECT count(*) AS n FROM changes")).toEqual([{ n: 0 }])
          // Day 4 reads members again: compared with day 1 (the last run that read them), one change.
          yield* snapshotAt({ ...before, members: [...before.members, member("eve", "viewer")] }, day(4))
          expect(yield* query("SELECT change_type, entity_id, previous_run_id FROM changes")).toEqual([
            { change_type: "member_added", entity_id: "eve", previous_run_id: 1 }
          ])
        }),
        testStore(dir)
      )
    }))

  it.scoped("a window nets: added and removed inside it is itemised but nets to nothing", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          const base = { members: [member("ann", "admin"), member("bob", "viewer")] }
          yield* snapshotAt(base, day(1))
          yield* snapshotAt({ members: [...base.members, member("tmp", "admin")] }, day(2))
          yield* snapshotAt({ members: [member("ann", "admin"), member("bob", "member")] }, day(3))
          yield* snapshotAt({ members: [member("ann", "admin"), member("bob", "editor")] }, day(4))
          expect(
            yield* query(
              "SELECT change_type, entity_id FROM changes WHERE run_id > 1 AND run_id <= 4 ORDER BY run_id, change_type"
            )
          ).toEqual([
            { change_type: "member_added", entity_id: "tmp" },
            { change_type: "member_removed", entity_id: "tmp" },
            { change_type: "role_changed", entity_id: "bob" },
            { change_type: "role_changed", entity_id: "bob" }
          ])
          const ws = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
          expect(
            yield* query(
              `SELECT change_type, entity_id, old_value, new_value FROM window_changes('ptolemy', '${ws}', 1, 4)`
            )
          ).toEqual([{ change_type: "role_changed", entity_id: "bob", old_value: "viewer", new_value: "editor" }])
        }),
        testStore(dir)
      )
    }))
})
