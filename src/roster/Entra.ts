/**
 * Microsoft Entra ID's "Download users" CSV (Users > All users > Download users): `userPrincipalName`,
 * `displayName`, `surname`, `mail`, `givenName`, `objectId`, `userType`, `jobTitle`, `department`, `accountEnabled`,
 * ... A disabled account (`accountEnabled` false) is a person who may no longer sign in: suspended. The export has
 * no leave date; `employeeLeaveDateTime` is read where a tenant adds it.
 */
import { Either } from "effect"
import { type FormatSpec, fullName, parseAddress, parseAddresses, parseDate, unknownStatus } from "./Fields.js"

export const entraFormat: FormatSpec = {
  format: "entra",
  label: "Microsoft Entra ID users download",
  requires: "userPrincipalName, accountEnabled",
  detect: (has) => has("userprincipalname") && has("accountenabled"),
  read: (row) =>
    Either.gen(function*() {
      const upn = yield* parseAddress(row.get("userprincipalname"), "userPrincipalName")
      const email = (yield* parseAddress(row.get("mail"), "mail")) ?? upn
      if (email === null) return yield* Either.left("userPrincipalName and mail are both empty")
      const raw = row.get("accountenabled")
      const enabled = raw === null
        ? undefined
        : ({ true: true, yes: true, false: false, no: false } as Record<string, boolean>)[raw.toLowerCase()]
      if (enabled === undefined) return yield* Either.left(unknownStatus("accountEnabled", raw, "True, False"))
      return {
        email,
        aliases: upn !== null && upn.toLowerCase() !== email.toLowerCase()
          ? yield* parseAddresses([upn], "userPrincipalName")
          : [],
        name: row.get("displayname") ?? fullName(row.get("givenname"), row.get("surname")),
        status: enabled ? "active" : "suspended",
        status_raw: raw,
        terminated_on: yield* parseDate(row.get("employeeleavedatetime"), "employeeLeaveDateTime"),
        manager: row.get("manager"),
        department: row.get("department")
      }
    })
}
