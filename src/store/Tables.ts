/**
 * Where each collection of a snapshot is kept: its versions table, the typed columns taken from each record, and the
 * volatile fields (which change on every run and are kept apart, in an observations table, so that they do not make
 * a new version of the whole entity). The migrations create these tables; a test checks that the two agree.
 */
import type { CollectionName, CollectionRecords, EventRecord } from "../snapshot/Records.js"

export type ColumnType = "VARCHAR" | "TIMESTAMPTZ" | "BOOLEAN" | "BIGINT" | "VARCHAR[]"

export interface ColumnSpec<R> {
  readonly name: string
  readonly type: ColumnType
  readonly get: (record: R) => unknown
}

/** A column's name and type, for code that treats every collection alike (DDL, export). */
export interface ColumnShape {
  readonly name: string
  readonly type: ColumnType
}

/** Where a collection is kept, without the typed accessors: what DDL and export need. */
export interface TableShape {
  readonly versions: string
  readonly stable: ReadonlyArray<ColumnShape>
  readonly observations?: {
    readonly table: string
    readonly columns: ReadonlyArray<ColumnShape>
    readonly rawKeys: ReadonlyArray<string>
  }
}

export type VersionedCollection = Exclude<CollectionName, "events">

export interface TableSpec<C extends VersionedCollection> {
  readonly collection: C
  readonly versions: string
  readonly stable: ReadonlyArray<ColumnSpec<CollectionRecords[C]>>
  /** Observations table and its columns, for collections with volatile fields. */
  readonly observations?: {
    readonly table: string
    readonly columns: ReadonlyArray<ColumnSpec<CollectionRecords[C]>>
    /** Top-level keys of the raw JSON that belong to the observation rather than the version. */
    readonly rawKeys: ReadonlyArray<string>
  }
}

const col = <R>(name: string & keyof R, type: ColumnType): ColumnSpec<R> => ({
  name,
  type,
  get: (record) => record[name]
})

type R<C extends CollectionName> = CollectionRecords[C]

export const tables: { readonly [C in VersionedCollection]: TableSpec<C> } = {
  workspace: {
    collection: "workspace",
    versions: "workspace_versions",
    stable: [col<R<"workspace">>("name", "VARCHAR"), col("slug", "VARCHAR"), col("created_at", "TIMESTAMPTZ")],
    observations: {
      table: "workspace_observations",
      columns: [col<R<"workspace">>("updated_at", "TIMESTAMPTZ")],
      rawKeys: ["updated_at"]
    }
  },
  members: {
    collection: "members",
    versions: "member_versions",
    stable: [
      col<R<"members">>("user_id", "VARCHAR"),
      col("user_type", "VARCHAR"),
      col("role", "VARCHAR"),
      col("display_name", "VARCHAR"),
      col("email", "VARCHAR"),
      col("created_at", "TIMESTAMPTZ"),
      col("updated_at", "TIMESTAMPTZ"),
      col("access", "VARCHAR"),
      col("org_role", "VARCHAR"),
      col("user_status", "VARCHAR")
    ],
    observations: {
      table: "member_observations",
      columns: [col<R<"members">>("last_login_at", "TIMESTAMPTZ")],
      rawKeys: ["lastLoginDateTime"]
    }
  },
  robots: {
    collection: "robots",
    versions: "robot_versions",
    stable: [
      col<R<"robots">>("membership_id", "VARCHAR"),
      col("display_name", "VARCHAR"),
      col("description", "VARCHAR"),
      col("role", "VARCHAR"),
      col("created_at", "TIMESTAMPTZ")
    ]
  },
  robot_tokens: {
    collection: "robot_tokens",
    versions: "robot_token_versions",
    stable: [
      col<R<"robot_tokens">>("robot_id", "VARCHAR"),
      col("name", "VARCHAR"),
      col("token_suffix", "VARCHAR"),
      col("status", "VARCHAR"),
      col("created_at", "TIMESTAMPTZ"),
      col("expires_at", "TIMESTAMPTZ"),
      col("revoked_at", "TIMESTAMPTZ"),
      col("last_used_reported", "BOOLEAN")
    ],
    observations: {
      table: "robot_token_observations",
      columns: [col<R<"robot_tokens">>("last_used_at", "TIMESTAMPTZ")],
      rawKeys: ["last_used_at"]
    }
  },
  invitations: {
    collection: "invitations",
    versions: "invitation_versions",
    stable: [
      col<R<"invitations">>("email", "VARCHAR"),
      col("role", "VARCHAR"),
      col("status", "VARCHAR"),
      col("invited_by", "VARCHAR"),
      col("created_at", "TIMESTAMPTZ"),
      col("expires_at", "TIMESTAMPTZ"),
      col("accepted_at", "TIMESTAMPTZ"),
      col("revoked_at", "TIMESTAMPTZ")
    ]
  },
  webhooks: {
    collection: "webhooks",
    versions: "webhook_versions",
    stable: [
      col<R<"webhooks">>("url", "VARCHAR"),
      col("label", "VARCHAR"),
      col("active", "BOOLEAN"),
      col("created_at", "TIMESTAMPTZ"),
      col("event_types", "VARCHAR[]")
    ]
  },
  plan_usage: {
    collection: "plan_usage",
    versions: "plan_usage_versions",
    stable: [
      col<R<"plan_usage">>("plan", "VARCHAR"),
      col("overage_enabled", "BOOLEAN"),
      col("billing_period_start", "TIMESTAMPTZ"),
      col("billing_period_end", "TIMESTAMPTZ"),
      col("used", "BIGINT"),
      col("limit", "BIGINT")
    ]
  },
  roster: {
    collection: "roster",
    versions: "roster_versions",
    stable: [
      col<R<"roster">>("file_name", "VARCHAR"),
      col("sha256", "VARCHAR"),
      col("format", "VARCHAR"),
      col("rows", "BIGINT")
    ]
  },
  people: {
    collection: "people",
    versions: "people_versions",
    stable: [
      col<R<"people">>("email", "VARCHAR"),
      col("name", "VARCHAR"),
      col("status", "VARCHAR"),
      col("status_raw", "VARCHAR"),
      col("terminated_on", "VARCHAR"),
      col("manager", "VARCHAR"),
      col("department", "VARCHAR"),
      col("aliases", "VARCHAR[]")
    ]
  }
}

/** A collection's table without its typed accessors, for code that treats every collection alike. */
export const tableOf = (collection: VersionedCollection): TableShape => tables[collection]

export const versionedCollections: ReadonlyArray<VersionedCollection> = [
  "workspace",
  "members",
  "robots",
  "robot_tokens",
  "invitations",
  "webhooks",
  "plan_usage",
  "roster",
  "people"
]

/** The access events: append-only, each event stored once, with the run that first stored it. */
export const eventColumns: ReadonlyArray<ColumnSpec<EventRecord>> = [
  col("event_type", "VARCHAR"),
  col("resource_type", "VARCHAR"),
  col("resource_id", "VARCHAR"),
  col("actor_id", "VARCHAR"),
  col("actor_type", "VARCHAR"),
  col("actor_display_name", "VARCHAR"),
  col("created_at", "TIMESTAMPTZ")
]

/** SQL identifier quoting (`limit` is a reserved word). */
export const ident = (name: string) => `"${name.replace(/"/g, "\"\"")}"`
