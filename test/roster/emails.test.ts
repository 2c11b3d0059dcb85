/**
 * Issue 19, "Emails": an address with a fullwidth `＠` instead of `@`, or with two `@`, passed the allowed-domain
 * rule; two memberships whose addresses differ only in case were two people. Now a malformed address is never
 * allowed and is a finding of its own, and one person with two memberships is a duplicate.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { defaultFindingSettings, type FindingSettings } from "../../src/analyses/Findings.js"
import { testStore } from "../support/Pipeline.js"
import { invitation, member } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"
import { findingLines, runWith } from "./Support.js"

const findings: FindingSettings = { ...defaultFindingSettings, allowedDomains: ["acme.example"] }

const state = {
  members: [
    member("m-ok", "viewer", { email: "ok@acme.example" }),
    member("m-fullwidth", "admin", { email: "mallory＠evil.example" }),
    member("m-two-at", "editor", { email: "mallory@evil.example@acme.example" }),
    member("m-case-1", "viewer", { email: "Sam@Acme.example" }),
    member("m-case-2", "admin", { email: "sam@acme.example" }),
    member("m-bot", "viewer", { user_type: "robot", email: null })
  ],
  invitations: [
    invitation("i-fullwidth", { email: "x＠evil.example", expires_at: "2026-03-20T00:00:00Z" }),
    invitation("i-ok", { email: "new@acme.example", expires_at: "2026-03-20T00:00:00Z" })
  ]
}

const RULES = ["access.external_domain", "access.malformed_email", "access.duplicate_person"]

describe("emails judged strictly", () => {
  it.scoped("a look-alike or doubled @ is malformed and never in an allowed domain; a case-only difference is one person", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        yield* runWith(state, "2026-03-10T06:00:00Z", undefined, { findings })
        expect(yield* findingLines(1, RULES)).toEqual([
          "access.duplicate_person sam@acme.example: 2 memberships for one person (addresses differing only in case or by domain alias): Sam@Acme.example (viewer), sam@acme.example (admin)",
          "access.external_domain i-fullwidth: pending member invitation to an address outside the allowed domains (not a well-formed address)",
          "access.external_domain m-fullwidth: admin with an address outside the allowed domains (not a well-formed address)",
          "access.external_domain m-two-at: editor with an address outside the allowed domains (not a well-formed address)",
          "access.malformed_email i-fullwidth: pending member invitation to an address that is not a well-formed email address",
          "access.malformed_email m-fullwidth: admin whose address is not a well-formed email address: no domain rule can judge it",
          "access.malformed_email m-two-at: editor whose address is not a well-formed email address: no domain rule can judge it"
        ])
      }).pipe(Effect.provide(testStore(dir)))
    }))

  it.scoped("without allowed domains the domain rule is off, but malformed and duplicate people are still reported", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        yield* runWith(state, "2026-03-10T06:00:00Z", undefined)
        const rules = (yield* findingLines(1, RULES)).map((line) => line.split(":")[0])
        expect(rules).toEqual([
          "access.duplicate_person sam@acme.example",
          "access.malformed_email i-fullwidth",
          "access.malformed_email m-fullwidth",
          "access.malformed_email m-two-at"
        ])
      }).pipe(Effect.provide(testStore(dir)))
    }))
})
