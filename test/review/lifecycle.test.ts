import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { verifyLedger } from "../../src/history/Ledger.js"
import { startCampaign } from "../../src/review/Freeze.js"
import { importDecisions } from "../../src/review/RecordDecisions.js"
import { closeCampaign } from "../../src/review/SignOff.js"
import type { MemberRecord, TokenRecord } from "../../src/snapshot/Records.js"
import { Database } from "../../src/store/Database.js"
import { query, snapshotAt } from "../support/Pipeline.js"
import { tempDir } from "../support/TempDir.js"
import { fillWorkbook, KEYS, population, reviewLayer } from "./support.js"

const by = { Reviewer: "cat@acme.test", "Reviewed on": "2026-02-04" }

/** A campaign on run 1 due 2026-02-10, with Bob, the unused token and Eve's invitation to be removed. */
const campaignWithRemovals = (dir: string, decided: Record<string, Record<string, string>>) =>
  Effect.gen(function*() {
    yield* snapshotAt(population(), "2026-02-01T06:00:00Z")
    const db = yield* Database
    const campaign = yield* startCampaign(db, {
      runId: 1,
      period: null,
      reviewers: [],
      dueOn: "2026-02-10",
      now: new Date("2026-02-02T09:00:00Z"),
      reports: dir
    })
    const filled = yield* Effect.promise(() => fillWorkbook(campaign.files.workbook, join(dir, "filled.xlsx"), decided))
    yield* importDecisions(db, {
      file: filled,
      campaignId: null,
      reviewer: null,
      now: new Date("2026-02-05T12:00:00Z")
    })
    return campaign
  })

const removals = {
  [KEYS.bob]: { Decision: "Remove", ...by },
  [KEYS.token2]: { Decision: "Remove", ...by },
  [KEYS.eve]: { Decision: "Remove", ...by },
  [KEYS.cat]: { Decision: "Change role", "New role": "member", Reviewer: "ann@acme.test", "Reviewed on": "2026-02-04" }
}

const findingsOf = (runId: number, rule: string) =>
  query(
    `SELECT entity_type, entity_id FROM findings WHERE run_id = ${runId} AND rule_id = '${rule}' ORDER BY entity_id`
  )

describe("a campaign's life after the import", () => {
  it.scoped("a sign-off is refused while privileged items are undecided, then recorded in the chain that verify checks", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* campaignWithRemovals(dir, { ...removals, [KEYS.ann]: { Decision: "Keep", ...by } })
          const db = yield* Database
          const close = (acceptUndecided: string | null) =>
            closeCampaign(db, {
              campaignId: "1",
              signedBy: "Grace CISO",
              acceptUndecided,
              now: new Date("2026-02-08T10:00:00Z")
            })
          // Dan's admin invitation is still undecided.
          const refusedClose = yield* Effect.flip(close(null))
          expect(refusedClose.message).toContain("1 undecided privileged item")
          const signed = yield* close("Dan's invitation expires before anyone could accept it")
          expect(signed.campaign).toMatchObject({
            status: "closed",
            signed_by: "Grace CISO",
            signed_at: "2026-02-08T10:00:00Z",
            decided: 5,
            undecided_privileged: 1,
            accepted_undecided: "Dan's invitation expires before anyone could accept it"
          })
          expect(signed.outcomesHash).toMatch(/^[0-9a-f]{64}$/)
          expect(yield* Effect.flip(close("again"))).toMatchObject({ reason: "Refused" })
          expect(yield* verifyLedger(db)).toEqual({ entries: 3, breaches: [] })
          // A decision edited in the database no longer verifies; its entry is named.
          yield* db.execute(`UPDATE review_decision_log SET decision = 'keep' WHERE item_key = '${KEYS.bob}'`)
          const edited = yield* verifyLedger(db)
          expect(edited.breaches.map((b) => [b.entry_id, b.kind])).toEqual([[2, "review.decisions"]])
          yield* db.execute(`UPDATE review_decision_log SET decision = 'remove' WHERE item_key = '${KEYS.bob}'`)
          expect((yield* verifyLedger(db)).breaches).toEqual([])
          // So does an edited sign-off.
          yield* db.execute("UPDATE review_signoff_log SET signed_by = 'Someone Else'")
          expect((yield* verifyLedger(db)).breaches.map((b) => [b.entry_id, b.kind])).toEqual([[3, "review.closed"]])
        }),
        reviewLayer(dir)
      )
    }))

  it.scoped("review.remove_pending fires while a removed member, token or invitation is still there, and closes when it is gone", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* campaignWithRemovals(dir, removals)
          const before = population()
          // Run 2: nothing carried out yet.
          yield* snapshotAt(before, "2026-02-06T06:00:00Z")
          expect(yield* findingsOf(2, "review.remove_pending")).toEqual([
            { entity_type: "member", entity_id: "bob" },
            { entity_type: "invitation", entity_id: "eve" },
            { entity_type: "robot_token", entity_id: "tok-0002" }
          ])
          // Run 3: Bob removed, the token revoked, Cat made a member; Eve's invitation still pending.
          const after = {
            ...before,
            members: (before.members as ReadonlyArray<MemberRecord>).filter((m) => m.id !== "bob").map((
              m
            ) => (m.id === "cat" ? { ...m, role: "member" } : m)),
            robot_tokens: (before.robot_tokens as ReadonlyArray<TokenRecord>).map((
              t
            ) => (t.id === "tok-0002" ? { ...t, status: "revoked", revoked_at: "2026-02-06T12:00:00Z" } : t))
          } as typeof before
          yield* snapshotAt(after, "2026-02-07T06:00:00Z")
          expect(yield* findingsOf(3, "review.remove_pending")).toEqual([{
            entity_type: "invitation",
            entity_id: "eve"
          }])
          const [eve] = yield* query(
            "SELECT detail, first_seen_run_id FROM findings WHERE run_id = 3 AND rule_id = 'review.remove_pending'"
          )
          expect(eve).toEqual({
            detail: "Remove decided in review campaign 1 (cat@acme.test, 2026-02-04); the invitation is still pending",
            first_seen_run_id: 2
          })
          // The changes that carried the decisions out are linked to them.
          expect(
            yield* query(
              "SELECT item_key, decision, status, change_run_id, change_type FROM review_carried_out ORDER BY item_key"
            )
          ).toEqual([
            { item_key: KEYS.eve, decision: "remove", status: "pending", change_run_id: null, change_type: null },
            {
              item_key: KEYS.bob,
              decision: "remove",
              status: "carried_out",
              change_run_id: 3,
              change_type: "member_removed"
            },
            {
              item_key: KEYS.cat,
              decision: "change_role",
              status: "carried_out",
              change_run_id: 3,
              change_type: "role_changed"
            },
            {
              item_key: KEYS.token2,
              decision: "remove",
              status: "carried_out",
              change_run_id: 3,
              change_type: "token_revoked"
            }
          ])
        }),
        reviewLayer(dir)
      )
    }))

  it.scoped("review.overdue fires for a campaign past its due date with undecided items, and stops once it is signed off", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* campaignWithRemovals(dir, { [KEYS.ann]: { Decision: "Keep", ...by } })
          // Due 2026-02-10: not yet overdue on the 10th, overdue on the 11th.
          yield* snapshotAt(population(), "2026-02-10T23:00:00Z")
          expect(yield* findingsOf(2, "review.overdue")).toEqual([])
          yield* snapshotAt(population(), "2026-02-11T06:00:00Z")
          expect(
            yield* query(
              "SELECT entity_type, entity_id, severity, detail FROM findings WHERE run_id = 3 AND rule_id = 'review.overdue'"
            )
          ).toEqual([
            {
              entity_type: "review_campaign",
              entity_id: "1",
              severity: "medium",
              detail: "due 2026-02-10: 7 of 8 items undecided (1 privileged)"
            }
          ])
          const db = yield* Database
          yield* closeCampaign(db, {
            campaignId: "1",
            signedBy: "Grace",
            acceptUndecided: "the rest goes to the next quarter",
            now: new Date("2026-02-11T08:00:00Z")
          })
          yield* snapshotAt(population(), "2026-02-12T06:00:00Z")
          expect(yield* findingsOf(4, "review.overdue")).toEqual([])
          // The run's own integrity still verifies with the review findings in it.
          expect(
            (yield* query("SELECT count(*)::INTEGER AS n FROM run_integrity WHERE content_hash <> recomputed_hash"))[0]
          ).toEqual({ n: 0 })
        }),
        reviewLayer(dir)
      )
    }))

  it.scoped("a second campaign waits until the open one is signed off; an incomplete run cannot be frozen", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* campaignWithRemovals(dir, {})
          const db = yield* Database
          const start = (runId: number) =>
            startCampaign(db, {
              runId,
              period: null,
              reviewers: [],
              dueOn: null,
              now: new Date("2026-02-09T09:00:00Z"),
              reports: dir
            })
          yield* snapshotAt(
            { ...population(), invitations: { status: "forbidden", detail: "403" } },
            "2026-02-09T06:00:00Z"
          )
          expect((yield* Effect.flip(start(1))).message).toContain("Campaign 1 of Acme Capital is still open")
          yield* closeCampaign(db, {
            campaignId: "1",
            signedBy: "Grace",
            acceptUndecided: "test",
            now: new Date("2026-02-09T08:00:00Z")
          })
          expect((yield* Effect.flip(start(2))).message).toContain("Run 2 is incomplete (invitations forbidden)")
          const second = yield* start(1)
          expect(second.campaignId).toBe("2")
        }),
        reviewLayer(dir)
      )
    }))
})
