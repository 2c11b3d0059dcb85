/**
 * Ptolemy as an audit source: reads every collection of one workspace through `PtolemyClient` and maps it into the
 * snapshot's records. A collection the token may not read (403), or that keeps failing, becomes a coverage gap of
 * the run; an expired cursor restarts its collection once; a refused token or a spent quota fails the whole run.
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
import { type AuditSourceService, coverageGap, type SourceFailure, sourceFailure, type WorkspaceTarget } from "../AuditSource.js"
import type { PtolemyApiError } from "./PtolemyApiError.js"
import type { Item, PtolemyClientService } from "./PtolemyClient.js"
import type * as S from "./Schemas.js"

type Pages<A> = Stream.Stream<ReadonlyArray<Item<A>>, PtolemyApiError>

const isFatal = (error: PtolemyApiError) => error.reason === "Unauthorized" || error.reason === "QuotaExceeded"

const toFailure = (error: PtolemyApiError) => sourceFailure("ptolemy", error)
const gap = coverageGap

/** Reads a whole (small) collection into memory, reading it again from the start once if its cursor expires. */
const collectAll = <A>(pages: () => Pages<A>) =>
  Stream.runCollect(pages()).pipe(
    Effect.catchIf((e) => e.reason === "InvalidCursor", () => Stream.runCollect(pages())),
    Effect.map((chunks) => Array.from(chunks).flat())
  )

const text = (value: string | null | undefined) => value ?? null

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
    Effect.catchIf(
      (e) => e.reason === "NotFound",
      (notFound) =>
        parent().pipe(
          Effect.matchEffect({
            onFailure: (e) => (e.reason === "NotFound" ? Effect.succeed(Option.none()) : Effect.fail(e)),
            onSuccess: () => Effect.fail(notFound)
          })
        )
    )
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

  /** A paginated collection, streamed page by page, restarted once (with a Restart item) on an expired cursor. */
  const streamed = <A, C extends "members" | "invitations" | "events">(
    collection: C,
    pages: () => Pages<A>,
    toRecord: (item: Item<A>) => CollectionRecords[C]
  ): Stream.Stream<SnapshotItem, PtolemyApiError> => {
    const rows = (source: Pages<A>): Stream.Stream<SnapshotItem, PtolemyApiError> =>
      Stream.map(source, (page) => SnapshotItem.rows(collection, page.map(toRecord)))
    return rows(pages()).pipe(
      Stream.catchAll((error) =>
        error.reason === "InvalidCursor"
          ? Stream.concat(Stream.succeed(SnapshotItem.restart(collection)), rows(pages()))
          : Stream.fail(error)
      )
    )
  }

  /** Ends a collection's items with its outcome; a fatal error fails the run, any other becomes a gap. */
  const covered = (
    collection: Parameters<typeof SnapshotItem.done>[0],
    items: Stream.Stream<SnapshotItem, PtolemyApiError>
  ): Stream.Stream<SnapshotItem, SourceFailure> =>
    items.pipe(
      Stream.concat(Stream.succeed(SnapshotItem.done(collection, { status: "complete" }))),
      Stream.catchAll((error) =>
        isFatal(error)
          ? Stream.fail(toFailure(error))
          : Stream.succeed(SnapshotItem.done(collection, gap(error)))
      )
    )

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
        const tokens = Stream.fromIterable(robots.right).pipe(
          Stream.mapEffect(
            (robot) =>
              whenParentGone(collectAll(() => client.robotTokens(robot.value.id)), () => client.robot(robot.value.id)).pipe(
                Effect.map(Option.getOrElse(() => {
                  deleted.add(robot.value.id)
                  return []
                })),
                Effect.map((items) => SnapshotItem.rows("robot_tokens", items.map(tokenRecord(robot.value.id, asOf))))
              ),
            { concurrency: fanout }
          )
        )
        return Stream.concat(
          covered("robot_tokens", tokens),
          Stream.suspend(() =>
            Stream.make(
              SnapshotItem.rows("robots", robots.right.filter((r) => !deleted.has(r.value.id)).map(robotRecord)),
              SnapshotItem.done("robots", { status: "complete" })
            )
          )
        )
      })
    )

  const webhooks: Stream.Stream<SnapshotItem, SourceFailure> = covered(
    "webhooks",
    Stream.unwrap(
      Effect.gen(function*() {
        const hooks = yield* collectAll(() => client.webhooks())
        const withSubscriptions = yield* Effect.forEach(
          hooks,
          (hook) =>
            whenParentGone(collectAll(() => client.subscriptions(hook.value.id)), () => client.webhook(hook.value.id)).pipe(
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

  return {
    source: "ptolemy",
    workspaces: () =>
      client.workspace.pipe(
        Effect.map((item): ReadonlyArray<WorkspaceTarget> => [{ workspace: workspaceRecord(item) }]),
        Effect.mapError(toFailure)
      ),
    snapshot: (target, { asOf, eventsSince }) =>
      Stream.mergeAll(
        [
          Stream.make(
            SnapshotItem.rows("workspace", [target.workspace]),
            SnapshotItem.done("workspace", { status: "complete" })
          ),
          covered("members", streamed("members", () => client.memberships(), memberRecord)),
          robotsAndTokens(asOf),
          covered("invitations", streamed("invitations", () => client.invitations(), invitationRecord(asOf))),
          covered(
            "plan_usage",
            Stream.fromEffect(Effect.map(client.plan, (plan) => SnapshotItem.rows("plan_usage", planUsageRecords(plan))))
          ),
          webhooks,
          covered("events", streamed("events", () => client.events(eventsSince), eventRecord))
        ],
        { concurrency: "unbounded" }
      ),
    usage: client.usage
  }
}
