/**
 * TransactionLink's organisation resources as the audit reads them (reference section 12), decoded leniently:
 * unknown fields allowed (the raw JSON keeps them), INFERRED fields optional, enum values case-insensitive.
 */
import { Schema } from "effect"
import { optionalTexts } from "../http/Decode.js"

const OptionalCount = Schema.optional(Schema.NullOr(Schema.Number))

export const Workspace = Schema.Struct({
  id: Schema.String,
  ...optionalTexts("name", "workspaceType", "createdDateTime")
})
export type Workspace = typeof Workspace.Type

export const RoleRef = Schema.Struct({
  name: Schema.String,
  ...optionalTexts("id", "workspaceId", "createdDateTime", "type")
})

export const Membership = Schema.Struct({
  userId: Schema.String,
  role: RoleRef,
  ...optionalTexts("workspaceId")
})
export type Membership = typeof Membership.Type

export const OrganizationRole = Schema.Struct({
  id: Schema.String,
  name: Schema.Lowercase,
  ...optionalTexts("organizationId")
})
export type OrganizationRole = typeof OrganizationRole.Type

export const User = Schema.Struct({
  id: Schema.String,
  status: Schema.optional(Schema.NullOr(Schema.Lowercase)),
  profile: Schema.optional(Schema.NullOr(Schema.Struct(optionalTexts("firstName", "lastName", "title")))),
  ...optionalTexts("email", "roleId", "lastLoginDateTime", "createdDateTime")
})
export type User = typeof User.Type

/** No workspace assignment in the response (the create body's is not returned): an enrollment is organisation-wide. */
export const Enrollment = Schema.Struct({
  enrollmentId: Schema.String,
  status: Schema.Lowercase,
  ...optionalTexts("email", "roleId", "createdDateTime", "lastInvitationSentAt", "expiresAt")
})
export type Enrollment = typeof Enrollment.Type

/** Spring-style page: content, totalElements, totalPages, size, number (0-based). */
export const Page = Schema.Struct({
  content: Schema.Array(Schema.Unknown),
  totalElements: OptionalCount,
  totalPages: OptionalCount,
  size: OptionalCount,
  number: OptionalCount
})

const ErrorBody = Schema.Struct({
  errors: Schema.optional(Schema.NullOr(Schema.Array(Schema.Struct(optionalTexts("code", "message"))))),
  ...optionalTexts("fingerprint")
})

/** `ErrorResponse` from an error response's text, if it is one. */
export const decodeErrorBody = Schema.decodeUnknownOption(Schema.parseJson(ErrorBody))
