/**
 * One grammar of email addresses for the roster (src/roster/Email.ts) and the rules (email_address in
 * analyses/foundations.sql), held to one table of cases: what a domain rule may trust, and what it must not.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { parseEmail } from "../../src/roster/Email.js"
import { Database, param } from "../../src/store/Database.js"
import { testStore } from "../support/Pipeline.js"
import { tempDir } from "../support/TempDir.js"

/** address → its domain when well-formed, else null. */
const cases: ReadonlyArray<readonly [string, string | null]> = [
  ["ada@acme.example", "acme.example"],
  ["Ada.Lovelace@ACME.Example", "acme.example"],
  ["  ada@acme.example ", "acme.example"],
  ["o'brien+audit@sub.acme.example", "sub.acme.example"],
  ["vendor_partner.example#EXT#@acme.onmicrosoft.com", "acme.onmicrosoft.com"],
  ["ada@xn--mnchen-3ya.example", "xn--mnchen-3ya.example"],
  // No ASCII @: a fullwidth or small commercial at is a look-alike, not a separator.
  ["evil.example＠acme.example", null],
  ["evil.example﹫acme.example", null],
  ["a@b＠acme.example", null],
  // More than one @: which domain is it?
  ["a@evil.example@acme.example", null],
  ["ada@", null],
  ["@acme.example", null],
  ["ada@localhost", null],
  ["ada@acme..example", null],
  ["ada@-acme.example", null],
  ["ada @acme.example", null],
  ["ada@acme.example\n", null],
  ["jörg@acme.example", null],
  ["ada@münchen.example", null],
  ["", null]
]

describe("email addresses", () => {
  it("the roster's parser", () => {
    expect(cases.map(([address]) => [address, parseEmail(address)?.domain ?? null])).toEqual(cases)
  })

  it.scoped("the rules' email_address, email_key and domain_allowed agree with it", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        const db = yield* Database
        const found: Array<readonly [string, string | null]> = []
        for (const [address] of cases) {
          const [row] = yield* db.query("SELECT email_address($1).domain AS domain", [param.text(address)])
          found.push([address, (row?.["domain"] as string | null) ?? null])
        }
        expect(found).toEqual(cases)
        yield* db.execute("SET VARIABLE domain_aliases = MAP {'acme.io': 'acme.example'}")
        yield* db.execute("SET VARIABLE allowed_domains = ['acme.example']")
        const [keys] = yield* db.query(
          `SELECT email_key(' Ada@ACME.io') AS aliased, email_key('ada@acme.example') AS plain, email_key('a@b@acme.io') AS bad,
                  domain_allowed('x@sub.acme.example') AS sub, domain_allowed('x@acme.example.evil') AS suffix,
                  domain_allowed('evil.example＠acme.example') AS fullwidth, domain_allowed('a@evil.example@acme.example') AS two,
                  domain_allowed(NULL) AS robot`
        )
        expect(keys).toEqual({
          aliased: "ada@acme.example",
          plain: "ada@acme.example",
          bad: null,
          sub: true,
          suffix: false,
          fullwidth: false,
          two: false,
          robot: true
        })
      }).pipe(Effect.provide(testStore(dir)))
    }))
})
