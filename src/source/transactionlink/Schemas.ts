/**
 * TransactionLink's organisation resources as the audit reads them (reference section 12), decoded leniently:
 * unknown fields allowed (the raw JSON keeps them), INFERRED fields optional, enum values case-insensitive.
 */
import { Schema } from "effect"

const OptionalText = Schema.optional(Schema.NullOr(Schema.String))

export const Workspace = Schema.Struct({
  id: Schema.String,
  name: OptionalText,
  workspaceType: OptionalText,
  createdDateTime: OptionalText
})
export type Workspace = typeof Workspace.Type

export const RoleRef = Schema.Struct({
  id: OptionalText,
  name: Schema.String,
  workspaceId: OptionalText,
  createdDateTime: OptionalText,
  type: OptionalText
})

export const Membership = Schema.Struct({
  workspaceId: OptionalText,
  userId: Schema.String,
  role: RoleRef
})
export type Membership = typeof Membership.Type

export const OrganizationRole = Schema.Struct({
  id: Schema.String,
  name: Schema.Lowercase,
  organizationId: OptionalText
})
export type OrganizationRole = typeof OrganizationRole.Type

export const User = Schema.Struct({
  id: Schema.String,
  email: OptionalText,
  roleId: OptionalText,
  status: Schema.optional(Schema.NullOr(Schema.Lowercase)),
  lastLoginDateTime: OptionalText,
  createdDateTime: OptionalText,
  profile: Schema.optional(
    Schema.NullOr(Schema.Struct({ firstName: OptionalText, lastName: OptionalText, title: OptionalText }))
  )
})
export type User = typeof User.Type

export const Enrollment = Schema.Struct({
  enrollmentId: Schema.String,
  email: OptionalText,
  status: Schema.Lowercase,
  roleId: OptionalText,
  createdDateTime: OptionalText,
  lastInvitationSentAt: OptionalText,
  expiresAt: OptionalText
})
export type Enrollment = typeof Enrollment.Type

/** Spring-style page: content, totalElements, totalPages, size, number (0-based). */
export const Page = Schema.Struct({
  content: Schema.Array(Schema.Unknown),
  totalElements: Schema.optional(Schema.NullOr(Schema.Number)),
  totalPages: Schema.optional(Schema.NullOr(Schema.Number)),
  size: Schema.optional(Schema.NullOr(Schema.Number)),
  number: Schema.optional(Schema.NullOr(Schema.Number))
})

export const ErrorBody = Schema.Struct({
  fingerprint: OptionalText,
  errors: Schema.optional(
    Schema.NullOr(Schema.Array(Schema.Struct({ code: OptionalText, message: OptionalText })))
  )
})
