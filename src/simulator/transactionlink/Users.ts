/** Organisation users: created (e-mails unique, case-insensitively), terminated, reinstated, re-roled, signed in. */
import type { TlOrgRoleName } from "./Json.js"
import { EMAIL, type Org, TlWorldError, type UserState } from "./State.js"

export interface TlAddUserInput {
  email: string
  orgRole: TlOrgRoleName
  firstName?: string
  lastName?: string
  title?: string
}

export const createUser = (org: Org, input: TlAddUserInput): UserState => {
  const email = input.email.trim()
  if (!EMAIL.test(email)) throw new TlWorldError("BAD_REQUEST", `not an e-mail address: ${input.email}`)
  if (org.userByEmail(email) !== undefined) throw new TlWorldError("BAD_REQUEST", `${email} is already a user`)
  const user: UserState = {
    id: org.ids.uuid(),
    email,
    idpId: null,
    orgRole: org.orgRoleName(input.orgRole),
    firstName: input.firstName,
    lastName: input.lastName,
    title: input.title,
    createdAt: org.now,
    status: "ACTIVE"
  }
  org.s.users.push(user)
  org.users.set(user.id, user)
  org.emails.set(email.toLowerCase(), user)
  return user
}

/** Deactivates a user. Their direct memberships stay unless `removeMemberships` (a kept one is an audit finding). */
export const terminateUser = (org: Org, userId: string, removeMemberships: boolean): UserState => {
  const user = org.user(userId)
  if (user.status === "TERMINATED") throw new TlWorldError("BAD_REQUEST", `user ${user.id} is already terminated`)
  user.status = "TERMINATED"
  user.terminatedAt = org.now
  if (removeMemberships) { for (const members of org.s.memberships.values()) members.delete(user.id) }
  return user
}

export const reinstateUser = (org: Org, userId: string): UserState => {
  const user = org.user(userId)
  if (user.status === "ACTIVE") throw new TlWorldError("BAD_REQUEST", `user ${user.id} is not terminated`)
  user.status = "ACTIVE"
  user.terminatedAt = undefined
  return user
}

/** A sign-in at `at`. The first sign-in gives the user an identity-provider id (`idpId`). */
export const recordLogin = (org: Org, userId: string, at: number): UserState => {
  const user = org.user(userId)
  if (user.status === "TERMINATED") throw new TlWorldError("BAD_REQUEST", `user ${user.id} is terminated`)
  user.lastLoginAt = at
  if (user.idpId === null) user.idpId = org.ids.uuid()
  return user
}
