/**
 * An HR system's employee report, as BambooHR names its fields (`Work Email`, `Status` Active or Inactive,
 * `Employment Status` such as Full-Time or Terminated, `Termination Date`, `Department`, `Supervisor`); the same
 * columns under Workday-like names (`Primary Work Email`, `Worker Status`) are read too. A contractor without a
 * work email is kept (it can match no one). A termination dated in the future leaves the person active until the
 * HR system says otherwise: BambooHR shows such an employee as Active until the date is reached.
 */
import { Either } from "effect"
import { type FormatSpec, fullName, parseAddress, parseDate, unknownStatus } from "./Fields.js"

const EMAIL = ["workemail", "primaryworkemail", "emailwork"]
const EMPLOYMENT = ["employmentstatus", "employmenthistorystatus"]

export const hrisFormat: FormatSpec = {
  format: "hris",
  label: "HRIS employee report",
  requires: "Work Email, and Employment Status or Termination Date",
  detect: (has) => EMAIL.some(has) && (EMPLOYMENT.some(has) || has("terminationdate")),
  read: (row) =>
    Either.gen(function*() {
      const email = yield* parseAddress(row.get(...EMAIL), "Work Email")
      const employment = row.get(...EMPLOYMENT)
      const state = row.get("status", "workerstatus", "employeestatus")
      const active = state === null
        ? true
        : ({ active: true, inactive: false, terminated: false } as Record<string, boolean>)[state.toLowerCase()]
      if (active === undefined) return yield* Either.left(unknownStatus("Status", state, "Active, Inactive"))
      const terminated = !active || (employment !== null && /terminat/i.test(employment))
      return {
        email,
        aliases: [],
        name: row.get("displayname", "fullname", "employeename", "name") ??
          fullName(row.get("firstname", "preferredname"), row.get("lastname")),
        status: terminated ? "terminated" : "active",
        status_raw: [state, employment].filter((s) => s !== null).join(" / ") || null,
        terminated_on: yield* parseDate(row.get("terminationdate"), "Termination Date"),
        manager: row.get("supervisoremail", "manageremail", "supervisor", "reportingto", "reportsto", "manager"),
        department: row.get("department")
      }
    })
}
