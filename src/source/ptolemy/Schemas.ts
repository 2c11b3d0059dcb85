/**
 * The Ptolemy resources as the audit reads them (reference section 13), decoded leniently: unknown fields are
 * allowed (the raw JSON keeps them), INFERRED fields may be absent, roles and statuses match case-insensitively.
 * Only what the audit cannot do without is required: ids, a membership's role, a webhook's url, an event's type
 * and time, a usage figure.
 */
import { Schema } from "effect"

const OptionalText = Schema.optional(Schema.NullOr(Schema.String))
const OptionalLowercase = Schema.optional(Schema.NullOr(Schema.Lowercase))
const OptionalBoolean = Schema.optional(Schema.NullOr(Schema.Boolean))

export const Workspace = Schema.Struct({
  id: Schema.String,
  name: OptionalText,
  slug: OptionalText,
  created_at: OptionalText,
  updated_at: OptionalText
})
export type Workspace = typeof Workspace.Type

export const Membership = Schema.Struct({
  id: Schema.String,
  user_id: OptionalText,
  user_type: OptionalLowercase,
  role: Schema.Lowercase,
  display_name: OptionalText,
  email: OptionalText,
  created_at: OptionalText,
  updated_at: OptionalText
})
export type Membership = typeof Membership.Type

export const Robot = Schema.Struct({
  id: Schema.String,
  membership_id: OptionalText,
  display_name: OptionalText,
  description: OptionalText,
  role: OptionalLowercase,
  created_at: OptionalText
})
export type Robot = typeof Robot.Type

export const RobotToken = Schema.Struct({
  id: Schema.String,
  name: OptionalText,
  token_suffix: OptionalText,
  status: OptionalLowercase,
  created_at: OptionalText,
  expires_at: OptionalText,
  // Absent (not null) means the API does not report usage at all: the findings fall back to age rules.
  last_used_at: OptionalText,
  revoked_at: OptionalText
})
export type RobotToken = typeof RobotToken.Type

export const Invitation = Schema.Struct({
  id: Schema.String,
  email: OptionalText,
  role: OptionalLowercase,
  status: OptionalLowercase,
  invited_by: OptionalText,
  created_at: OptionalText,
  expires_at: OptionalText,
  accepted_at: OptionalText,
  revoked_at: OptionalText
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
  id: Schema.optional(Schema.NullOr(Schema.String)),
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
  billing_period: Schema.optional(
    Schema.NullOr(Schema.Struct({ start: OptionalText, end: OptionalText }))
  ),
  usage: Schema.Record({ key: Schema.String, value: Usage })
})
export type Plan = typeof Plan.Type

export const Event = Schema.Struct({
  id: Schema.String,
  event_type: Schema.String,
  resource_type: OptionalText,
  resource_id: OptionalText,
  actor: Schema.optional(
    Schema.NullOr(Schema.Struct({ id: OptionalText, type: OptionalLowercase, display_name: OptionalText }))
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
        next_cursor: Schema.optional(Schema.NullOr(Schema.String)),
        has_more: Schema.optional(Schema.NullOr(Schema.Boolean))
      })
    )
  )
})
export type Page = typeof Page.Type

export const ErrorBody = Schema.Struct({
  error: Schema.Struct({ code: OptionalText, message: OptionalText })
})
