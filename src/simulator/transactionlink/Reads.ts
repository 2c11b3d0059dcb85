/** The read endpoints (reference sections 4 and 5, pinned in section 12), each with its own permission checks. */
import { canViewWorkspace } from "./Auth.js"
import { TL_ENROLLMENT_STATUSES } from "./Json.js"
import { error, forbidden, ok, paged, paging, type Reply, UUID } from "./Replies.js"
import type { Request } from "./Routes.js"
import { TlWorldError } from "./State.js"

export const listWorkspaces = ({ world, grant }: Request): Reply =>
  ok(world.workspacesJson().filter((ws) => canViewWorkspace(grant, ws.id)))

/** A workspace endpoint: a UUID (400), that exists (404), that the token can view (403). */
const viewable = ({ world, grant, params }: Request): string | Reply => {
  const param = params[0]!
  if (!UUID.test(param)) return error(400, "BAD_REQUEST", `workspaceId must be a UUID, got '${param}'`)
  const id = param.toLowerCase()
  if (!world.hasWorkspace(id)) return error(404, "NOT_FOUND", `Workspace ${id} not found`)
  if (!canViewWorkspace(grant, id)) return forbidden(`can_view_workspace on workspace ${id}`)
  return id
}

const onWorkspace = (list: (request: Request, id: string) => unknown) => (request: Request): Reply => {
  const id = viewable(request)
  return typeof id === "string" ? ok(list(request, id)) : id
}

export const directMemberships = onWorkspace(({ world }, id) => world.directMembershipsJson(id))
export const allMemberships = onWorkspace(({ world }, id) => world.allMembershipsJson(id))
export const workspaceRoles = onWorkspace(({ world }, id) => world.rolesJson(id))

export const orgRoles = (
  { world, grant }: Request
): Reply => (grant.manageUsers ? ok(world.orgRolesJson()) : forbidden("can_manage_users"))

export const user = ({ world, grant, params }: Request): Reply => {
  const param = params[0]!
  if (!grant.manageUsers) return forbidden("can_manage_users")
  if (!UUID.test(param)) return error(400, "BAD_REQUEST", `userId must be a UUID, got '${param}'`)
  try {
    return ok(world.userJson(param))
  } catch (e) {
    if (e instanceof TlWorldError) return error(404, "NOT_FOUND", `User ${param} not found`)
    throw e
  }
}

export const users = ({ world, grant, query }: Request): Reply => {
  if (!grant.manageUsers) return forbidden("can_manage_users")
  const p = paging(query)
  return "status" in p ? p : ok(paged(world.usersJson(), p.page, p.size))
}

export const enrollments = ({ world, grant, query }: Request): Reply => {
  if (!grant.manageUsers) return forbidden("can_manage_users")
  const p = paging(query)
  if ("status" in p) return p
  const raw = query.get("status")
  const status = TL_ENROLLMENT_STATUSES.find((s) => s === raw)
  if (raw !== null && status === undefined) {
    return error(
      400,
      "BAD_REQUEST",
      `Query parameter 'status' must be one of ${TL_ENROLLMENT_STATUSES.join(", ")}, got '${raw}'`
    )
  }
  return ok(paged(world.enrollmentsJson(status), p.page, p.size))
}
