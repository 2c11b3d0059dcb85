/**
 * The churn of a window, apart from people: invitations, robot tokens and webhooks that changed inside it, one row
 * per entity with its state at both ends (null: it did not exist there), the changes it went through, and who made
 * the first and the last of them and when. Names, never ids: a token by its robot and name, an invitation by its
 * email and the name of who sent it.
 */
import { Schema } from "effect"
import type { DatabaseService } from "../store/Database.js"
import { changesOf, type Window, windowParams } from "./Changes.js"
import { findAll, Text } from "./Query.js"

const Steps = Schema.Array(Schema.String)

/** The window's changes of one entity type ($1..$4 as `windowParams`), one row per entity. */
const stepsOf = (window: Window, entityType: string) => `
steps AS (
  SELECT entity_id AS id,
         list(change_type ORDER BY run_id, CASE WHEN change_type IN ('invitation_sent', 'token_created', 'webhook_added') THEN 0 ELSE 1 END) AS steps,
         min(coalesce(changed_at, detected_at)) AS first_at,
         arg_min(actor_display_name, run_id) AS first_by,
         max(coalesce(changed_at, detected_at)) AS last_at,
         arg_max(actor_display_name, run_id) AS last_by
  FROM ${changesOf(window)}
  WHERE source = $1 AND workspace_id = $2 AND run_id > $3 AND run_id <= $4 AND entity_type = '${entityType}'
  GROUP BY entity_id
)`

const common = {
  id: Schema.String,
  steps: Steps,
  first_at: Text,
  first_by: Text,
  last_at: Text,
  last_by: Text
}

export const InvitationChangeRow = Schema.Struct({
  ...common,
  email: Text,
  role: Text,
  invited_by: Text,
  created_at: Text,
  expires_at: Text,
  status_at_start: Text,
  status_at_end: Text
})
export type InvitationChangeRow = typeof InvitationChangeRow.Type

export const invitationChanges = (db: DatabaseService, window: Window) =>
  findAll(
    db,
    InvitationChangeRow,
    "invitation changes",
    `WITH ${stepsOf(window, "invitation")},
     v AS (
       SELECT id, arg_max(email, valid_from) AS email, arg_max(role, valid_from) AS role,
              arg_max(invited_by, valid_from) AS invited_by, arg_max(created_at, valid_from) AS created_at,
              arg_max(expires_at, valid_from) AS expires_at
       FROM invitation_versions
       WHERE source = $1 AND workspace_id = $2 AND valid_from <= $4 AND id IN (SELECT id FROM steps)
       GROUP BY id
     ),
     names AS (
       SELECT id, arg_max(coalesce(display_name, email), valid_from) AS name
       FROM member_versions WHERE source = $1 AND workspace_id = $2 GROUP BY id
     ),
     s AS (SELECT id, status FROM invitations WHERE run_id = state_run('invitations', $1, $2, $3)),
     e AS (SELECT id, status FROM invitations WHERE run_id = state_run('invitations', $1, $2, $4))
     SELECT st.id, st.steps, st.first_at, st.first_by, st.last_at, st.last_by, v.email, v.role,
            coalesce(n.name, v.invited_by) AS invited_by, v.created_at, v.expires_at,
            s.status AS status_at_start, e.status AS status_at_end
     FROM steps st JOIN v USING (id) LEFT JOIN s USING (id) LEFT JOIN e USING (id) LEFT JOIN names n ON n.id = v.invited_by
     ORDER BY v.created_at, v.email, st.id`,
    windowParams(window)
  )

export const TokenChangeRow = Schema.Struct({
  ...common,
  robot_name: Text,
  name: Text,
  token_suffix: Text,
  created_at: Text,
  expires_at: Text,
  status_at_start: Text,
  status_at_end: Text
})
export type TokenChangeRow = typeof TokenChangeRow.Type

export const tokenChanges = (db: DatabaseService, window: Window) =>
  findAll(
    db,
    TokenChangeRow,
    "token changes",
    `WITH ${stepsOf(window, "robot_token")},
     v AS (
       SELECT id, arg_max(robot_id, valid_from) AS robot_id, arg_max(name, valid_from) AS name,
              arg_max(token_suffix, valid_from) AS token_suffix, arg_max(created_at, valid_from) AS created_at,
              arg_max(expires_at, valid_from) AS expires_at
       FROM robot_token_versions
       WHERE source = $1 AND workspace_id = $2 AND valid_from <= $4 AND id IN (SELECT id FROM steps)
       GROUP BY id
     ),
     robots AS (
       SELECT id, arg_max(display_name, valid_from) AS robot_name
       FROM robot_versions WHERE source = $1 AND workspace_id = $2 GROUP BY id
     ),
     s AS (SELECT id, status FROM robot_tokens WHERE run_id = state_run('robot_tokens', $1, $2, $3)),
     e AS (SELECT id, status FROM robot_tokens WHERE run_id = state_run('robot_tokens', $1, $2, $4))
     SELECT st.id, st.steps, st.first_at, st.first_by, st.last_at, st.last_by, r.robot_name, v.name, v.token_suffix,
            v.created_at, v.expires_at, s.status AS status_at_start, e.status AS status_at_end
     FROM steps st JOIN v USING (id) LEFT JOIN robots r ON r.id = v.robot_id LEFT JOIN s USING (id) LEFT JOIN e USING (id)
     ORDER BY r.robot_name, v.created_at, st.id`,
    windowParams(window)
  )

export const WebhookChangeRow = Schema.Struct({
  ...common,
  url: Text,
  label: Text,
  /** The compared fields (changes.sql `webhook_fields`, JSON) at each end; null where it did not exist. */
  fields_at_start: Text,
  fields_at_end: Text
})
export type WebhookChangeRow = typeof WebhookChangeRow.Type

export const webhookChanges = (db: DatabaseService, window: Window) =>
  findAll(
    db,
    WebhookChangeRow,
    "webhook changes",
    `WITH ${stepsOf(window, "webhook")},
     v AS (
       SELECT id, arg_max(url, valid_from) AS url, arg_max(label, valid_from) AS label
       FROM webhook_versions
       WHERE source = $1 AND workspace_id = $2 AND valid_from <= $4 AND id IN (SELECT id FROM steps)
       GROUP BY id
     ),
     s AS (SELECT id, webhook_fields(url, label, active, event_types) AS fields FROM webhooks
           WHERE run_id = state_run('webhooks', $1, $2, $3)),
     e AS (SELECT id, webhook_fields(url, label, active, event_types) AS fields FROM webhooks
           WHERE run_id = state_run('webhooks', $1, $2, $4))
     SELECT st.id, st.steps, st.first_at, st.first_by, st.last_at, st.last_by, v.url, v.label,
            s.fields AS fields_at_start, e.fields AS fields_at_end
     FROM steps st JOIN v USING (id) LEFT JOIN s USING (id) LEFT JOIN e USING (id)
     ORDER BY v.url, st.id`,
    windowParams(window)
  )
