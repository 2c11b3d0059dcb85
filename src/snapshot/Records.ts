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

/** The formats of a people-directory export the roster reader recognises (docs/roster.md). */
export type RosterFormat = "plain" | "okta" | "entra" | "google" | "hris"

/** What the directory says of a person, in one vocabulary whatever the export said (its own word: `status_raw`). */
export type PersonStatus = "active" | "pending" | "suspended" | "deprovisioned" | "terminated"

/** The people-directory file a run read (one per run): which file, its content's hash, what it held. */
export interface RosterRecord {
  /** Always "roster": a run reads one directory. */
  readonly id: string
  /** The file's name, without its folder. */
  readonly file_name: string
  /** SHA-256 of the file's bytes, hex. */
  readonly sha256: string
  /** The format its header row was recognised as; null when it matched none. */
  readonly format: RosterFormat | null
  /** People read from it; null when it could not be parsed (the `people` collection is then a gap). */
  readonly rows: number | null
  readonly raw: Raw
}

/** A person of the people directory (one row of the roster file). */
export interface PersonRecord {
  /** The primary address lower-cased (`#2`, `#3` for later rows with the same address); `line N` without one. */
  readonly id: string
  readonly email: string | null
  readonly name: string | null
  readonly status: PersonStatus
  /** The status as the export wrote it. */
  readonly status_raw: string | null
  /** The termination (or suspension) date, YYYY-MM-DD, where the export gives one. */
  readonly terminated_on: string | null
  readonly manager: string | null
  readonly department: string | null
  /** Other addresses of the person, lower-cased. */
  readonly aliases: ReadonlyArray<string>
  /** The row as read: column header to cell. */
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
  /** The people directory, an input of the run rather than of the API (`--roster`). */
  readonly roster: RosterRecord
  readonly people: PersonRecord
}

export type CollectionName = keyof CollectionRecords

/** The collections an API source reads (the roster's `roster` and `people` come from a file, not the API). */
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

/** The collections a run takes from its inputs rather than the API: the people directory. */
export const inputCollectionNames: ReadonlyArray<CollectionName> = ["roster", "people"]
