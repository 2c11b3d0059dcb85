/**
 * What one run captures, in the vocabulary every source maps into and the store keeps: one record type per
 * collection, with the typed fields the audit reasons about and the entity's raw JSON as the API sent it (so that
 * fields an API adds later are never lost). Timestamps are ISO-8601 UTC strings; absent values are null.
 */

export type SourceName = "ptolemy" | "transactionlink"

export type Raw = Readonly<Record<string, unknown>>

export interface WorkspaceRecord {
  readonly id: string
  readonly name: string | null
  readonly slug: string | null
  readonly created_at: string | null
  readonly updated_at: string | null
  readonly raw: Raw
}

export interface MemberRecord {
  /** The membership id (Ptolemy) or the user id (TransactionLink, where a user has one membership per workspace). */
  readonly id: string
  readonly user_id: string | null
  readonly user_type: "human" | "robot" | null
  /** Lower-case role name: viewer, member, editor, admin (Ptolemy) or the workspace role's name (TransactionLink). */
  readonly role: string | null
  readonly display_name: string | null
  readonly email: string | null
  readonly created_at: string | null
  readonly updated_at: string | null
  /** `direct`, or `inherited` from an organisation role (TransactionLink organisation admins). */
  readonly access: "direct" | "inherited"
  /** The organisation role behind the access, where the source has one (TransactionLink: owner, admin, member). */
  readonly org_role: string | null
  /** The user's account status where the source reports it (TransactionLink: active, terminated). */
  readonly user_status: string | null
  readonly last_login_at: string | null
  readonly raw: Raw
}

export interface RobotRecord {
  /** The robot's user id. */
  readonly id: string
  readonly membership_id: string | null
  readonly display_name: string | null
  readonly description: string | null
  readonly role: string | null
  readonly created_at: string | null
  readonly raw: Raw
}

export interface TokenRecord {
  readonly id: string
  /** The robot user that holds the token. */
  readonly robot_id: string
  readonly name: string | null
  readonly token_suffix: string | null
  /** active, revoked or expired. */
  readonly status: string | null
  readonly created_at: string | null
  readonly expires_at: string | null
  readonly revoked_at: string | null
  readonly last_used_at: string | null
  /** False when the payload had no `last_used_at` field at all: usage rules then fall back to age rules. */
  readonly last_used_reported: boolean
  readonly raw: Raw
}

export interface InvitationRecord {
  readonly id: string
  readonly email: string | null
  readonly role: string | null
  /** pending, accepted, expired or revoked (a cancelled TransactionLink enrollment is revoked). */
  readonly status: string | null
  readonly invited_by: string | null
  readonly created_at: string | null
  readonly expires_at: string | null
  readonly accepted_at: string | null
  readonly revoked_at: string | null
  readonly raw: Raw
}

export interface WebhookRecord {
  readonly id: string
  readonly url: string | null
  readonly label: string | null
  readonly active: boolean | null
  readonly created_at: string | null
  /** The subscribed event types, sorted (`*` = every event). */
  readonly event_types: ReadonlyArray<string>
  readonly raw: Raw
}

export interface PlanUsageRecord {
  /** The dimension name: seats, webhooks, database_items, api_calls. */
  readonly id: string
  readonly plan: string | null
  readonly overage_enabled: boolean | null
  readonly billing_period_start: string | null
  readonly billing_period_end: string | null
  readonly used: number | null
  /** null = unlimited. */
  readonly limit: number | null
  readonly raw: Raw
}

export interface EventRecord {
  readonly id: string
  readonly event_type: string | null
  readonly resource_type: string | null
  readonly resource_id: string | null
  readonly actor_id: string | null
  readonly actor_type: string | null
  readonly actor_display_name: string | null
  readonly created_at: string | null
  readonly raw: Raw
}

/** The record type of each collection a snapshot holds. */
export interface CollectionRecords {
  readonly workspace: WorkspaceRecord
  readonly members: MemberRecord
  readonly robots: RobotRecord
  readonly robot_tokens: TokenRecord
  readonly invitations: InvitationRecord
  readonly webhooks: WebhookRecord
  readonly plan_usage: PlanUsageRecord
  readonly events: EventRecord
}

export type CollectionName = keyof CollectionRecords

export const collectionNames: ReadonlyArray<CollectionName> = [
  "workspace",
  "members",
  "robots",
  "robot_tokens",
  "invitations",
  "webhooks",
  "plan_usage",
  "events"
]
