/**
 * The demo company's people directory, kept consistent with the workspaces as they change: every human member has
 * a row, except one contractor per workspace who is in no directory; people the churn removes (they left the
 * company) are terminated some days before their removal (0, 3 and 10 days for the first three, then drawn), so
 * a run can measure the time to removal; and one leaver per workspace is never removed (an admin, so the robots
 * they create have an owner who left; see Generate). Removals through the API or scenario code are not departures:
 * the person stays as they were.
 * Its randomness is its own stream, so the world is the same with or without it.
 */
import { Random } from "../kit/Random.js"
import { Directory } from "../kit/Roster.js"
import { DAY } from "../kit/Time.js"
import type { Membership, WorkspaceState } from "./Model.js"

/** Days from termination to removal of the first departures, so that each case is there early in the demo. */
const FIRST_LAGS = [0, 3, 10]

interface Parts {
  /** The leaver who keeps access (their membership id). */
  leaver: string | undefined
  /** The contractor outside the directory (their membership id). */
  contractor: string | undefined
  /** The contractor left: the next newcomer is one. */
  contractorWanted: boolean
  /** Who managers are drawn from: the admins when the workspace was generated, but the leaver. */
  managers: Array<string>
}

export class Roster {
  readonly directory: Directory
  private readonly rng: Random
  private readonly parts = new Map<string, Parts>()
  private departures = 0

  constructor(seed: number, private readonly now: () => number) {
    this.directory = new Directory(seed)
    this.rng = Random.of(seed, "roster")
  }

  /** After a workspace is generated: its members join the directory, with their parts. */
  seedWorkspace(ws: WorkspaceState, leaver: Membership | undefined, contractor: Membership | undefined): void {
    const managers = ws.humans.items.filter((h) => h.role === "admin" && h.email !== null && h.id !== leaver?.id).map((
      h
    ) => h.email!)
    this.parts.set(ws.id, { leaver: leaver?.id, contractor: contractor?.id, contractorWanted: false, managers })
    for (const m of ws.humans.items) this.joined(ws, m)
    if (leaver?.email) this.directory.terminate(leaver.email, this.now() - this.rng.int(25, 45) * DAY)
  }

  joined(ws: WorkspaceState, m: Membership): void {
    const parts = this.parts.get(ws.id)
    if (parts === undefined || m.email === null || m.id === parts.contractor) return
    if (parts.contractorWanted && this.directory.status(m.email) === undefined) {
      parts.contractor = m.id
      parts.contractorWanted = false
      return
    }
    this.directory.add(m.email, m.display_name, parts.managers)
  }

  left(ws: WorkspaceState, m: Membership, leaver: boolean): void {
    const parts = this.parts.get(ws.id)
    if (parts === undefined || m.email === null || !leaver) {
      if (parts !== undefined && m.id === parts.contractor) parts.contractor = undefined
      return
    }
    const now = this.now()
    if (m.id === parts.contractor) {
      parts.contractor = undefined
      parts.contractorWanted = true
      return
    }
    const lag = FIRST_LAGS[this.departures++] ??
      this.rng.weighted([[0, 0.35], [1, 0.2], [2, 0.15], [this.rng.int(3, 6), 0.2], [this.rng.int(7, 20), 0.1]])
    this.directory.terminate(m.email, Math.max(m.created_at, now - lag * DAY))
    if (m.id === parts.leaver) {
      // The leaver who kept access left for good: someone else who has left keeps theirs from today.
      const next = ws.humans.items.filter((h) =>
        h.id !== parts.contractor && h.email !== null && this.directory.status(h.email) === "active"
      )
      const successor = next.length === 0 ? undefined : this.rng.pick(next)
      parts.leaver = successor?.id
      if (successor?.email) this.directory.terminate(successor.email, now)
    }
  }

  /** The directory as a plain CSV, as of the simulated now. */
  csv(): string {
    return this.directory.csv()
  }
}
