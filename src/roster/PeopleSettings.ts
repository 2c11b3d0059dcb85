/**
 * How members are matched to the people directory, from the config file: domains that are one company's
 * (`example.com` = `example.io`), people outside the directory who may have access (glob patterns such as
 * `*@agency.example`), and robot owners (robot name or id to the owner's email). The rules in people.sql read them
 * as DuckDB variables, set before each run's findings; by hand: `SET VARIABLE domain_aliases = MAP {...}`.
 */
import { Effect } from "effect"
import type { DatabaseService, StoreError } from "../store/Database.js"

export interface PeopleSettings {
  /** Groups of domains that are one; addresses are compared under the first of each group. */
  readonly domainAliases: ReadonlyArray<ReadonlyArray<string>>
  /** Addresses (glob patterns, `*` and `?`) of people outside the directory who may have access. */
  readonly externalPeople: ReadonlyArray<string>
  /** Robot display name or id to its owner's email: wins over the event log. */
  readonly owners: Readonly<Record<string, string>>
}

export const noPeopleSettings: PeopleSettings = { domainAliases: [], externalPeople: [], owners: {} }

const text = (value: string) => `'${value.replace(/'/g, "''")}'`

const map = (entries: ReadonlyArray<readonly [string, string]>) =>
  `MAP {${entries.map(([k, v]) => `${text(k)}: ${text(v)}`).join(", ")}}::MAP(VARCHAR, VARCHAR)`

/** Alias domain to the domain it stands for (the group's first), lower-cased. */
export const aliasMap = (groups: ReadonlyArray<ReadonlyArray<string>>): ReadonlyArray<readonly [string, string]> => {
  const entries = new Map<string, string>()
  for (const group of groups) {
    const [canonical, ...aliases] = group.map((d) => d.trim().toLowerCase())
    for (const alias of aliases) {
      if (canonical !== undefined && alias !== canonical && !entries.has(alias)) entries.set(alias, canonical)
    }
  }
  return [...entries.entries()]
}

/** Sets every variable (empty ones too: the connection keeps variables from one run to the next). */
export const setPeopleVariables = (
  db: DatabaseService,
  settings: PeopleSettings = noPeopleSettings
): Effect.Effect<void, StoreError> =>
  db.execute(
    [
      `SET VARIABLE domain_aliases = ${map(aliasMap(settings.domainAliases))}`,
      `SET VARIABLE external_people = [${
        settings.externalPeople.map((p) => text(p.trim().toLowerCase())).join(", ")
      }]::VARCHAR[]`,
      `SET VARIABLE robot_owners = ${
        map(Object.entries(settings.owners).map(([robot, owner]) => [robot, owner.trim()] as const))
      }`
    ].join(";\n")
  )
