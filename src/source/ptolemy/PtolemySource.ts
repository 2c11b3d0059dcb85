/**
 * Ptolemy as an audit source: reads every collection of one workspace through `PtolemyClient` and maps it into the
 * snapshot's records. A collection the token may not read (403), or that keeps failing, becomes a coverage gap of
 * the run; an expired cursor or a listing that shifted (differing copies of one id) restarts its collection once; a
 * refused token, a spent quota or a refused certificate fails the whole run. Removals are confirmed by direct GETs.
 */
import { Effect, Option, Stream } from "effect"
import type {
  CollectionRecords,
  EventRecord,
  InvitationRecord,
  MemberRecord,
  PlanUsageRecord,
  RobotRecord,
  TokenRecord,
  WebhookRecord,
  WorkspaceRecord
} from "../../snapshot/Records.js"
import { SnapshotItem } from "../../snapshot/SnapshotItem.js"
import type {
  AuditSourceService,
  ErrorMeanings,
  MissingEntity,
  RemovableCollection,
  SourceFailure,
  WorkspaceTarget
} from "../AuditSource.js"
import { collections, commonMeanings, text } from "../Collections.js"
import type { Item } from "../http/Decode.js"
import { describeConflicts, makeListing } from "../http/Listing.js"
import { PtolemyApiError, type PtolemyErrorReason } from "./PtolemyApiError.js"
import type { PtolemyClientService } from "./PtolemyClient.js"
import type * as S from "./Schemas.js"

type Pages<A> = Stream.Stream<ReadonlyArray<Item<A>>, PtolemyApiError>

/** What each Ptolemy error means for a run. */
export const ptolemyMeanings: ErrorMeanings<PtolemyErrorReason> = {
  ...commonMeanings,
  QuotaExceeded: { inCollection: "fail", failure: "QuotaExceeded" },
  InvalidCursor: { inCollection: "restart", failure: "Unavailable" },
  Redirected: { inCollection: "failed", failure: "Unavailable" }
}

const { covered, gap, isFatal, toFailure, twice, twiceWhole, unconfirmed } = collections<
  PtolemyErrorReason,
  PtolemyApiError
>(
  "ptolemy",
  ptolemyMeanings
)

/** Reads a whole (small) collection into memory, once more if its cursor expired or it shifted. */
const collectAll = <A>(pages: () => Pages<A>) =>
  twiceWhole(() => Effect.map(Stream.runCollect(pages()), (chunks) => Array.from(chunks).flat()))

const isNotFound = (error: PtolemyApiError) => error.reason === "NotFound"

/**
 * A 404 on a listed parent's child list (a robot's tokens, a webhook's subscriptions) asks for the parent, only then.
 * Gone too, it was deleted while the run read it: `None`. Still there, the 404 is unexplained and fails the
 * collection (a gap), so a parent that exists is never stored as having lost its tokens or subscriptions.
 */
const whenParentGone = <A, B>(
  read: Effect.Effect<A, PtolemyApiError>,
  parent: () => Effect.Effect<B, PtolemyApiError>
): Effect.Effect<Option.Option<A>, PtolemyApiError> =>
  read.pipe(
    Effect.map(Option.some),
    Effect.catchIf(isNotFound, (notFound) =>
      parent().pipe(
        Effect.matchEffect({
          onFailure: (e) => (isNotFound(e) ? Effect.succeed(Option.none()) : Effect.fail(e)),
          onSuccess: () => Effect.fail(notFound)
        })
      ))
  )

const pastOrAt = (iso: string | null | undefined, asOf: string) =>
  iso != null && !Number.isNaN(Date.parse(iso)) && Date.parse(iso) <= Date.parse(asOf)

export const workspaceRecord = ({ raw, value }: Item<S.Workspace>): WorkspaceRecord => ({
  id: value.id,
  name: text(value.name),
  slug: text(value.slug),
  created_at: text(value.created_at),
  updated_at: text(value.updated_at),
  raw
})

const memberRecord = ({ raw, value }: Item<S.Membership>): MemberRecord => ({
  id: value.id,
  user_id: text(value.user_id),
  user_type: value.user_type === "human" || value.user_type === "robot" ? value.user_type : null,
  role: value.role,
  display_name: text(value.display_name),
  email: text(value.email),
  created_at: text(value.created_at),
  updated_at: text(value.updated_at),
  access: "direct",
  org_role: null,
  user_status: null,
  last_login_at: null,
  raw
})

const robotRecord = ({ raw, value }: Item<S.Robot>): RobotRecord => ({
  id: value.id,
  membership_id: text(value.membership_id),
  display_name: text(value.display_name),
  description: text(value.description),
  role: text(value.role),
  created_at: text(value.created_at),
  raw
})

const tokenRecord = (robotId: string, asOf: string) => ({ raw, value }: Item<S.RobotToken>): TokenRecord => ({
  id: value.id,
  robot_id: robotId,
  name: text(value.name),
  token_suffix: text(value.token_suffix),
  // The status is INFERRED; where it is missing, the timestamps say which of the three states the token is in.
  status: value.status ??
    (value.revoked_at ? "revoked" : pastOrAt(value.expires_at, asOf) ? "expired" : "active"),
  created_at: text(value.created_at),
  expires_at: text(value.expires_at),
  revoked_at: text(value.revoked_at),
  last_used_at: text(value.last_used_at),
  last_used_reported: Object.prototype.hasOwnProperty.call(raw, "last_used_at"),
  raw
})

const invitationRecord = (asOf: string) => ({ raw, value }: Item<S.Invitation>): InvitationRecord => ({
  id: value.id,
  email: text(value.email),
  role: text(value.role),
  status: value.status ??
    (value.accepted_at
      ? "accepted"
      : value.revoked_at
      ? "revoked"
      : pastOrAt(value.expires_at, asOf)
      ? "expired"
      : "pending"),
  invited_by: text(value.invited_by),
  created_at: text(value.created_at),
  expires_at: text(value.expires_at),
  accepted_at: text(value.accepted_at),
  revoked_at: text(value.revoked_at),
  raw
})

const planUsageRecords = ({ raw, value }: Item<S.Plan>): ReadonlyArray<PlanUsageRecord> => {
  const { usage: rawUsage, ...planRaw } = raw as { usage?: Record<string, unknown> }
  return Object.entries(value.usage).map(([dimension, usage]) => ({
    id: dimension,
    plan: text(value.plan),
    overage_enabled: value.overage_enabled ?? null,
    billing_period_start: text(value.billing_period?.start),
    billing_period_end: text(value.billing_period?.end),
    used: usage.used,
    limit: usage.limit ?? null,
    raw: { ...planRaw, usage: rawUsage?.[dimension] ?? usage }
  }))
}

const eventRecord = ({ raw, value }: Item<S.Event>): EventRecord => ({
  id: value.id,
  event_type: value.event_type,
  resource_type: text(value.resource_type),
  resource_id: text(value.resource_id),
  actor_id: text(value.actor?.id),
  actor_type: text(value.actor?.type),
  actor_display_name: text(value.actor?.display_name),
  created_at: value.created_at,
  raw
})

export interface PtolemySourceOptions {
  /** Fan-out requests (token lists, subscriptions) started at once; the client's lanes bound them anyway. */
  readonly concurrency?: number
}

export const makePtolemySource = (
  client: PtolemyClientService,
  options: PtolemySourceOptions = {}
): AuditSourceService => {
  const fanout = Math.max(1, options.concurrency ?? 10)

  /** A paginated collection, streamed page by page, read again once (after a Restart item) where it must be. */
  const streamed = <A, C extends "members" | "invitations" | "events">(
    collection: C,
    pages: () => Pages<A>,
    toRecord: (item: Item<A>) => CollectionRecords[C]
  ): Stream.Stream<SnapshotItem, SourceFailure> =>
    covered(
      collection,
      twice(collection, () => Stream.map(pages(), (page) => SnapshotItem.rows(collection, page.map(toRecord))))
    )

  const members = () => streamed("members", () => client.memberships(), memberRecord)
  const invitations = (asOf: string) => streamed("invitations", () => client.invitations(), invitationRecord(asOf))

  /** A robot's tokens; none when the robot itself is gone (deleted while the run read it). */
  const tokensOf = (robotId: string) =>
    whenParentGone(collectAll(() => client.robotTokens(robotId)), () => client.robot(robotId))

  /**
   * Every robot's tokens, one list per robot, as one collection: a token id under two robots with different
   * contents is a listing that shifted, like differing copies in one list.
   */
  const tokenRows = (
    robots: ReadonlyArray<Item<S.Robot>>,
    asOf: string,
    deleted: Set<string>
  ): Stream.Stream<SnapshotItem, PtolemyApiError> =>
    Stream.suspend(() => {
      const listing = makeListing<TokenRecord>({ id: (t) => t.id, content: (t) => [t.robot_id, t.raw] })
      const perRobot = Stream.fromIterable(robots).pipe(
        Stream.mapEffect(
          (robot) =>
            Effect.map(tokensOf(robot.value.id), (tokens) => {
              if (Option.isNone(tokens)) deleted.add(robot.value.id)
              const records = Option.getOrElse(tokens, () => []).map(tokenRecord(robot.value.id, asOf))
              return SnapshotItem.rows("robot_tokens", listing.admit(records).kept)
            }),
          { concurrency: fanout }
        )
      )
      const conflicts = Stream.suspend(() => {
        const ids = listing.conflicts()
        return ids.length === 0 ? Stream.empty : Stream.fail(
          new PtolemyApiError({
            reason: "Inconsistent",
            endpoint: "the robots' token lists",
            detail: describeConflicts(ids)
          })
        )
      })
      return Stream.concat(perRobot, conflicts)
    })

  const robotsAndTokens = (asOf: string): Stream.Stream<SnapshotItem, SourceFailure> =>
    Stream.unwrap(
      Effect.gen(function*() {
        const robots = yield* Effect.either(collectAll(() => client.robots()))
        if (robots._tag === "Left") {
          const error = robots.left
          if (isFatal(error)) return Stream.fail(toFailure(error))
          return Stream.make(
            SnapshotItem.done("robots", gap(error)),
            SnapshotItem.done("robot_tokens", {
              status: gap(error).status,
              detail: `Token lists are read per robot, and the robot list could not be read: ${error.message}`
            })
          )
        }
        // Robots deleted while the run read their tokens: left out with their tokens, as the next list would.
        const deleted = new Set<string>()
        return Stream.concat(
          covered("robot_tokens", twice("robot_tokens", () => tokenRows(robots.right, asOf, deleted))),
          Stream.suspend(() =>
            Stream.make(
              SnapshotItem.rows("robots", robots.right.filter((r) => !deleted.has(r.value.id)).map(robotRecord)),
              SnapshotItem.done("robots", { status: "complete" })
            )
          )
        )
      })
    )

  const robotsOnly = covered(
    "robots",
    Stream.fromEffect(
      Effect.map(collectAll(() => client.robots()), (robots) => SnapshotItem.rows("robots", robots.map(robotRecord)))
    )
  )

  const webhooks: Stream.Stream<SnapshotItem, SourceFailure> = covered(
    "webhooks",
    Stream.unwrap(
      Effect.gen(function*() {
        const hooks = yield* collectAll(() => client.webhooks())
        const withSubscriptions = yield* Effect.forEach(
          hooks,
          (hook) =>
            whenParentGone(collectAll(() => client.subscriptions(hook.value.id)), () => client.webhook(hook.value.id))
              .pipe(
                Effect.map(Option.map((subscriptions) =>
                  ({
                    id: hook.value.id,
                    url: hook.value.url,
                    label: text(hook.value.label),
                    active: hook.value.active ?? null,
                    created_at: text(hook.value.created_at),
                    event_types: [...new Set(subscriptions.map((s) => s.value.event_type))].sort(),
                    raw: { ...hook.raw, subscriptions: subscriptions.map((s) => s.raw) }
                  }) satisfies WebhookRecord
                ))
              ),
          { concurrency: fanout }
        )
        return Stream.succeed(SnapshotItem.rows("webhooks", withSubscriptions.flatMap(Option.toArray)))
      })
    )
  )

  /** The ids that still answer their direct GET (200); a 404 means gone. */
  const stillThere = <A>(
    what: string,
    missing: ReadonlyArray<MissingEntity>,
    get: (id: string) => Effect.Effect<A, PtolemyApiError>
  ) =>
    Effect.forEach(
      missing,
      ({ id }) =>
        get(id).pipe(
          Effect.as(Option.some(id)),
          Effect.catchIf(isNotFound, () => Effect.succeed(Option.none<string>())),
          Effect.mapError(unconfirmed(`${what} ${id}`))
        ),
      { concurrency: fanout }
    ).pipe(Effect.map((ids) => ids.flatMap(Option.toArray)))

  /** Tokens are listed per robot (there is no GET of one token): each robot's list once, a 404 robot = all gone. */
  const tokensStillThere = (missing: ReadonlyArray<MissingEntity>) => {
    const byRobot = new Map<string | null, Array<MissingEntity>>()
    for (const m of missing) byRobot.set(m.parentId, [...(byRobot.get(m.parentId) ?? []), m])
    return Effect.forEach(
      [...byRobot],
      ([robotId, tokens]) =>
        robotId === null
          ? Effect.succeed([])
          : tokensOf(robotId).pipe(
            Effect.map((listed) => {
              const ids = new Set(Option.getOrElse(listed, () => []).map((t) => t.value.id))
              return tokens.filter((t) => ids.has(t.id)).map((t) => t.id)
            }),
            Effect.mapError(unconfirmed(`the tokens of robot ${robotId}`))
          ),
      { concurrency: fanout }
    ).pipe(Effect.map((ids) => ids.flat()))
  }

  return {
    source: "ptolemy",
    workspaces: Effect.fn("PtolemySource.workspaces")(() =>
      client.workspace.pipe(
        Effect.map((
          item
        ): ReadonlyArray<WorkspaceTarget> => [{ workspace: workspaceRecord(item), scope: "workspace" }]),
        Effect.mapError(toFailure)
      )
    ),
    snapshot: (target, { asOf, eventsSince }) =>
      // The plan is read first, alone: its API-call meter counts every request the API has served, so read while
      // other requests are in flight it would depend on which of them arrived first, and so would the run's hash.
      // Read before them it is the figure as of the run's start, whatever the network's timing (one round more).
      Stream.concat(
        covered(
          "plan_usage",
          Stream.fromEffect(
            Effect.map(client.plan, (plan) => SnapshotItem.rows("plan_usage", planUsageRecords(plan)))
          )
        ),
        Stream.mergeAll(
          [
            Stream.make(
              SnapshotItem.rows("workspace", [target.workspace]),
              SnapshotItem.done("workspace", { status: "complete" })
            ),
            members(),
            robotsAndTokens(asOf),
            invitations(asOf),
            webhooks,
            streamed("events", () => client.events(eventsSince), eventRecord)
          ],
          { concurrency: "unbounded" }
        )
      ),
    confirmAbsent: Effect.fn("PtolemySource.confirmAbsent")((
      _target: WorkspaceTarget,
      collection: RemovableCollection,
      missing: ReadonlyArray<MissingEntity>
    ) => {
      switch (collection) {
        case "members":
          return stillThere("membership", missing, client.membership)
        case "robots":
          return stillThere("robot", missing, client.robot)
        case "invitations":
          return stillThere("invitation", missing, client.invitation)
        case "robot_tokens":
          return tokensStillThere(missing)
      }
    }),
    readAgain: (_target, collection, { asOf }) => {
      switch (collection) {
        case "members":
          return members()
        case "invitations":
          return invitations(asOf)
        case "robots":
          return robotsOnly
        case "robot_tokens":
          return Stream.filter(robotsAndTokens(asOf), (item) => item.collection === "robot_tokens")
      }
    },
    usage: client.usage
  }
}
