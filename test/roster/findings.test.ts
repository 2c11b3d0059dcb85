/**
 * Members and robots judged against the people directory: matching (case and spaces, domain aliases, a person's own
 * aliases, two rows for one address), each rule of people.sql with its detail worked out by hand, thresholds and
 * suppressions, and what a roster that is a gap (or a members gap) does and does not conclude.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { defaultFindingSettings, defaultThresholds, type FindingSettings } from "../../src/analyses/Findings.js"
import { verifyChain } from "../../src/history/Integrity.js"
import type { PeopleSettings } from "../../src/roster/PeopleSettings.js"
import { Database } from "../../src/store/Database.js"
import type { FakeState } from "../support/FakeSource.js"
import { testStore } from "../support/Pipeline.js"
import { event, member, robot, token } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"
import { findingLines, rosterFile, rows, runWith } from "./Support.js"

const RULES = [
  "access.leaver",
  "access.unknown_person",
  "access.ambiguous_person",
  "robot.no_owner",
  "robot.owner_left"
]

const roster = [
  "email,status,terminated_on,name,aliases",
  "ada@acme.example,active,,Ada,",
  "alan.turing@acme.example,terminated,2026-02-27,Alan,",
  "edsger.dijkstra@acme.example,suspended,2026-03-02,Edsger,edsger@acme.io",
  "grace.hopper@acme.example,active,,Grace,",
  "barbara@acme.example,pending,,Barbara,",
  "pat@acme.example,active,,Pat,",
  "Pat@Acme.example,terminated,2026-01-15,Pat again,",
  ""
].join("\n")

const members = [
  member("m-ada", "editor", { email: "ada@acme.example" }),
  // Case and surrounding spaces do not make another person.
  member("m-alan", "admin", { email: " Alan.Turing@ACME.example " }),
  // Matched through the person's own alias.
  member("m-eds", "viewer", { email: "edsger@acme.io" }),
  // Matched through the configured domain alias acme.io = acme.example.
  member("m-grace", "viewer", { email: "grace.hopper@acme.io" }),
  // Pending: not a leaver.
  member("m-barbara", "viewer", { email: "barbara@acme.example" }),
  // Two rows of the directory: reported, not guessed.
  member("m-pat", "member", { email: "pat@acme.example" }),
  member("m-eve", "viewer", { email: "eve@gmail.example" }),
  // An allowed external pattern.
  member("m-kim", "viewer", { email: "kim@agency.example" }),
  member("m-noaddr", "viewer", { email: null }),
  member("m-robot", "viewer", { user_type: "robot", email: null })
]

const state: FakeState = {
  members,
  robots: [
    robot("bot-cfg", "member", { display_name: "cfg-bot" }),
    robot("bot-evt"),
    robot("bot-none"),
    robot("bot-ok")
  ],
  robot_tokens: [
    token("t-cfg1", "bot-cfg"),
    token("t-cfg2", "bot-cfg", { status: "revoked", revoked_at: "2026-02-01T00:00:00Z" }),
    token("t-okk1", "bot-ok")
  ],
  // bot-evt's membership was created by m-alan's user.
  events: [event("e-1", "membership.created", "m-bot-evt", "2026-01-05T10:00:00Z", "u-m-alan")]
}

const people: PeopleSettings = {
  domainAliases: [["acme.example", "acme.io"]],
  externalPeople: ["*@agency.example"],
  owners: { "cfg-bot": "edsger.dijkstra@acme.example", "bot-ok": "grace.hopper@acme.example" }
}

const at = "2026-03-10T06:00:00Z"

const expected = [
  "access.ambiguous_person m-pat: matches 2 rows of the directory: pat@acme.example (active), Pat@Acme.example (terminated); not judged until the directory has one row for this address",
  "access.leaver m-alan: terminated in the directory since 2026-02-27 (11 days ago) and still holds direct admin access",
  "access.leaver m-eds: suspended in the directory since 2026-03-02 (8 days ago) and still holds direct viewer access",
  "access.unknown_person m-eve: is in no row of the directory and matches no allowed external pattern (viewer access)",
  "access.unknown_person m-noaddr: has no address to look up in the directory (viewer access)",
  "robot.no_owner bot-none: no owner: none in the config file's owners, and the event log does not say who created it",
  "robot.owner_left bot-cfg: owner edsger.dijkstra@acme.example (from the config file) is suspended in the directory since 2026-03-02 (8 days ago); 1 active token: …cfg1",
  "robot.owner_left bot-evt: owner Alan.Turing@ACME.example (created it, per the event log) is terminated in the directory since 2026-02-27 (11 days ago); it has no active token"
]

describe("the people directory's rules", () => {
  it.scoped("each rule on the members and robots it concerns, and on no one else", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        const result = yield* runWith(state, at, rosterFile(dir, "people.csv", roster), { people })
        expect(result.runs.map((r) => r.status)).toEqual(["complete"])
        expect(yield* findingLines(1, RULES)).toEqual(expected)
        const severities = yield* rows(
          `SELECT DISTINCT rule_id || ' ' || severity || ' ' || collection AS s FROM findings
           WHERE run_id = 1 AND rule_id IN ('access.leaver', 'access.unknown_person', 'access.ambiguous_person', 'robot.no_owner', 'robot.owner_left')
           ORDER BY s`
        )
        expect(severities.map((r) => r["s"])).toEqual([
          "access.ambiguous_person medium people",
          "access.leaver high people",
          "access.unknown_person medium people",
          "robot.no_owner medium people",
          "robot.owner_left high people"
        ])
        // The roster and its people are stored with the run, and the chain covers them.
        expect(yield* rows("SELECT file_name, format, \"rows\" FROM rosters")).toEqual([{
          file_name: "people.csv",
          format: "plain",
          rows: 7
        }])
        expect((yield* rows("SELECT count(*) AS n FROM people WHERE run_id = 1"))[0]).toEqual({ n: 7 })
        const db = yield* Database
        expect((yield* verifyChain(db)).breaches).toEqual([])
        yield* db.execute("UPDATE people_versions SET status = 'active' WHERE id = 'alan.turing@acme.example'")
        expect((yield* verifyChain(db)).breaches.map((b) => b.run_id)).toEqual([1])
      }).pipe(Effect.provide(testStore(dir)))
    }))

  it.scoped("without the domain alias and the external pattern, those members are unknown", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        yield* runWith(state, at, rosterFile(dir, "people.csv", roster), {
          people: { ...people, domainAliases: [], externalPeople: [] }
        })
        const unknown = (yield* findingLines(1, ["access.unknown_person"])).map((line) => line.split(":")[0])
        expect(unknown).toEqual([
          "access.unknown_person m-eve",
          "access.unknown_person m-grace",
          "access.unknown_person m-kim",
          "access.unknown_person m-noaddr"
        ])
      }).pipe(Effect.provide(testStore(dir)))
    }))

  it.scoped("leaver_grace_days holds back a fresh leaver; a suppressed leaver stays visible and marked", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const findings: FindingSettings = {
        ...defaultFindingSettings,
        thresholds: { ...defaultThresholds, leaver_grace_days: 9 },
        suppressions: [{
          rule: "access.leaver",
          entity: " Alan.Turing@ACME.example ",
          reason: "leaving party on Friday, HR-77",
          expires: "2026-04-01"
        }]
      }
      yield* Effect.gen(function*() {
        yield* runWith(state, at, rosterFile(dir, "people.csv", roster), { people, findings })
        expect(
          yield* rows(
            "SELECT entity_id, suppressed, suppression_reason FROM findings WHERE run_id = 1 AND rule_id = 'access.leaver'"
          )
        ).toEqual([
          { entity_id: "m-alan", suppressed: true, suppression_reason: "leaving party on Friday, HR-77" }
        ])
      }).pipe(Effect.provide(testStore(dir)))
    }))

  it.scoped("a directory that gives no date: the leaver is dated by the first run that saw them gone", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const entra = (enabled: string) =>
        `userPrincipalName,displayName,mail,accountEnabled\r\nalan.turing@acme.example,Alan Turing,alan.turing@acme.example,${enabled}\r\n`
      const alan: FakeState = { members: [member("m-alan", "viewer", { email: "alan.turing@acme.example" })] }
      yield* Effect.gen(function*() {
        yield* runWith(alan, "2026-03-01T06:00:00Z", rosterFile(dir, "users.csv", entra("True")))
        yield* runWith(alan, "2026-03-02T06:00:00Z", rosterFile(dir, "users.csv", entra("False")))
        yield* runWith(alan, "2026-03-05T06:00:00Z", rosterFile(dir, "users.csv", entra("False")))
        expect(yield* findingLines(1, RULES)).toEqual([])
        expect(yield* findingLines(3, RULES)).toEqual([
          "access.leaver m-alan: suspended in the directory as first seen on 2026-03-02 (3 days ago; the export gives no date) and still holds direct viewer access"
        ])
      }).pipe(Effect.provide(testStore(dir)))
    }))

  it.scoped("a roster that cannot be parsed is a gap naming its line: the run's other data is stored, no phantom finding is raised, none is closed", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const later: FakeState = {
        ...state,
        // A newcomer no directory knows yet, and Eve (unknown) gone: neither may change anything while the roster is a gap.
        members: [...members.filter((m) => m.id !== "m-eve"), member("m-new", "viewer", { email: "new@acme.example" })]
      }
      const broken = roster.replace("barbara@acme.example,pending", "barbara@acme.example,on sabbatical")
      yield* Effect.gen(function*() {
        yield* runWith(state, at, rosterFile(dir, "people.csv", roster), { people })
        const second = yield* runWith(later, "2026-03-11T06:00:00Z", rosterFile(dir, "people.csv", broken), { people })
        expect(second.runs[0]!.status).toBe("incomplete")
        expect(
          yield* rows(
            "SELECT collection, status, rows, detail FROM coverage WHERE run_id = 2 AND collection IN ('roster', 'people', 'members') ORDER BY collection"
          )
        ).toEqual([
          { collection: "members", status: "complete", rows: 10, detail: null },
          {
            collection: "people",
            status: "failed",
            rows: null,
            detail:
              "The roster people.csv line 6: status \"on sabbatical\" is not one of active, pending, suspended, deprovisioned, terminated; no one was matched against it in this run."
          },
          { collection: "roster", status: "complete", rows: 1, detail: null }
        ])
        // The file as read is kept (its hash), its people are not.
        expect(yield* rows("SELECT run_id, format, \"rows\" FROM rosters ORDER BY run_id")).toEqual([
          { run_id: 1, format: "plain", rows: 7 },
          { run_id: 2, format: "plain", rows: null }
        ])
        expect(yield* rows("SELECT count(*) AS n FROM people WHERE run_id = 2")).toEqual([{ n: 0 }])
        expect(yield* rows("SELECT count(*) AS n FROM members WHERE run_id = 2")).toEqual([{ n: 10 }])
        // The last run's findings are carried as they were (same first run), nothing about the newcomer.
        const carried = yield* rows(
          `SELECT rule_id, entity_id, first_seen_run_id FROM findings WHERE run_id = 2 AND collection = 'people' AND rule_id <> 'coverage.gap' ORDER BY rule_id, entity_id`
        )
        expect(carried.map((f) => `${f["rule_id"]} ${f["entity_id"]} ${f["first_seen_run_id"]}`)).toEqual(
          expected.map((line) => `${line.split(":")[0]} 1`)
        )
        expect(yield* rows("SELECT rule_id, entity_id FROM findings WHERE run_id = 2 AND rule_id = 'coverage.gap'"))
          .toEqual([
            { rule_id: "coverage.gap", entity_id: "people" }
          ])
        // Without a roster at all, the people directory is not applicable (and the run complete).
        const third = yield* runWith(later, "2026-03-12T06:00:00Z", undefined, { people })
        expect(third.runs[0]!.status).toBe("complete")
        expect(
          yield* rows(
            "SELECT collection, status FROM coverage WHERE run_id = 3 AND collection IN ('roster', 'people') ORDER BY collection"
          )
        ).toEqual([
          { collection: "people", status: "not_applicable" },
          { collection: "roster", status: "not_applicable" }
        ])
        expect((yield* verifyChain(yield* Database)).breaches).toEqual([])
      }).pipe(Effect.provide(testStore(dir)))
    }))

  it.scoped("a run that could not read its members repeats the member rules' findings, and the next complete one judges afresh", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        yield* runWith(state, at, rosterFile(dir, "people.csv", roster), { people })
        yield* runWith(
          { ...state, members: { status: "forbidden", detail: "403" } },
          "2026-03-11T06:00:00Z",
          rosterFile(dir, "people.csv", roster),
          { people }
        )
        const second = yield* rows(
          "SELECT rule_id, entity_id, first_seen_run_id FROM findings WHERE run_id = 2 AND rule_id LIKE 'access.%' AND collection = 'people' ORDER BY ALL"
        )
        expect(second.map((f) => `${f["rule_id"]} ${f["entity_id"]} ${f["first_seen_run_id"]}`)).toEqual([
          "access.ambiguous_person m-pat 1",
          "access.leaver m-alan 1",
          "access.leaver m-eds 1",
          "access.unknown_person m-eve 1",
          "access.unknown_person m-noaddr 1"
        ])
        // Eve removed upstream: the next complete run closes her finding.
        yield* runWith(
          { ...state, members: members.filter((m) => m.id !== "m-eve") },
          "2026-03-12T06:00:00Z",
          rosterFile(dir, "people.csv", roster),
          { people }
        )
        expect(yield* rows("SELECT count(*) AS n FROM findings WHERE run_id = 3 AND entity_id = 'm-eve'")).toEqual([{
          n: 0
        }])
      }).pipe(Effect.provide(testStore(dir)))
    }))
})
