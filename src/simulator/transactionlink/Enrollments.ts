/**
 * Enrollments (organisation invitations): PENDING for 7 days from the last send, then EXPIRED; accepted (the user
 * is created with the enrollment's workspace memberships), cancelled or resent.
 */
import type { TlOrgRoleName } from "./Json.js"
import { EMAIL, ENROLLMENT_TTL_MS, type EnrollmentState, type Org, TlWorldError, type UserState } from "./State.js"
import { createUser } from "./Users.js"

/** A workspace assignment of an enrollment; `role` is a workspace role name or id. */
export interface TlEnrollmentWorkspaceInput {
  workspaceId: string
  role: string
}

export interface TlCreateEnrollmentInput {
  email: string
  orgRole: TlOrgRoleName
  firstName?: string
  lastName?: string
  title?: string
  workspaces?: ReadonlyArray<TlEnrollmentWorkspaceInput>
}

const sent = (org: Org, e: EnrollmentState): void => {
  org.nextExpiry = Math.min(org.nextExpiry, e.lastSentAt + ENROLLMENT_TTL_MS)
}

export const createEnrollment = (org: Org, input: TlCreateEnrollmentInput): EnrollmentState => {
  const email = input.email.trim()
  if (!EMAIL.test(email)) throw new TlWorldError("BAD_REQUEST", `not an e-mail address: ${input.email}`)
  const orgRole = org.orgRoleName(input.orgRole)
  if (org.userByEmail(email) !== undefined) {
    throw new TlWorldError("BAD_REQUEST", `${email} is already a user of the organisation`)
  }
  if (org.s.enrollments.some((e) => e.status === "PENDING" && e.email.toLowerCase() === email.toLowerCase())) {
    throw new TlWorldError("BAD_REQUEST", `${email} already has a pending enrollment`)
  }
  const workspaces = (input.workspaces ?? []).map((w) => {
    const ws = org.workspace(w.workspaceId)
    return { workspaceId: ws.id, roleId: org.role(ws, w.role).id }
  })
  const { firstName, lastName, title } = input
  const enrollment: EnrollmentState = {
    id: org.ids.uuid(),
    email,
    status: "PENDING",
    orgRole,
    firstName,
    lastName,
    title,
    workspaces,
    createdAt: org.now,
    lastSentAt: org.now
  }
  org.s.enrollments.push(enrollment)
  org.enrollments.set(enrollment.id, enrollment)
  sent(org, enrollment)
  return enrollment
}

/** PENDING -> ACCEPTED: creates the user (signed in now) and the enrollment's workspace memberships. */
export const acceptEnrollment = (org: Org, enrollmentId: string): UserState => {
  const e = org.enrollment(enrollmentId)
  if (e.status !== "PENDING") throw new TlWorldError("BAD_REQUEST", `enrollment ${e.id} is ${e.status}`)
  const user = createUser(org, {
    email: e.email,
    orgRole: e.orgRole,
    ...(e.firstName === undefined ? {} : { firstName: e.firstName }),
    ...(e.lastName === undefined ? {} : { lastName: e.lastName }),
    ...(e.title === undefined ? {} : { title: e.title })
  })
  user.idpId = org.ids.uuid()
  user.lastLoginAt = org.now
  e.status = "ACCEPTED"
  e.userId = user.id
  for (const w of e.workspaces) {
    const ws = org.workspaces.get(w.workspaceId)
    if (ws !== undefined && ws.roles.some((r) => r.id === w.roleId)) org.members(ws.id).set(user.id, w.roleId)
  }
  return user
}

const open = (e: EnrollmentState): void => {
  if (e.status !== "PENDING" && e.status !== "EXPIRED") {
    throw new TlWorldError("BAD_REQUEST", `enrollment ${e.id} is ${e.status}`)
  }
}

/** PENDING or EXPIRED -> CANCELLED. */
export const cancelEnrollment = (org: Org, enrollmentId: string): EnrollmentState => {
  const e = org.enrollment(enrollmentId)
  open(e)
  e.status = "CANCELLED"
  return e
}

/** PENDING or EXPIRED -> PENDING, sent now (so it expires 7 days from now). */
export const resendEnrollment = (org: Org, enrollmentId: string): EnrollmentState => {
  const e = org.enrollment(enrollmentId)
  open(e)
  e.status = "PENDING"
  e.lastSentAt = org.now
  sent(org, e)
  return e
}

/** PENDING enrollments whose 7 days have run out become EXPIRED (remembering the next expiry, so a tick is cheap). */
export const expireDue = (org: Org): void => {
  const now = org.now
  if (now < org.nextExpiry) return
  let next = Number.POSITIVE_INFINITY
  for (const e of org.s.enrollments) {
    if (e.status !== "PENDING") continue
    const expiresAt = e.lastSentAt + ENROLLMENT_TTL_MS
    if (now >= expiresAt) e.status = "EXPIRED"
    else next = Math.min(next, expiresAt)
  }
  org.nextExpiry = next
}
