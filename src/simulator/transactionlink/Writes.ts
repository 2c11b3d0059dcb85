/**
 * The write endpoints (reference sections 4.3, 4.4 and 5.3; paths and bodies INFERRED there): remove a user from a
 * workspace, set a membership's role (an upsert), cancel a pending enrollment. Each checks its permission on the
 * resource first, then its parameters, then existence.
 */
import { inScope } from "./Auth.js"
import { error, forbidden, ok, type Reply, UUID } from "./Replies.js"
import type { Request } from "./Routes.js"
import { TlWorldError } from "./State.js"

const STATUS = { NOT_FOUND: 404, BAD_REQUEST: 400, CONFLICT: 409 } as const

/** The World's refusals as answers. */
const attempt = (run: () => Reply): Reply => {
  try {
    return run()
  } catch (e) {
    if (e instanceof TlWorldError) return error(STATUS[e.kind], e.kind, e.message)
    throw e
  }
}

/** A membership path: both ids UUIDs (400), the workspace exists (404), `can_manage_workspace_access` on it (403). */
const managed = ({ world, grant, params }: Request): { workspaceId: string; userId: string } | Reply => {
  const [workspaceId, userId] = [params[0]!, params[1]!]
  if (!UUID.test(workspaceId)) return error(400, "BAD_REQUEST", `workspaceId must be a UUID, got '${workspaceId}'`)
  if (!UUID.test(userId)) return error(400, "BAD_REQUEST", `userId must be a UUID, got '${userId}'`)
  const id = workspaceId.toLowerCase()
  if (!world.hasWorkspace(id)) return error(404, "NOT_FOUND", `Workspace ${id} not found`)
  if (!inScope(grant.manageWorkspaceAccess, id)) return forbidden(`can_manage_workspace_access on workspace ${id}`)
  return { workspaceId: id, userId: userId.toLowerCase() }
}

/** DELETE /organizations/workspaces/{workspaceId}/memberships/{userId}: 200 with no content. */
export const removeMembership = (request: Request): Reply => {
  const target = managed(request)
  if ("status" in target) return target
  return attempt(() => {
    request.world.removeMembership(target.workspaceId, target.userId)
    return { status: 200, body: undefined }
  })
}

/** PUT /organizations/workspaces/{workspaceId}/memberships/{userId} `{userId, roleId}`: 200 with the membership. */
export const setMembership = (request: Request): Reply => {
  const target = managed(request)
  if ("status" in target) return target
  if (request.badBody) return error(400, "BAD_REQUEST", "The body is not valid JSON")
  const body = request.body as { userId?: unknown; roleId?: unknown } | undefined
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return error(400, "BAD_REQUEST", "The body must be {\"userId\": uuid, \"roleId\": uuid}")
  }
  if (typeof body.userId !== "string" || body.userId.toLowerCase() !== target.userId) {
    return error(400, "BAD_REQUEST", "userId in the body must be the userId of the path")
  }
  if (typeof body.roleId !== "string" || !UUID.test(body.roleId)) {
    return error(400, "BAD_REQUEST", "roleId must be a UUID")
  }
  const roleId = body.roleId
  return attempt(() => {
    request.world.userJson(target.userId) // 404 for a user outside the organisation, before the role is looked at
    return ok(request.world.addMembership(target.workspaceId, target.userId, roleId.toLowerCase()))
  })
}

/** POST /organizations/enrollments/{enrollmentId}/cancel: 200 with the enrollment; 409 once it is no longer pending. */
export const cancelEnrollment = ({ world, grant, params }: Request): Reply => {
  if (!grant.manageUsers) return forbidden("can_manage_users")
  const id = params[0]!
  if (!UUID.test(id)) return error(400, "BAD_REQUEST", `enrollmentId must be a UUID, got '${id}'`)
  return attempt(() => {
    const found = world.enrollmentsJson().find((e) => e.enrollmentId === id.toLowerCase())
    if (found === undefined) return error(404, "NOT_FOUND", `Enrollment ${id} not found`)
    if (found.status !== "PENDING") {
      return error(409, "CONFLICT", `Enrollment ${id} is ${found.status}, no longer pending`)
    }
    return ok(world.cancelEnrollment(id))
  })
}
