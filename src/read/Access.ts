/** What a run saw besides its members (src/read/People.ts): robots with their tokens, invitations. */
import { Schema } from "effect"
import { type DatabaseService, param } from "../store/Database.js"
import { Bool, findAll, Text } from "./Query.js"

/** A robot with one of its tokens (a robot without any has one row with null token columns). */
export const TokenRow = Schema.Struct({
  robot_id: Schema.String,
  robot_name: Text,
  robot_role: Text,
  robot_created_at: Text,
  token_id: Text,
  name: Text,
  token_suffix: Text,
  status: Text,
  created_at: Text,
  expires_at: Text,
  last_used_at: Text,
  last_used_reported: Bool
})
export type TokenRow = typeof TokenRow.Type

export const robotTokens = (db: DatabaseService, runId: number) =>
  findAll(
    db,
    TokenRow,
    "robot tokens",
    `SELECT r.id AS robot_id, r.display_name AS robot_name, r.role AS robot_role, r.created_at AS robot_created_at,
            t.id AS token_id, t.name, t.token_suffix, t.status, t.created_at, t.expires_at, t.last_used_at,
            t.last_used_reported
     FROM robots r LEFT JOIN robot_tokens t ON t.run_id = r.run_id AND t.robot_id = r.id
     WHERE r.run_id = $1
     ORDER BY r.display_name, r.id, t.status = 'active' DESC, t.created_at DESC, t.id`,
    [param.int(runId)]
  )

export const InvitationRow = Schema.Struct({
  id: Schema.String,
  email: Text,
  role: Text,
  status: Text,
  invited_by: Text,
  /** Who sent it, by name (their membership's latest name or email); null when the API did not say. */
  invited_by_name: Text,
  created_at: Text,
  expires_at: Text,
  accepted_at: Text,
  revoked_at: Text
})
export type InvitationRow = typeof InvitationRow.Type

export const invitations = (db: DatabaseService, runId: number) =>
  findAll(
    db,
    InvitationRow,
    "invitations",
    `SELECT i.id, i.email, i.role, i.status, i.invited_by, n.name AS invited_by_name, i.created_at, i.expires_at,
            i.accepted_at, i.revoked_at
     FROM invitations i
     LEFT JOIN (SELECT source, workspace_id, id, arg_max(coalesce(display_name, email), valid_from) AS name
                FROM member_versions GROUP BY ALL) n
       ON n.source = i.source AND n.workspace_id = i.workspace_id AND n.id = i.invited_by
     WHERE i.run_id = $1
     ORDER BY i.status = 'pending' DESC, i.expires_at, i.email, i.id`,
    [param.int(runId)]
  )
