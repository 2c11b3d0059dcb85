/**
 * The JSON shapes the simulator emits, exactly as pinned in section 12 of the API reference
 * (the API reference, `reference/transactionlink-memberships-api.md`, kept beside the project). Key order here is the key order on the wire.
 */

export type TlOrgRoleName = "owner" | "admin" | "member"
export type TlUserStatus = "ACTIVE" | "TERMINATED"
export type TlEnrollmentStatus = "PENDING" | "ACCEPTED" | "EXPIRED" | "CANCELLED"
export type TlRoleType = "WORKSPACE" | "ORGANIZATION"
export type TlErrorCode = "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND" | "BAD_REQUEST" | "INTERNAL_ERROR"

export const TL_ORG_ROLE_NAMES: ReadonlyArray<TlOrgRoleName> = ["owner", "admin", "member"]
export const TL_ENROLLMENT_STATUSES: ReadonlyArray<TlEnrollmentStatus> = ["PENDING", "ACCEPTED", "EXPIRED", "CANCELLED"]

/** `GET /organizations/workspaces` item. */
export interface TlWorkspaceJson {
  id: string
  name: string
  workspaceType: "LIVE"
  createdDateTime: string
}

/** `RoleRefResponse`. Inherited (organisation owner/admin) access carries `type: "ORGANIZATION"`. */
export interface TlRoleRefJson {
  id: string
  name: string
  workspaceId: string
  createdDateTime: string
  type: TlRoleType
}

/** `WorkspaceMembershipResponse`. */
export interface TlMembershipJson {
  workspaceId: string
  userId: string
  role: TlRoleRefJson
}

/** `OrganizationRoleResponse`. */
export interface TlOrgRoleJson {
  id: string
  name: TlOrgRoleName
  organizationId: string
}

/** `UserProfileResponse`: absent values are omitted, never null. */
export interface TlUserProfileJson {
  firstName?: string
  lastName?: string
  title?: string
}

/** `UserResponse` (+ `status`, `lastLoginDateTime?`). */
export interface TlUserJson {
  id: string
  email: string
  idpId: string | null
  roleId: string
  profile: TlUserProfileJson
  createdDateTime: string
  status: TlUserStatus
  lastLoginDateTime?: string
}

/** `EnrollmentResponse` (+ `roleId`, `createdDateTime`, `expiresAt`). */
export interface TlEnrollmentJson {
  enrollmentId: string
  email: string
  status: TlEnrollmentStatus
  lastInvitationSentAt: string | null
  roleId: string
  createdDateTime: string
  expiresAt: string
}

/** `UserPageResponse` / `EnrollmentPageResponse` (Spring style, 0-based `number`). */
export interface TlPageJson<T> {
  content: Array<T>
  totalElements: number
  totalPages: number
  size: number
  number: number
}

/** `ErrorResponse`. */
export interface TlErrorJson {
  fingerprint: string
  errors: Array<{ code: string; message: string }>
}
