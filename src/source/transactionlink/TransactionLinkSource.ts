/**
 * TransactionLink as an audit source. Each organisation workspace the token can view is a target; its members are
 * the direct and inherited (organisation admin) memberships, enriched with the organisation's users (email, status,
 * last login, organisation role). The organisation itself is one more target: enrollments name no workspace (the
 * reference's `EnrollmentResponse` has none), so they are its invitations, stored once, and a workspace's
 * invitations are not applicable. Users, roles and enrollments are read once per run and shared by every target.
 */
import { Effect, Either, Option, Stream } from "effect"
import type { CollectionName, InvitationRecord, MemberRecord, WorkspaceRecord } from "../../snapshot/Records.js"
import { type CollectionOutcome, SnapshotItem } from "../../snapshot/SnapshotItem.js"
import {
  type AuditSourceService,
  type ErrorMeanings,
  type MissingEntity,
  type RemovableCollection,
  SourceFailure,
  type WorkspaceTarget
} from "../AuditSource.js"
import { collections, commonMeanings, text } from "../Collections.js"
import type { Item } from "../http/Decode.js"
import type * as S from "./Schemas.js"
import { TransactionLinkApiError, type TransactionLinkErrorReason } from "./TransactionLinkApiError.js"
import { collect, type TransactionLinkClientService } from "./TransactionLinkClient.js"

/** What each TransactionLink error means for a run: its reasons are all the common ones. */
export const transactionLinkMeanings: ErrorMeanings<TransactionLinkErrorReason> = commonMeanings

const { covered, gap, isFatal, toFailure, twice, twiceWhole, unconfirmed } = collections<
  TransactionLinkErrorReason,
  TransactionLinkApiError
>(
  "transactionlink",
  transactionLinkMeanings
)

/** What the organisation has none of, and what a workspace has none of besides. */
const notInWorkspaces = ["robots", "robot_tokens", "webhooks", "plan_usage", "events"] as const
const notAtOrganization = ["members", ...notInWorkspaces] as const

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

/** The organisation as a target; the API names it only by the id its roles carry. */
const organizationRecord = (organizationId: string): WorkspaceRecord => ({
  id: organizationId,
  name: "Organisation",
  slug: null,
  created_at: null,
  updated_at: null,
  raw: { organizationId }
})

const displayName = (user: S.User | undefined) => {
  const name = [user?.profile?.firstName, user?.profile?.lastName].filter((p) => p).join(" ")
  return name === "" ? null : name
}

const done = (collections: ReadonlyArray<CollectionName>, outcome: CollectionOutcome) =>
  collections.map((c) => SnapshotItem.done(c, outcome))

type Users = Either.Either<ReadonlyArray<Item<S.User>>, TransactionLinkApiError>

export const makeTransactionLinkSource = (
  client: TransactionLinkClientService
): Effect.Effect<AuditSourceService> =>
  Effect.gen(function*() {
    const readUsers = Effect.either(twiceWhole(() => collect(client.users)))
    // Organisation-wide reads, shared by every target of the run; each may be forbidden on its own.
    const users = yield* Effect.cached(readUsers)
    const roles = yield* Effect.cached(Effect.either(twiceWhole(() => client.organizationRoles)))

    const orgRoleNames = Effect.map(roles, (result) =>
      new Map(Either.getOrElse(result, () => []).map((r) => [r.value.id, r.value.name])))

    /** The organisation's id (the API names it only in its roles), or why it cannot be known. */
    const organization = Effect.map(
      roles,
      Either.flatMap((items) => {
        const id = items.map((r) =>
          r.value.organizationId
        ).find((id) => typeof id === "string")
        return id ? Either.right(id) : Either.left(
          new TransactionLinkApiError({
            reason: "SchemaDrift",
            endpoint: "GET /organizations/roles",
            detail: "no role carries an organizationId"
          })
        )
      })
    )

    /** A workspace's invitations: none (they are the organisation's), or a gap when the organisation is unknown. */
    const workspaceInvitations: Effect.Effect<CollectionOutcome, SourceFailure> = Effect.flatMap(
      organization,
      (org) => {
        if (Either.isRight(org)) {
          return Effect.succeed({
            status: "not_applicable",
            detail: `Enrollments belong to the organisation: they are stored once, with organisation ${org.right}.`
          })
        }
        const error = org.left
        if (isFatal(error)) return Effect.fail(toFailure(error))
        return Effect.succeed({
          status: gap(error).status,
          detail:
            `Enrollments belong to the organisation, which could not be identified, so they were not read: ${error.message}`
        })
      }
    )

    const members = (
      workspaceId: string,
      usersRead: Effect.Effect<Users>
    ): Effect.Effect<ReadonlyArray<MemberRecord>, TransactionLinkApiError> =>
      Effect.gen(function*() {
        const [direct, all] = yield* Effect.all(
          [
            twiceWhole(() => client.directMemberships(workspaceId)),
            twiceWhole(() => client.allMemberships(workspaceId))
          ],
          { concurrency: 2 }
        )
        const directIds = new Set(direct.map((m) => m.value.userId))
        const userResult = yield* usersRead
        // Users the token may not read leave members without their emails, run after run alike; a users list that
        // failed otherwise (or shifted) would make this run's members differ from the last for no reason: a gap.
        if (Either.isLeft(userResult) && userResult.left.reason !== "Forbidden") {
          return yield* Effect.fail(userResult.left)
        }
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

    const memberItems = (workspaceId: string, usersRead: Effect.Effect<Users>) =>
      covered(
        "members",
        Stream.fromEffect(Effect.map(members(workspaceId, usersRead), (rows) => SnapshotItem.rows("members", rows)))
      )

    const invitationRecord =
      (orgRoles: ReadonlyMap<string, string>) => ({ raw, value }: Item<S.Enrollment>): InvitationRecord => ({
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
      })

    const enrollments = () =>
      Stream.unwrap(
        Effect.map(orgRoleNames, (names) =>
          Stream.map(client.enrollments, (page) => SnapshotItem.rows("invitations", page.map(invitationRecord(names)))))
      )
    const enrollmentItems = () => covered("invitations", twice("invitations", enrollments))

    /** A collection at a target: read, or an outcome that says why there is nothing to read. */
    const collection = (target: WorkspaceTarget, name: RemovableCollection, usersRead: Effect.Effect<Users>) => {
      const atOrganization = target.scope === "organization"
      switch (name) {
        case "members":
          return atOrganization
            ? Stream.make(...done(["members"], { status: "not_applicable" }))
            : memberItems(target.workspace.id, usersRead)
        case "invitations":
          return atOrganization
            ? enrollmentItems()
            : Stream.fromEffect(
              Effect.map(workspaceInvitations, (outcome) => SnapshotItem.done("invitations", outcome))
            )
        case "robots":
        case "robot_tokens":
          return Stream.make(SnapshotItem.done(name, { status: "not_applicable" }))
      }
    }

    const targets = Effect.gen(function*() {
      const workspaces = yield* Effect.mapError(twiceWhole(() => client.workspaces), toFailure)
      const org = yield* organization
      if (Either.isLeft(org) && isFatal(org.left)) return yield* Effect.fail(toFailure(org.left))
      return [
        ...workspaces.map((item): WorkspaceTarget => ({ workspace: workspaceRecord(item), scope: "workspace" })),
        ...Either.match(org, {
          onLeft: () => [],
          onRight: (
            id
          ): ReadonlyArray<WorkspaceTarget> => [{ workspace: organizationRecord(id), scope: "organization" }]
        })
      ]
    })

    /** Of the missing ids, those a fresh listing still shows. */
    const listedAgain = (
      what: string,
      missing: ReadonlyArray<{ readonly id: string }>,
      listed: Effect.Effect<ReadonlyArray<string>, TransactionLinkApiError>
    ) =>
      listed.pipe(
        Effect.map((ids) => {
          const present = new Set(ids)
          return missing.map((m) => m.id).filter((id) => present.has(id))
        }),
        Effect.mapError(unconfirmed(what))
      )

    return {
      source: "transactionlink",
      workspaces: Effect.fn("TransactionLinkSource.workspaces")((selector: Option.Option<string>) =>
        Effect.flatMap(targets, (all) => {
          const chosen = Option.match(selector, {
            onNone: () => all,
            onSome: (wanted) => all.filter((t) => t.workspace.id === wanted || t.workspace.name === wanted)
          })
          return chosen.length === 0 && Option.isSome(selector)
            ? Effect.fail(
              new SourceFailure({
                source: "transactionlink",
                reason: "NotFound",
                message: `Workspace "${selector.value}" is not one this token can view (it can view ${all.length}: ${
                  all.map((t) => t.workspace.name ?? t.workspace.id).join(", ")
                }).`
              })
            )
            : Effect.succeed(chosen)
        })
      ),
      snapshot: (target) =>
        Stream.mergeAll(
          [
            Stream.make(
              SnapshotItem.rows("workspace", [target.workspace]),
              SnapshotItem.done("workspace", { status: "complete" }),
              ...done(target.scope === "organization" ? notAtOrganization : notInWorkspaces, {
                status: "not_applicable"
              })
            ),
            ...(target.scope === "organization" ? [] : [collection(target, "members", users)]),
            collection(target, "invitations", users)
          ],
          { concurrency: "unbounded" }
        ),
      confirmAbsent: Effect.fn("TransactionLinkSource.confirmAbsent")((
        target: WorkspaceTarget,
        name: RemovableCollection,
        missing: ReadonlyArray<MissingEntity>
      ) => {
        const workspaceId = target.workspace.id
        if (name === "members" && target.scope === "workspace") {
          // No GET of one membership: both lists again (an inherited member is in the full list only).
          const listed = Effect.all([client.directMemberships(workspaceId), client.allMemberships(workspaceId)], {
            concurrency: 2
          })
          return listedAgain(
            `a member of workspace ${workspaceId}`,
            missing,
            Effect.map(listed, (lists) => lists.flat().map((m) => m.value.userId))
          )
        }
        if (name === "invitations" && target.scope === "organization") {
          const listed = Effect.map(collect(client.enrollments), (items) => items.map((e) => e.value.enrollmentId))
          return listedAgain("an enrollment of the organisation", missing, listed)
        }
        // Nothing of the kind is ever read at this target, so nothing of it can still exist here.
        return Effect.succeed<ReadonlyArray<string>>([])
      }),
      // A fresh read of the users too: the run's shared copy may be the one that was inconsistent.
      readAgain: (target, name) => collection(target, name, readUsers),
      usage: client.usage
    } satisfies AuditSourceService
  })
