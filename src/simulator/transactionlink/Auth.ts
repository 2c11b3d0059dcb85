/**
 * Organisation tokens (`tot_` + 52 alphanumerics, sent as-is in `Authorization`, no `Bearer`) and their permissions.
 * Only the two scopes the read endpoints need are modelled: `can_view_workspace` (per workspace) and
 * `can_manage_users` (on the organisation).
 */
import { Rng } from "./Random.js"

export const TOKEN_PATTERN = /^tot_[A-Za-z0-9]{52}$/

export interface TokenGrant {
  /** `can_view_workspace`: on every workspace (including ones created later) or on the listed ones. */
  viewWorkspaces: "all" | ReadonlySet<string>
  /** `can_manage_users` on the organisation (users, enrollments, organisation roles). */
  manageUsers: boolean
}

export interface TlTokens {
  /** can_view_workspace on every workspace + can_manage_users. */
  full: string
  /** can_view_workspace only (users, enrollments, org roles => 403). */
  viewOnly: string
  /** can_view_workspace on the first workspace only (+ can_manage_users). */
  oneWorkspace: string
}

export const makeTokens = (seed: number, firstWorkspaceId: string): { tokens: TlTokens; grants: Map<string, TokenGrant> } => {
  const rng = Rng.from(seed, "tokens")
  const token = () => `tot_${rng.alphanumeric(52)}`
  const tokens: TlTokens = { full: token(), viewOnly: token(), oneWorkspace: token() }
  const grants = new Map<string, TokenGrant>([
    [tokens.full, { viewWorkspaces: "all", manageUsers: true }],
    [tokens.viewOnly, { viewWorkspaces: "all", manageUsers: false }],
    [tokens.oneWorkspace, { viewWorkspaces: new Set([firstWorkspaceId]), manageUsers: true }]
  ])
  return { tokens, grants }
}

export const canViewWorkspace = (grant: TokenGrant, workspaceId: string): boolean =>
  grant.viewWorkspaces === "all" || grant.viewWorkspaces.has(workspaceId)
