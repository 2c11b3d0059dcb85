/**
 * TransactionLink as an audit source: each organisation workspace the token can view is a workspace of the audit.
 * Its members are the direct and inherited (organisation admin) memberships, enriched with the organisation's users
 * (email, status, last login, organisation role); the organisation's enrollments are its invitations. Users, roles
 * and enrollments are read once per run and shared by every workspace.
 */
import { Effect, Either, Option, Stream } from "effect"
import type { CollectionRecords, InvitationRecord, MemberRecord, WorkspaceRecord } from "../../snapshot/Records.js"
import { SnapshotItem } from "../../snapshot/SnapshotItem.js"
import { type AuditSourceService, coverageGap, SourceFailure, sourceFailure, type WorkspaceTarget } from "../AuditSource.js"
import type { TransactionLinkApiError } from "./TransactionLinkApiError.js"
import type { Item, TransactionLinkClientService } from "./TransactionLinkClient.js"
import type * as S from "./Schemas.js"

const toFailure = (error: TransactionLinkApiError) => sourceFailure("transactionlink", error)
const gap = coverageGap

const text = (value: string | null | undefined) => value ?? null

const notApplicable = ["robots", "robot_tokens", "webhooks", "plan_usage", "events"] as const

/** Enrollment statuses in the audit's vocabulary: a cancelled enrollment can no longer be used, like a revoked invitation. */
const invitationStatus = (status: string) => (status === "cancelled" ? "revoked" : status)

const workspaceRecord = ({ raw, value }: Item<S.Workspace>): WorkspaceRecord => ({
  id: value.id,
  name: text(value.name),
  slug: null,
  created_at: text(value.createdDateTime),
  updated_at: null,
  raw
})

const displayName = (user: S.User | undefined) => {
  const name = [user?.profile?.firstName, user?.profile?.lastName].filter((p) => p).join(" ")
  return name === "" ? null : name
}

export const makeTransactionLinkSource = (
  client: TransactionLinkClientService
): Effect.Effect<AuditSourceService> =>
  Effect.gen(function*() {
    // Organisation-wide reads, shared by every workspace of the run; each may be forbidden on its own.
    const users = yield* Effect.cached(Effect.either(client.users))
    const roles = yield* Effect.cached(Effect.either(client.organizationRoles))
    const enrollments = yield* Effect.cached(Effect.either(client.enrollments))

    const orgRoleNames = Effect.map(roles, (result) =>
      Either.match(result, {
        onLeft: () => new Map<string, string>(),
        onRight: (items) => new Map(items.map((r) => [r.value.id, r.value.name]))
      }))

    const members = (workspaceId: string): Effect.Effect<ReadonlyArray<MemberRecord>, TransactionLinkApiError> =>
      Effect.gen(function*() {
        const [direct, all] = yield* Effect.all(
          [client.directMemberships(workspaceId), client.allMemberships(workspaceId)],
          { concurrency: 2 }
        )
        const directIds = new Set(direct.map((m) => m.value.userId))
        const userResult = yield* users
        const fatal = Either.isLeft(userResult) && userResult.left.reason === "Unauthorized"
        if (fatal) return yield* Effect.fail(userResult.left)
        const byId = new Map(Either.getOrElse(userResult, () => []).map((u) => [u.value.id, u]))
        const orgRoles = yield* orgRoleNames
        // The full list has every member; an entry missing from the direct list is inherited from the organisation.
        const entries = new Map(all.map((m) => [m.value.userId, m]))
        for (const m of direct) if (!entries.has(m.value.userId)) entries.set(m.value.userId, m)
        return [...entries.values()].map(({ raw, value }): MemberRecord => {
          const user = byId.get(value.userId)
          const inherited = !directIds.has(value.userId) || value.role.type?.toUpperCase() === "ORGANIZATION"
          const { lastLoginDateTime, ...userRaw } = user?.raw ?? {}
          return {
            id: value.userId,
            user_id: value.userId,
            user_type: "human",
            role: value.role.name.toLowerCase(),
            display_name: displayName(user?.value),
            email: text(user?.value.email),
            created_at: text(user?.value.createdDateTime),
            updated_at: null,
            access: inherited ? "inherited" : "direct",
            org_role: user?.value.roleId ? orgRoles.get(user.value.roleId) ?? null : null,
            user_status: text(user?.value.status),
            last_login_at: text(user?.value.lastLoginDateTime),
            raw: {
              ...raw,
              ...(user ? { user: userRaw } : {}),
              ...(lastLoginDateTime === undefined ? {} : { lastLoginDateTime })
            }
          }
        })
      })

    const invitations = Effect.gen(function*() {
      const result = yield* enrollments
      if (Either.isLeft(result)) return yield* Effect.fail(result.left)
      const orgRoles = yield* orgRoleNames
      return result.right.map(({ raw, value }): InvitationRecord => ({
        id: value.enrollmentId,
        email: text(value.email),
        role: value.roleId ? orgRoles.get(value.roleId) ?? null : null,
        status: invitationStatus(value.status),
        invited_by: null,
        created_at: text(value.createdDateTime ?? value.lastInvitationSentAt),
        expires_at: text(value.expiresAt),
        accepted_at: null,
        revoked_at: null,
        raw
      }))
    })

    /** One collection read whole: its rows and outcome, a gap on a non-fatal error, a failed run on a 401. */
    const whole = <C extends "members" | "invitations">(
      collection: C,
      read: Effect.Effect<ReadonlyArray<CollectionRecords[C]>, TransactionLinkApiError>
    ): Stream.Stream<SnapshotItem, SourceFailure> =>
      Stream.fromIterableEffect(
        read.pipe(
          Effect.map((rows): ReadonlyArray<SnapshotItem> => [
            SnapshotItem.rows(collection, rows),
            SnapshotItem.done(collection, { status: "complete" })
          ]),
          Effect.catchAll((error) =>
            error.reason === "Unauthorized"
              ? Effect.fail(toFailure(error))
              : Effect.succeed([SnapshotItem.done(collection, gap(error))])
          )
        )
      )

    return {
      source: "transactionlink",
      workspaces: (selector) =>
        client.workspaces.pipe(
          Effect.mapError(toFailure),
          Effect.flatMap((items) => {
            const chosen = Option.match(selector, {
              onNone: () => items,
              onSome: (wanted) => items.filter((w) => w.value.id === wanted || w.value.name === wanted)
            })
            return chosen.length === 0 && Option.isSome(selector)
              ? Effect.fail(
                new SourceFailure({
                  source: "transactionlink",
                  reason: "NotFound",
                  message:
                    `Workspace "${selector.value}" is not one this token can view (it can view ${items.length}: ${
                      items.map((w) => w.value.name ?? w.value.id).join(", ")
                    }).`
                })
              )
              : Effect.succeed(chosen.map((item): WorkspaceTarget => ({ workspace: workspaceRecord(item) })))
          })
        ),
      snapshot: (target) =>
        Stream.mergeAll(
          [
            Stream.make(
              SnapshotItem.rows("workspace", [target.workspace]),
              SnapshotItem.done("workspace", { status: "complete" }),
              ...notApplicable.map((c) => SnapshotItem.done(c, { status: "not_applicable" }))
            ),
            whole("members", members(target.workspace.id)),
            whole("invitations", invitations)
          ],
          { concurrency: "unbounded" }
        ),
      usage: client.usage
    } satisfies AuditSourceService
  })
