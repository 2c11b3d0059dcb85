/**
 * Organisation tokens (`tot_` + 52 alphanumerics, sent as-is in `Authorization`, no `Bearer`) and their permissions.
 * Three scopes are modelled: `can_view_workspace` and `can_manage_workspace_access` (per workspace) and
 * `can_manage_users` (on the organisation).
 */
import { Random } from "../kit/Random.js"

export const TOKEN_PATTERN = /^tot_[A-Za-z0-9]{52}$/

/** A scope granted on every workspace (including ones created later) or on the listed ones. */
export type WorkspaceScope = "all" | ReadonlySet<string>

export interface TokenGrant {
  /** `can_view_workspace`. */
  viewWorkspaces: WorkspaceScope
  /** `can_manage_workspace_access`: add, change and remove workspace memberships. */
  manageWorkspaceAccess: WorkspaceScope
  /** `can_manage_users` on the organisation (users, enrollments, organisation roles). */
  manageUsers: boolean
}

export interface TlTokens {
  /** can_view_workspace on every workspace + can_manage_users: what the audit reads with. */
  full: string
  /** can_view_workspace only (users, enrollments, org roles => 403). */
  viewOnly: string
  /** can_view_workspace on the first workspace only (+ can_manage_users). */
  oneWorkspace: string
  /** Every permission, can_manage_workspace_access on every workspace included: what remediation writes with. */
  write: string
}

const NONE: WorkspaceScope = new Set<string>()

export const makeTokens = (
  seed: number,
  firstWorkspaceId: string
): { tokens: TlTokens; grants: Map<string, TokenGrant> } => {
  const rng = Random.of(seed, "tokens")
  const token = () => `tot_${rng.alphanumeric(52)}`
  const tokens: TlTokens = { full: token(), viewOnly: token(), oneWorkspace: token(), write: token() }
  const grants = new Map<string, TokenGrant>([
    [tokens.full, { viewWorkspaces: "all", manageWorkspaceAccess: NONE, manageUsers: true }],
    [tokens.viewOnly, { viewWorkspaces: "all", manageWorkspaceAccess: NONE, manageUsers: false }],
    [tokens.oneWorkspace, {
      viewWorkspaces: new Set([firstWorkspaceId]),
      manageWorkspaceAccess: NONE,
      manageUsers: true
    }],
    [tokens.write, { viewWorkspaces: "all", manageWorkspaceAccess: "all", manageUsers: true }]
  ])
  return { tokens, grants }
}

export const inScope = (scope: WorkspaceScope, workspaceId: string): boolean =>
  scope === "all" || scope.has(workspaceId)

export const canViewWorkspace = (grant: TokenGrant, workspaceId: string): boolean =>
  inScope(grant.viewWorkspaces, workspaceId)
