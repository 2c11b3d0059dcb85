/**
 * The plain roster CSV, the format to write by hand or from any HR system's report: `email`, `status`,
 * `terminated_on`, and optionally `name`, `manager`, `department` and `aliases` (other addresses of the person).
 */
import { Either } from "effect"
import type { PersonStatus } from "../snapshot/Records.js"
import { type FormatSpec, parseAddress, parseAddresses, parseDate, unknownStatus } from "./Fields.js"

const statuses: ReadonlyArray<PersonStatus> = ["active", "pending", "suspended", "deprovisioned", "terminated"]

export const plainFormat: FormatSpec = {
  format: "plain",
  label: "plain roster CSV",
  requires: "email, status, terminated_on",
  detect: (has) => has("email") && has("status") && has("terminatedon"),
  read: (row) =>
    Either.gen(function*() {
      const email = yield* parseAddress(row.get("email"), "email")
      if (email === null) return yield* Either.left("email is empty")
      const raw = row.get("status")
      const status = statuses.find((s) => s === raw?.toLowerCase())
      if (status === undefined) return yield* Either.left(unknownStatus("status", raw, statuses.join(", ")))
      return {
        email,
        aliases: yield* parseAddresses([row.get("aliases")], "aliases"),
        name: row.get("name"),
        status,
        status_raw: raw,
        terminated_on: yield* parseDate(row.get("terminatedon"), "terminated_on"),
        manager: row.get("manager"),
        department: row.get("department")
      }
    })
}
