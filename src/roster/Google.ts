/**
 * Google Workspace's user list (Admin console > Directory > Users > Download users), whose headers carry tags:
 * `First Name [Required]`, `Last Name [Required]`, `Email Address [Required]`, `Status [READ ONLY]` (Active,
 * Suspended; Archived for a retained former user), `Manager Email`, `Department`, `Work Secondary Email`, ...
 * The export has no suspension date.
 */
import { Either } from "effect"
import type { PersonStatus } from "../snapshot/Records.js"
import { type FormatSpec, fullName, parseAddress, parseAddresses, unknownStatus } from "./Fields.js"

const statuses: Readonly<Record<string, PersonStatus>> = {
  active: "active",
  suspended: "suspended",
  archived: "suspended"
}

export const googleFormat: FormatSpec = {
  format: "google",
  label: "Google Workspace users download",
  requires: "Email Address [Required], Status [READ ONLY], First Name [Required]",
  detect: (has) => has("emailaddress") && has("status") && (has("firstname") || has("lastname") || has("orgunitpath")),
  read: (row) =>
    Either.gen(function*() {
      const email = yield* parseAddress(row.get("emailaddress"), "Email Address")
      if (email === null) return yield* Either.left("Email Address is empty")
      const raw = row.get("status")
      const status = raw === null ? undefined : statuses[raw.toLowerCase()]
      if (status === undefined) return yield* Either.left(unknownStatus("Status", raw, "Active, Suspended, Archived"))
      return {
        email,
        aliases: yield* parseAddresses([row.get("worksecondaryemail")], "Work Secondary Email"),
        name: fullName(row.get("firstname"), row.get("lastname")),
        status,
        status_raw: raw,
        terminated_on: null,
        manager: row.get("manageremail", "manager"),
        department: row.get("department")
      }
    })
}
