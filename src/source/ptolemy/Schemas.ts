/**
 * The Ptolemy resources as the audit reads them (reference section 13), decoded leniently: unknown fields are
 * allowed (the raw JSON keeps them), INFERRED fields may be absent, roles and statuses match case-insensitively.
 * Only what the audit cannot do without is required: ids, a membership's role, a webhook's url, an event's type
 * and time, a usage figure.
 */
import { Schema } from "effect"
import { optionalTexts } from "../http/Decode.js"

const OptionalText = Schema.optional(Schema.NullOr(Schema.String))
const OptionalLowercase = Schema.optional(Schema.NullOr(Schema.Lowercase))
const OptionalBoolean = Schema.optional(Schema.NullOr(Schema.Boolean))

export const Workspace = Schema.Struct({
  id: Schema.String,
  ...optionalTexts("name", "slug", "created_at", "updated_at")
})
export type Workspace = typeof Workspace.Type

export const Membership = Schema.Struct({
  id: Schema.String,
  user_type: OptionalLowercase,
  role: Schema.Lowercase,
  ...optionalTexts("user_id", "display_name", "email", "created_at", "updated_at")
})
export type Membership = typeof Membership.Type

export const Robot = Schema.Struct({
  id: Schema.String,
  role: OptionalLowercase,
  ...optionalTexts("membership_id", "display_name", "description", "created_at")
})
export type Robot = typeof Robot.Type

export const RobotToken = Schema.Struct({
  id: Schema.String,
  status: OptionalLowercase,
  // `last_used_at` absent (not null) means the API does not report usage at all: the findings fall back to age rules.
  ...optionalTexts("name", "token_suffix", "created_at", "expires_at", "last_used_at", "revoked_at")
})
export type RobotToken = typeof RobotToken.Type

export const Invitation = Schema.Struct({
  id: Schema.String,
  role: OptionalLowercase,
  status: OptionalLowercase,
  ...optionalTexts("email", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at")
})
export type Invitation = typeof Invitation.Type

export const Webhook = Schema.Struct({
  id: Schema.String,
  url: Schema.String,
  label: OptionalText,
  active: OptionalBoolean,
  created_at: OptionalText
})
export type Webhook = typeof Webhook.Type

export const Subscription = Schema.Struct({
  id: OptionalText,
  event_type: Schema.String
})
export type Subscription = typeof Subscription.Type

const Usage = Schema.Struct({
  used: Schema.Number,
  limit: Schema.optional(Schema.NullOr(Schema.Number))
})

export const Plan = Schema.Struct({
  plan: OptionalLowercase,
  overage_enabled: OptionalBoolean,
  billing_period: Schema.optional(Schema.NullOr(Schema.Struct(optionalTexts("start", "end")))),
  usage: Schema.Record({ key: Schema.String, value: Usage })
})
export type Plan = typeof Plan.Type

export const Event = Schema.Struct({
  id: Schema.String,
  event_type: Schema.String,
  resource_type: OptionalText,
  resource_id: OptionalText,
  actor: Schema.optional(
    Schema.NullOr(Schema.Struct({ type: OptionalLowercase, ...optionalTexts("id", "display_name") }))
  ),
  created_at: Schema.String
})
export type Event = typeof Event.Type

/** The list envelope; `has_more` may be absent, in which case a cursor means more. */
export const Page = Schema.Struct({
  data: Schema.Array(Schema.Unknown),
  meta: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        next_cursor: OptionalText,
        has_more: OptionalBoolean
      })
    )
  )
})
export type Page = typeof Page.Type

const ErrorBody = Schema.Struct({
  error: Schema.Struct(optionalTexts("code", "message"))
})

/** `{"error":{"code","message"}}` from an error response's text, if it is one. */
export const decodeErrorBody = Schema.decodeUnknownOption(Schema.parseJson(ErrorBody))
