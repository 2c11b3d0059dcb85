import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { defaultFindingSettings } from "../../src/analyses/Findings.js"
import { runAudit } from "../../src/job/AuditJob.js"
import type { MemberRecord, TokenRecord } from "../../src/snapshot/Records.js"
import { Database } from "../../src/store/Database.js"
import { fakeSource, type FakeState } from "../support/FakeSource.js"
import { testStore } from "../support/Pipeline.js"
import { tempDir } from "../support/TempDir.js"

const member = (id: string, role: string, extra: Record<string, unknown> = {}): MemberRecord => {
  const raw = { id, user_id: `u-${id}`, user_type: "human", role, email: `${id}@acme.test`, ...extra }
  return {
    id,
    user_id: `u-${id}`,
    user_type: "human",
    role,
    display_name: null,
    email: `${id}@acme.test`,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: null,
    access: "direct",
    org_role: null,
    user_status: null,
    last_login_at: null,
    raw
  }
}

const token = (id: string, lastUsed: string | null): TokenRecord => ({
  id,
  robot_id: "robot-1",
  name: null,
  token_suffix: "ab12",
  status: "active",
  created_at: "2026-01-01T00:00:00Z",
  expires_at: null,
  revoked_at: null,
  last_used_at: lastUsed,
  last_used_reported: true,
  raw: { id, token_suffix: "ab12", status: "active", expires_at: null, last_used_at: lastUsed }
})

/** Runs one snapshot of whatever `state` holds, at `day` (2026-02-DD). */
const snapshotOf = (state: FakeState, day: number) =>
  runAudit([{ source: fakeSource(() => state), workspace: Option.some("acme-capital") }], {
    toolVersion: "test",
    now: () => `2026-02-${String(day).padStart(2, "0")}T06:00:00Z`,
    findings: defaultFindingSettings
  })

const rows = (sql: string) => Effect.flatMap(Database, (db) => db.query(sql))

describe("the stored history", () => {
  it.scoped("keeps one version per distinct state and answers 'as of run X' exactly", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const program = Effect.gen(function*() {
        yield* snapshotOf(
          { members: [member("a", "viewer"), member("b", "admin")], robot_tokens: [token("t1", null)] },
          1
        )
        yield* snapshotOf({
          members: [member("a", "member"), member("c", "viewer")],
          robot_tokens: [token("t1", "2026-02-01T10:00:00Z")]
        }, 2)
        yield* snapshotOf({
          members: [member("a", "member"), member("c", "viewer")],
          robot_tokens: [token("t1", "2026-02-02T10:00:00Z")]
        }, 3)

        expect(yield* rows("SELECT id, role FROM members WHERE run_id = 1 ORDER BY id")).toEqual([
          { id: "a", role: "viewer" },
          { id: "b", role: "admin" }
        ])
        expect(yield* rows("SELECT id, role FROM members WHERE run_id = 3 ORDER BY id")).toEqual([
          { id: "a", role: "member" },
          { id: "c", role: "viewer" }
        ])
        // a twice (role changed), b once, c once: unchanged members are not copied per run.
        expect(yield* rows("SELECT count(*) AS n FROM member_versions")).toEqual([{ n: 4 }])
        // last_used_at moves every run without making a new token version; it is observed apart.
        expect(yield* rows("SELECT count(*) AS n FROM robot_token_versions")).toEqual([{ n: 1 }])
        expect(yield* rows("SELECT count(*) AS n FROM robot_token_observations")).toEqual([{ n: 3 }])
        expect(yield* rows("SELECT run_id, last_used_at FROM robot_tokens ORDER BY run_id")).toEqual([
          { run_id: 1, last_used_at: null },
          { run_id: 2, last_used_at: "2026-02-01T10:00:00Z" },
          { run_id: 3, last_used_at: "2026-02-02T10:00:00Z" }
        ])
        // The raw JSON is the payload as sent, volatile fields included (a null stays a null, not a missing key).
        const raws = yield* rows("SELECT run_id, raw FROM robot_tokens ORDER BY run_id")
        expect(JSON.parse(raws[0]!["raw"] as string)).toEqual(token("t1", null).raw)
        expect(JSON.parse(raws[2]!["raw"] as string)).toEqual(token("t1", "2026-02-02T10:00:00Z").raw)
        expect(yield* rows("SELECT run_id, status FROM runs ORDER BY run_id")).toEqual([
          { run_id: 1, status: "complete" },
          { run_id: 2, status: "complete" },
          { run_id: 3, status: "complete" }
        ])
      })
      yield* Effect.provide(program, testStore(dir))
    }))

  it.scoped("a forbidden collection is a gap of its run, never a removal", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const program = Effect.gen(function*() {
        yield* snapshotOf({ members: [member("a", "viewer"), member("b", "admin")] }, 1)
        yield* snapshotOf({ members: { status: "forbidden", detail: "GET /memberships answered 403" } }, 2)
        yield* snapshotOf({ members: [member("a", "viewer"), member("b", "admin")] }, 3)
        expect(yield* rows("SELECT count(*) AS n FROM members WHERE run_id = 2")).toEqual([{ n: 0 }])
        expect(yield* rows("SELECT coverage['members'] AS members FROM runs WHERE run_id = 2")).toEqual([
          { members: "forbidden" }
        ])
        // Nothing ended at run 2, and run 3 found the same two members: still the first two versions.
        expect(yield* rows("SELECT id, valid_from, valid_to FROM member_versions ORDER BY id")).toEqual([
          { id: "a", valid_from: 1, valid_to: null },
          { id: "b", valid_from: 1, valid_to: null }
        ])
      })
      yield* Effect.provide(program, testStore(dir))
    }))

  it.scoped("a run that fails stores nothing but a failed run row", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const program = Effect.gen(function*() {
        yield* snapshotOf({ members: [member("a", "viewer")] }, 1)
        const before = yield* rows("SELECT * FROM member_versions")
        const outcome = yield* snapshotOf({
          members: [member("a", "admin"), member("z", "admin")],
          failWith: "token revoked"
        }, 2)
        expect(outcome.runs.map((r) => r.status)).toEqual(["failed"])
        expect(yield* rows("SELECT * FROM member_versions")).toEqual(before)
        expect(yield* rows("SELECT run_id, status, error FROM runs ORDER BY run_id")).toEqual([
          { run_id: 1, status: "complete", error: null },
          { run_id: 2, status: "failed", error: "token revoked" }
        ])
        expect(yield* rows("SELECT count(*) AS n FROM members WHERE run_id = 2")).toEqual([{ n: 0 }])
      })
      yield* Effect.provide(program, testStore(dir))
    }))

  it.scoped("stores a time with a UTC offset as its instant, to the digit", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const at = (created_at: string) => ({ created_at })
      const program = Effect.gen(function*() {
        yield* snapshotOf({
          members: [
            { ...member("plus", "viewer"), ...at("2026-12-01T23:53:58.387+02:00") },
            { ...member("minus", "viewer"), ...at("2026-12-01T16:53:56.388123-05:00") },
            { ...member("compact", "viewer"), ...at("2026-01-01T01:30+0130") },
            { ...member("utc", "viewer"), ...at("2026-12-01T21:53:56Z") }
          ]
        }, 1)
        expect(yield* rows("SELECT id, epoch_us(created_at) AS us FROM members ORDER BY id")).toEqual([
          { id: "compact", us: Date.parse("2026-01-01T00:00:00Z") * 1000 },
          { id: "minus", us: Date.parse("2026-12-01T21:53:56Z") * 1000 + 388123 },
          { id: "plus", us: Date.parse("2026-12-01T21:53:58Z") * 1000 + 387000 },
          { id: "utc", us: Date.parse("2026-12-01T21:53:56Z") * 1000 }
        ])
      })
      yield* Effect.provide(program, testStore(dir))
    }))
})
