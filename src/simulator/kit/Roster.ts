/**
 * The company's people directory (its HR system or identity provider) as the plain CSV the audit reads:
 * `email,status,terminated_on,name,manager,department`. Shared by both simulators; each decides who is in it.
 */
import { csv } from "./Csv.js"
import { Random } from "./Random.js"
import { isoDate } from "./Time.js"

export type PersonStatus = "active" | "terminated" | "suspended"

export interface Person {
  readonly email: string
  name: string
  status: PersonStatus
  /** Epoch ms of the termination (or suspension) day; null while active. */
  terminatedOn: number | null
  manager: string
  department: string
}

export const ROSTER_HEADER = ["email", "status", "terminated_on", "name", "manager", "department"] as const

const DEPARTMENTS = ["Engineering", "Finance", "Operations", "Risk", "Compliance", "Sales", "Data", "Legal"]

interface Entry extends Partial<Person> {
  readonly email: string
  name: string
  status: PersonStatus
  terminatedOn: number | null
  /** Whom the manager is drawn from, until it is drawn. */
  readonly managers: ReadonlyArray<string>
}

/**
 * People by email, in the order they were added. Department and manager are drawn per person from a stream of their
 * own (so a newcomer changes no one else), when first needed (so a 50,000-person directory costs nothing until read).
 */
export class Directory {
  private readonly people = new Map<string, Entry>()

  constructor(private readonly seed: number) {}

  get(email: string): Person | undefined {
    const entry = this.people.get(email.toLowerCase())
    return entry === undefined ? undefined : this.complete(entry)
  }

  /** The status of a person, without drawing their attributes. */
  status(email: string): PersonStatus | undefined {
    return this.people.get(email.toLowerCase())?.status
  }

  /** A new active person (an existing one is left as it is); the manager is drawn from `managers`. */
  add(email: string, name: string, managers: ReadonlyArray<string>): void {
    const key = email.toLowerCase()
    if (!this.people.has(key)) this.people.set(key, { email, name, status: "active", terminatedOn: null, managers })
  }

  /** Marks a person terminated on that day (an earlier termination stands). */
  terminate(email: string, on: number): void {
    const entry = this.people.get(email.toLowerCase())
    if (entry !== undefined && entry.status === "active") {
      entry.status = "terminated"
      entry.terminatedOn = on
    }
  }

  /** A test hook: sets what the directory says of one person (adding them when absent). */
  set(email: string, patch: Partial<Omit<Person, "email">>): void {
    this.add(email, email, [])
    Object.assign(this.people.get(email.toLowerCase())!, patch)
  }

  csv(): string {
    return csv(
      ROSTER_HEADER,
      [...this.people.values()].map((entry) => {
        const p = this.complete(entry)
        return [
          p.email,
          p.status,
          p.terminatedOn === null ? "" : isoDate(p.terminatedOn),
          p.name,
          p.manager,
          p.department
        ]
      })
    )
  }

  private complete(entry: Entry): Person {
    if (entry.department === undefined || entry.manager === undefined) {
      const rng = Random.of(this.seed, `roster:${entry.email.toLowerCase()}`)
      const department = rng.pick(DEPARTMENTS)
      const others = entry.managers.filter((m) => m.toLowerCase() !== entry.email.toLowerCase())
      const manager = others.length === 0 ? "" : rng.pick(others)
      entry.department ??= department
      entry.manager ??= manager
    }
    return entry as Person
  }
}
