/**
 * Okta's user export: the Users API's fields flattened (`id`, `status`, `statusChanged`, `profile.login`,
 * `profile.email`, ... as an API export or the rockstar extension writes them, or the titles `Username`,
 * `Primary email`, `Status Changed Date`). Okta's lifecycle statuses (STAGED, PROVISIONED, ACTIVE, RECOVERY,
 * LOCKED_OUT, PASSWORD_EXPIRED, SUSPENDED, DEPROVISIONED; the Admin console says "Deactivated" for DEPROVISIONED)
 * map onto the roster's; a suspended or deprovisioned person's date is when the status changed.
 */
import { Either } from "effect"
import type { PersonStatus } from "../snapshot/Records.js"
import { type FormatSpec, fullName, parseAddress, parseAddresses, parseDate, unknownStatus } from "./Fields.js"

const LOGIN = ["login", "profilelogin", "username", "oktausername"]
const STATUS = ["status", "oktauserstatus"]

const statuses: Readonly<Record<string, PersonStatus>> = {
  ACTIVE: "active",
  RECOVERY: "active",
  LOCKED_OUT: "active",
  PASSWORD_EXPIRED: "active",
  PASSWORD_RESET: "active",
  STAGED: "pending",
  PROVISIONED: "pending",
  PENDING_USER_ACTION: "pending",
  SUSPENDED: "suspended",
  DEPROVISIONED: "deprovisioned",
  DEACTIVATED: "deprovisioned"
}

export const oktaFormat: FormatSpec = {
  format: "okta",
  label: "Okta user export",
  requires: "status and login (or profile.login, Username)",
  detect: (has) => STATUS.some(has) && LOGIN.some(has),
  read: (row) =>
    Either.gen(function*() {
      const login = yield* parseAddress(row.get(...LOGIN), "login")
      const email = (yield* parseAddress(row.get("email", "profileemail", "primaryemail"), "email")) ?? login
      if (email === null) return yield* Either.left("login and email are both empty")
      const raw = row.get(...STATUS)
      const status = raw === null ? undefined : statuses[raw.toUpperCase().replace(/[\s-]+/g, "_")]
      if (status === undefined) {
        return yield* Either.left(unknownStatus("status", raw, Object.keys(statuses).join(", ")))
      }
      const changed = yield* parseDate(
        row.get("statuschanged", "statuschangeddate", "statuschangedate"),
        "statusChanged"
      )
      return {
        email,
        aliases: login !== null && login.toLowerCase() !== email.toLowerCase()
          ? yield* parseAddresses([login], "login")
          : [],
        name: row.get("displayname", "profiledisplayname", "userfullname", "user") ??
          fullName(row.get("firstname", "profilefirstname"), row.get("lastname", "profilelastname")),
        status,
        status_raw: raw,
        terminated_on: status === "suspended" || status === "deprovisioned" ? changed : null,
        manager: row.get("manager", "profilemanager"),
        department: row.get("department", "profiledepartment")
      }
    })
}
