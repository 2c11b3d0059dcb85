/** The initial organisation: workspaces with their roles, users, direct memberships and enrollments, from a seed. */
import { Random } from "../kit/Random.js"
import type { TlEnrollmentStatus, TlOrgRoleName } from "./Json.js"
import { makePerson, type Person, PRIMARY_DOMAIN } from "./People.js"
import { TlRoster } from "./Roster.js"
import { DAY_MS, type EnrollmentState, type UserState, type WorkspaceState, type WorldState } from "./State.js"
import { TlWorld } from "./World.js"

export interface TlWorldSize {
  /** Organisation workspaces (LIVE), each with its own workspace roles. */
  workspaces: number
  /** Organisation users (owner/admin/member org roles; some TERMINATED). */
  users: number
  /** Average workspace memberships of a member-role user. */
  directMembershipsPerUser: number
  /** Enrollments of all statuses. */
  enrollments: number
}

export const TlWorldSizes: Record<"tiny" | "small" | "demo" | "large", TlWorldSize> = {
  tiny: { workspaces: 2, users: 8, directMembershipsPerUser: 1.5, enrollments: 4 },
  small: { workspaces: 4, users: 45, directMembershipsPerUser: 2, enrollments: 12 },
  demo: { workspaces: 8, users: 150, directMembershipsPerUser: 2.5, enrollments: 40 },
  large: { workspaces: 40, users: 3000, directMembershipsPerUser: 3, enrollments: 600 }
}

export const DEFAULT_SIZE: keyof typeof TlWorldSizes = "small"
export const DEFAULT_START = "2026-01-05T09:00:00Z"

/** A size name, or a partial size laid over the default ("small"). */
export const resolveSize = (size: keyof typeof TlWorldSizes | Partial<TlWorldSize> | undefined): TlWorldSize => {
  if (typeof size === "string") {
    const named = TlWorldSizes[size]
    if (named === undefined) throw new Error(`unknown world size: ${size}`)
    return { ...named }
  }
  const resolved: TlWorldSize = { ...TlWorldSizes[DEFAULT_SIZE], ...size }
  const whole = (name: keyof TlWorldSize, min: number) => {
    const v = resolved[name]
    if (!Number.isInteger(v) || v < min) throw new Error(`size.${name} must be an integer >= ${min}, got ${v}`)
  }
  whole("workspaces", 1)
  whole("users", 1)
  whole("enrollments", 0)
  if (!(resolved.directMembershipsPerUser >= 0)) {
    throw new Error(`size.directMembershipsPerUser must be >= 0, got ${resolved.directMembershipsPerUser}`)
  }
  return resolved
}

const WORKSPACE_NAMES = [
  "Retail Onboarding",
  "Business KYB",
  "Payments Monitoring",
  "Card Disputes",
  "Lending Underwriting",
  "Merchant Risk",
  "EU Compliance",
  "UK Compliance",
  "Partner Integrations",
  "Internal Tools",
  "Fraud Operations",
  "Treasury"
]

/** Statuses of the generated enrollments, cycled (9 ACCEPTED, 5 PENDING, 3 EXPIRED, 3 CANCELLED per 20). */
const ENROLLMENT_PATTERN: ReadonlyArray<TlEnrollmentStatus> = [
  "ACCEPTED",
  "PENDING",
  "EXPIRED",
  "CANCELLED",
  "ACCEPTED",
  "PENDING",
  "ACCEPTED",
  "ACCEPTED",
  "EXPIRED",
  "PENDING",
  "ACCEPTED",
  "CANCELLED",
  "ACCEPTED",
  "PENDING",
  "ACCEPTED",
  "EXPIRED",
  "ACCEPTED",
  "CANCELLED",
  "PENDING",
  "ACCEPTED"
]

const sec = (ms: number): number => Math.floor(ms / 1000) * 1000

/** A workspace role for a member-role user, by the usual weights, among the roles the workspace has. */
export const pickMemberRole = (rng: Random, ws: WorkspaceState): string => {
  const weights: Record<string, number> = { Viewer: 0.45, Editor: 0.4, "Workspace Admin": 0.1, Reviewer: 0.05 }
  const options = ws.roles.map((r) => [r.id, weights[r.name] ?? 0.05] as const)
  return rng.weighted(options)
}

export const adminRoleId = (ws: WorkspaceState): string =>
  (ws.roles.find((r) => r.name === "Workspace Admin") ?? ws.roles[0]!).id

export const generateWorld = (seed: number, size: TlWorldSize, startMs: number): TlWorld => {
  const rng = Random.of(seed, "generate")
  const ids = Random.of(seed, "ids")
  const start = sec(startMs)
  const orgCreated = start - 720 * DAY_MS
  const between = (from: number, to: number): number => sec(from + rng.next() * Math.max(0, to - from))

  const state: WorldState = {
    organization: { id: ids.uuid(), createdAt: orgCreated, domain: PRIMARY_DOMAIN },
    orgRoleIds: { owner: ids.uuid(), admin: ids.uuid(), member: ids.uuid() },
    workspaces: [],
    users: [],
    memberships: new Map(),
    enrollments: [],
    nowMs: start
  }

  // Workspaces, oldest first, each with its roles.
  const wsTimes = Array.from({ length: size.workspaces }, () => between(orgCreated + DAY_MS, start - 30 * DAY_MS))
  wsTimes.sort((a, b) => a - b)
  wsTimes.forEach((createdAt, i) => {
    const base = WORKSPACE_NAMES[i % WORKSPACE_NAMES.length]!
    const round = Math.floor(i / WORKSPACE_NAMES.length)
    const names = ["Workspace Admin", "Editor", "Viewer"]
    if (rng.chance(0.5)) names.push("Reviewer")
    const ws: WorkspaceState = {
      id: ids.uuid(),
      name: round === 0 ? base : `${base} ${round + 1}`,
      createdAt,
      roles: names.map((name, j) => ({
        id: ids.uuid(),
        name,
        createdAt: j < 3 ? createdAt : between(createdAt, start - DAY_MS)
      }))
    }
    state.workspaces.push(ws)
    state.memberships.set(ws.id, new Map())
  })

  // Users: owners first in the list of roles, then admins, then members; sorted by creation time afterwards.
  const taken = new Set<string>()
  const isTaken = (email: string) => taken.has(email.toLowerCase())
  const owners = Math.max(1, Math.round(size.users * 0.02))
  const admins = size.users >= 3 ? Math.max(1, Math.round(size.users * 0.08)) : 0
  const users: Array<UserState> = []
  for (let i = 0; i < size.users; i++) {
    const orgRole: TlOrgRoleName = i < owners ? "owner" : i < owners + admins ? "admin" : "member"
    const person = makePerson(rng, isTaken, orgRole === "member" && rng.chance(0.1))
    taken.add(person.email)
    users.push({
      id: ids.uuid(),
      email: person.email,
      idpId: null,
      orgRole,
      firstName: person.firstName,
      lastName: person.lastName,
      title: person.title,
      createdAt: i === 0 ? orgCreated + 3_600_000 : between(orgCreated + DAY_MS, start - DAY_MS),
      status: "ACTIVE"
    })
  }
  users.sort((a, b) => a.createdAt - b.createdAt)
  state.users = users

  const terminatedCount = size.users >= 5 ? Math.max(1, Math.round(size.users * 0.07)) : 0
  const terminated = rng.shuffle(users.filter((u) => u.orgRole !== "owner")).slice(0, terminatedCount)
  for (const u of terminated) u.status = "TERMINATED"

  for (const u of users) {
    if (u.status === "ACTIVE" && rng.chance(0.08)) continue // never signed in: no idpId, no lastLoginDateTime
    u.idpId = ids.uuid()
    const latest = u.status === "ACTIVE" ? start : start - 10 * DAY_MS
    const ago = rng.weighted(
      [
        [[0, 14], 0.75],
        [[15, 120], 0.2],
        [[121, 365], 0.05]
      ] as const
    )
    const wanted = latest - between(ago[0] * DAY_MS, ago[1] * DAY_MS)
    u.lastLoginAt = wanted > u.createdAt ? sec(wanted) : between(u.createdAt, Math.max(u.createdAt, latest))
  }

  // When the terminated users left: after their last sign-in, 10 to 60 days ago (a stream of its own, so the rest of
  // the organisation is the same with or without it).
  const leaving = Random.of(seed, "roster")
  for (const u of terminated) {
    u.terminatedAt = sec(Math.max(u.lastLoginAt ?? u.createdAt, start - leaving.int(10, 60) * DAY_MS))
  }

  // Direct memberships, in user creation order within each workspace.
  for (const u of users) {
    const count = u.orgRole === "member"
      ? Math.min(size.workspaces, rng.poisson(size.directMembershipsPerUser))
      : rng.chance(0.3)
      ? 1
      : 0
    for (const ws of rng.shuffle(state.workspaces).slice(0, count)) {
      state.memberships.get(ws.id)!.set(u.id, u.orgRole === "member" ? pickMemberRole(rng, ws) : adminRoleId(ws))
    }
  }
  // Half of the terminated users were offboarded properly; the others keep their memberships (an audit finding).
  terminated.forEach((u, i) => {
    if (i % 2 === 1) { for (const members of state.memberships.values()) members.delete(u.id) }
  })

  // Enrollments of every status.
  const acceptedPool = rng.shuffle(users.slice(1))
  const enrollments: Array<EnrollmentState> = []
  for (let i = 0; i < size.enrollments; i++) {
    let status = ENROLLMENT_PATTERN[i % ENROLLMENT_PATTERN.length]!
    if (status === "ACCEPTED") {
      const user = acceptedPool.pop()
      if (user !== undefined) {
        const createdAt = Math.max(orgCreated, user.createdAt - between(3_600_000, 6 * DAY_MS))
        enrollments.push({
          id: ids.uuid(),
          email: user.email,
          status,
          orgRole: user.orgRole,
          firstName: user.firstName,
          lastName: user.lastName,
          title: user.title,
          workspaces: [],
          createdAt,
          lastSentAt: rng.chance(0.2) ? between(createdAt, user.createdAt) : createdAt,
          userId: user.id
        })
        continue
      }
      status = "CANCELLED"
    }
    const orgRole: TlOrgRoleName = rng.chance(0.1) ? "admin" : "member"
    const person: Person = makePerson(rng, isTaken, rng.chance(0.15))
    taken.add(person.email)
    let lastSentAt: number
    if (status === "PENDING") lastSentAt = start - between(3_600_000, 6.5 * DAY_MS)
    else if (status === "EXPIRED") lastSentAt = start - between(7.5 * DAY_MS, 60 * DAY_MS)
    else lastSentAt = start - between(DAY_MS, 300 * DAY_MS)
    const createdAt = rng.chance(0.25)
      ? Math.max(orgCreated, lastSentAt - between(8 * DAY_MS, 30 * DAY_MS))
      : lastSentAt
    const workspaces = orgRole === "admin"
      ? []
      : rng.shuffle(state.workspaces).slice(0, rng.int(1, 2)).map((ws) => ({
        workspaceId: ws.id,
        roleId: pickMemberRole(rng, ws)
      }))
    enrollments.push({
      id: ids.uuid(),
      email: person.email,
      status,
      orgRole,
      firstName: person.firstName,
      lastName: person.lastName,
      title: person.title,
      workspaces,
      createdAt: sec(createdAt),
      lastSentAt: sec(lastSentAt)
    })
  }
  enrollments.sort((a, b) => a.createdAt - b.createdAt)
  state.enrollments = enrollments

  return new TlWorld(state, ids, new TlRoster(seed, state))
}
