/**
 * Every roster format read from a sample file shaped as its system writes it (examples/roster/): a UTF-8 BOM and CRLF
 * (plain, Entra ID), quoted commas and quotes inside quotes, Excel's "Unicode text" (UTF-16LE, tabs, a quoted line
 * break), and the problems that make a roster unreadable, each named by its line.
 */
import { Either } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { readRoster, type RosterRead } from "../../src/roster/ReadRoster.js"
import type { PersonRecord } from "../../src/snapshot/Records.js"
import { examples } from "./Support.js"

const sample = (name: string) => readRoster(name, readFileSync(new URL(name, examples)))

const people = (read: RosterRead) => {
  if (Either.isLeft(read.people)) throw new Error(`unreadable: ${JSON.stringify(read.people.left)}`)
  return read.people.right
}

/** The fields a test checks, without the raw row. */
const fields = ({ raw: _raw, ...person }: PersonRecord) => person

const problem = (text: string | Uint8Array) => {
  const read = readRoster("people.csv", typeof text === "string" ? new TextEncoder().encode(text) : text)
  return Either.isLeft(read.people) ? read.people.left : null
}

describe("roster formats", () => {
  it("the plain CSV: a BOM, CRLF, quoted commas, doubled quotes, aliases in one cell", () => {
    const read = sample("plain.csv")
    expect(read.file).toMatchObject({ file_name: "plain.csv", format: "plain", rows: 5 })
    expect(people(read).map(fields)).toEqual([
      {
        id: "ada.lovelace@acme.example",
        email: "ada.lovelace@acme.example",
        name: "Lovelace, Ada",
        status: "active",
        status_raw: "active",
        terminated_on: null,
        manager: "grace.hopper@acme.example",
        department: "Engineering",
        aliases: ["ada@acme.io"]
      },
      {
        id: "grace.hopper@acme.example",
        email: "grace.hopper@acme.example",
        name: "Hopper, Grace",
        status: "active",
        status_raw: "active",
        terminated_on: null,
        manager: null,
        department: "Engineering",
        aliases: []
      },
      {
        id: "alan.turing@acme.example",
        email: "alan.turing@acme.example",
        name: "Turing, Alan",
        status: "terminated",
        status_raw: "terminated",
        terminated_on: "2026-02-27",
        manager: "grace.hopper@acme.example",
        department: "Research, Applied",
        aliases: []
      },
      {
        id: "edsger.dijkstra@acme.example",
        email: "edsger.dijkstra@acme.example",
        name: "Edsger Dijkstra",
        status: "suspended",
        status_raw: "suspended",
        terminated_on: "2026-03-02",
        manager: "grace.hopper@acme.example",
        department: "Engineering",
        aliases: ["e.dijkstra@acme.example", "edsger@acme.io"]
      },
      {
        id: "barbara.liskov@acme.example",
        email: "barbara.liskov@acme.example",
        name: "Liskov, Barbara \"Babs\"",
        status: "pending",
        status_raw: "pending",
        terminated_on: null,
        manager: "grace.hopper@acme.example",
        department: "Engineering",
        aliases: []
      }
    ])
    // The row is kept as read, header to cell (empty cells left out).
    expect(people(read)[0]!.raw).toEqual({
      email: "ada.lovelace@acme.example",
      status: "active",
      name: "Lovelace, Ada",
      manager: "grace.hopper@acme.example",
      department: "Engineering",
      aliases: "ada@acme.io"
    })
  })

  it("Okta: lifecycle statuses mapped, a suspension or deprovisioning dated by statusChanged, login kept as an alias", () => {
    const read = sample("okta.csv")
    expect(read.file).toMatchObject({ format: "okta", rows: 5 })
    expect(people(read).map((p) => [p.id, p.status, p.status_raw, p.terminated_on, p.aliases, p.name, p.department]))
      .toEqual([
        ["ada.lovelace@acme.example", "active", "ACTIVE", null, [], "Ada Lovelace", "Engineering"],
        ["alan.turing@acme.example", "suspended", "SUSPENDED", "2026-02-20", [], "Alan Turing", "Research, Applied"],
        [
          "edsger.dijkstra@acme.example",
          "deprovisioned",
          "DEPROVISIONED",
          "2026-01-31",
          ["edsger@acme.example"],
          "Edsger Dijkstra",
          "Engineering"
        ],
        // An expired password is still an employee; a status change date means nothing for an active account.
        ["grace.hopper@acme.example", "active", "PASSWORD_EXPIRED", null, [], "Grace Hopper", "Engineering"],
        ["barbara.liskov@acme.example", "pending", "STAGED", null, [], "Barbara Liskov", "Engineering"]
      ])
  })

  it("Okta under the Admin console's titles: Username, Primary email, Status Changed Date, Deactivated", () => {
    const read = readRoster(
      "okta-titles.csv",
      new TextEncoder().encode(
        "User Id,Status,Username,First name,Last name,Primary email,Status Changed Date\n" +
          "00u9,Deactivated,hedy@acme.example,Hedy,Lamarr,hedy.lamarr@acme.example,2026-03-01T08:00:00.000Z\n"
      )
    )
    expect(people(read).map(fields)).toEqual([{
      id: "hedy.lamarr@acme.example",
      email: "hedy.lamarr@acme.example",
      name: "Hedy Lamarr",
      status: "deprovisioned",
      status_raw: "Deactivated",
      terminated_on: "2026-03-01",
      manager: null,
      department: null,
      aliases: ["hedy@acme.example"]
    }])
  })

  it("Entra ID: accountEnabled False is suspended, mail is the address and the user principal name an alias", () => {
    const read = sample("entra.csv")
    expect(read.file).toMatchObject({ format: "entra", rows: 3 })
    expect(people(read).map((p) => [p.id, p.status, p.status_raw, p.aliases, p.name, p.department])).toEqual([
      ["ada.lovelace@acme.example", "active", "True", [], "Ada Lovelace", "Engineering"],
      [
        "alan.turing@acme.example",
        "suspended",
        "False",
        ["aturing@acme.onmicrosoft.com"],
        "Alan Turing",
        "Research, Applied"
      ],
      [
        "vendor.consultant@partner.example",
        "active",
        "True",
        ["vendor.consultant_partner.example#ext#@acme.onmicrosoft.com"],
        "Vic Vendor",
        null
      ]
    ])
  })

  it("Google Workspace: tagged headers, Suspended and Archived are suspended, the work secondary address an alias", () => {
    const read = sample("google.csv")
    expect(read.file).toMatchObject({ format: "google", rows: 3 })
    expect(people(read).map((p) => [p.id, p.status, p.status_raw, p.aliases, p.name, p.manager])).toEqual([
      ["ada.lovelace@acme.example", "active", "Active", ["ada@acme.io"], "Ada Lovelace", "grace.hopper@acme.example"],
      ["alan.turing@acme.example", "suspended", "Suspended", [], "Alan Turing", "grace.hopper@acme.example"],
      ["edsger.dijkstra@acme.example", "suspended", "Archived", [], "Edsger Dijkstra", null]
    ])
  })

  it("an HRIS report saved as Excel's Unicode text (UTF-16LE, tabs): US dates, a contractor without a work email, a line break in a cell", () => {
    const bytes = readFileSync(new URL("hris-unicode-text.txt", examples))
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xfe])
    const read = sample("hris-unicode-text.txt")
    expect(read.file).toMatchObject({ format: "hris", rows: 4 })
    expect(people(read).map((p) => [p.id, p.email, p.status, p.terminated_on, p.name, p.manager])).toEqual([
      ["ada.lovelace@acme.example", "ada.lovelace@acme.example", "active", null, "Ada Lovelace", "Hopper, Grace"],
      [
        "alan.turing@acme.example",
        "alan.turing@acme.example",
        "terminated",
        "2026-02-27",
        "Alan Turing",
        "Hopper, Grace"
      ],
      // No address: kept under its line (it can match no member).
      ["line 4", null, "active", null, "Kim Contractor", "Hopper, Grace"],
      // A termination still to come: active until the HR system says otherwise.
      ["jose.nunez@acme.example", "jose.nunez@acme.example", "active", "2026-04-30", "José Núñez", "Hopper, Grace"]
    ])
    expect(people(read)[2]!.raw["Notes"]).toBe("Agency: Northwind\nEnds 06/30/2026")
  })

  it("the file's identity is its name and the SHA-256 of its bytes", () => {
    // sha256 of the 3 bytes "abc", as published in FIPS 180-2's examples.
    expect(readRoster("x.csv", new TextEncoder().encode("abc")).file).toMatchObject({
      file_name: "x.csv",
      sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      format: null,
      rows: null
    })
  })

  it("a second row for one address is kept under its own id (to be reported as ambiguous), never merged", () => {
    const read = readRoster(
      "dup.csv",
      new TextEncoder().encode(
        "email,status,terminated_on\nPat@acme.example,active,\npat@acme.example,terminated,2026-01-02\n"
      )
    )
    expect(people(read).map((p) => [p.id, p.status])).toEqual([["pat@acme.example", "active"], [
      "pat@acme.example#2",
      "terminated"
    ]])
  })

  it("a roster that cannot be read completely names the line and the reason, and yields no one", () => {
    // An unknown status on line 4: the row before it spans lines 2 and 3 (a quoted line break).
    expect(
      problem(
        "email,status,terminated_on,name\nann@acme.example,active,,\"Ann\nAnnsdottir\"\nbob@acme.example,gone,,Bob\n"
      )
    ).toEqual({
      line: 4,
      reason: "status \"gone\" is not one of active, pending, suspended, deprovisioned, terminated"
    })
    expect(problem("email,status,terminated_on\nann@acme.example,active,\nbob＠acme.example,active,\n")).toEqual({
      line: 3,
      reason: "email \"bob＠acme.example\" is not an email address: it has no ASCII @ (only a look-alike)"
    })
    expect(problem("email,status,terminated_on\nann@acme.example,terminated,31/12/2026\nbob@acme.example,gone,\n"))
      .toEqual({
        line: 2,
        reason:
          "terminated_on \"31/12/2026\" is not a date (YYYY-MM-DD, MM/DD/YYYY or DD.MM.YYYY) (and 1 more row with problems)"
      })
    expect(problem("email,status,terminated_on\nann@acme.example,\"active,\n")?.line).toBe(2)
    expect(problem("user,state\nann@acme.example,active\n")).toMatchObject({ line: 1 })
    expect(problem("user,state\nann@acme.example,active\n")?.reason).toContain("none of the roster formats")
    expect(problem("email,status,terminated_on\r\n")).toEqual({
      line: null,
      reason: "the roster has a header row but no people"
    })
    expect(problem("")).toEqual({ line: null, reason: "the file is empty" })
  })

  it("a semicolon-separated file (a comma-decimal locale's Excel) and Windows-1252 text are read too", () => {
    const latin1 = Uint8Array.from([
      ...new TextEncoder().encode("email;status;terminated_on;name\r\nrene@acme.example;active;;Ren"),
      0xe9,
      0x0d,
      0x0a
    ])
    const read = readRoster("semicolons.csv", latin1)
    expect(people(read).map((p) => [p.id, p.name])).toEqual([["rene@acme.example", "René"]])
  })
})
