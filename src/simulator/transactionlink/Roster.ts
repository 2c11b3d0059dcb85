/**
 * The organisation's people directory as the audit reads it (plain CSV): every user, active or terminated on the
 * day they were, except one contractor (a member on a contractor's domain) who is in no directory. Users the
 * organisation terminated but left in their workspaces are the leavers an audit looks for.
 */
import { Directory } from "../kit/Roster.js"
import { PRIMARY_DOMAIN } from "./People.js"
import type { Org, WorldState } from "./State.js"

export const CONTRACTOR_DOMAIN = "contractor-hub.example"

export class TlRoster {
  /** The contractor outside the directory (a user id): a member on the contractors' domain, else on another outside one. */
  private readonly contractor: string | undefined

  constructor(private readonly seed: number, state: WorldState) {
    const outside = state.users.filter((u) =>
      u.status === "ACTIVE" && u.orgRole === "member" && !u.email.endsWith(`@${PRIMARY_DOMAIN}`)
    )
    this.contractor = (outside.find((u) => u.email.endsWith(`@${CONTRACTOR_DOMAIN}`)) ?? outside[0])?.id
  }

  csv(org: Org): string {
    const directory = new Directory(this.seed)
    const managers = org.s.users.filter((u) => u.orgRole !== "member" && u.status === "ACTIVE").map((u) => u.email)
    for (const u of org.s.users) {
      if (u.id === this.contractor) continue
      const name = [u.firstName, u.lastName].filter((x) => x !== undefined).join(" ")
      directory.add(u.email, name === "" ? u.email : name, managers)
      if (u.status === "TERMINATED") directory.terminate(u.email, u.terminatedAt ?? org.now)
    }
    return directory.csv()
  }
}
