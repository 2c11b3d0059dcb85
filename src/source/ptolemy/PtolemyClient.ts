/**
 * The Ptolemy REST API client: one `HttpClient` built once with base URL, bearer token, timeout, retry and request
 * lanes, and one method per read endpoint the audit uses. Every collection is a `Stream` of decoded pages, fetched
 * one page at a time. The client can only read: its requests are GETs and POSTs to `/filter` endpoints, by type.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Context, Effect, Either, Option, Redacted, Ref, Schema, Stream } from "effect"
import { describeIssues } from "../http/Issues.js"
import { makeJsonCall, type RequestTuning, tuned } from "../http/JsonCall.js"
import { type Lanes, makeLanes } from "../http/Lanes.js"
import { pageProgress } from "../http/Progress.js"
import { PtolemyApiError } from "./PtolemyApiError.js"
import * as S from "./Schemas.js"

export interface PtolemyClientConfig extends RequestTuning {
  /** e.g. `https://api.ptolemy.cloud/v1` */
  readonly baseUrl: string
  /** A workspace UUID or slug. */
  readonly workspace: string
  readonly token: Redacted.Redacted<string>
  /** Requests in flight at once across collections (the API's guidance: about 10). */
  readonly concurrency?: number
}

/** A decoded entity with the exact JSON object it came from. */
export interface Item<A> {
  readonly value: A
  readonly raw: Readonly<Record<string, unknown>>
}

/** Whether a paginated read holds a lane for all its pages (a collection) or takes one per request (fan-out). */
export type LaneMode = "chain" | "fanout"

/** The only requests this client can make: reads, and filter queries (POST, but read-only by the API's design). */
type ReadRequest =
  | { readonly kind: "get"; readonly path: string; readonly query?: Record<string, string> }
  | { readonly kind: "filter"; readonly collection: "memberships" | "events" | "webhooks"; readonly body: unknown }

export const PAGE_SIZE = 200
/** Empty pages (or pages of items already read) tolerated in a row while `has_more` says there is more. */
const MAX_PAGES_WITH_NOTHING_NEW = 3

/**
 * `gte`, not the `gt` of the reference's example: timestamps have whole seconds, so an event stamped in the same second
 * as the newest stored one but published after the last run read the log would otherwise be skipped for good. The few
 * events at the watermark are read again and the store keeps each event once.
 */
const eventsSinceFilter = (since: string) => ({
  filter: { and: [{ field: "created_at", op: "gte", value: since }] },
  sort: [{ field: "created_at", direction: "asc" }],
  limit: PAGE_SIZE
})

export const make = (config: PtolemyClientConfig) =>
  Effect.gen(function*() {
    const baseUrl = config.baseUrl.replace(/\/+$/, "")
    const basePath = new URL(baseUrl).pathname.replace(/\/+$/, "")
    const workspacePath = `/workspaces/${encodeURIComponent(config.workspace)}`
    const lanes: Lanes = yield* makeLanes(config.concurrency ?? 10)
    const calls = yield* Ref.make(0)
    const rateLimitRemaining = yield* Ref.make<number | null>(null)

    const http = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest((request) =>
        request.pipe(
          HttpClientRequest.prependUrl(baseUrl),
          HttpClientRequest.bearerToken(config.token),
          HttpClientRequest.acceptJson
        )
      )
    )

    const endpointOf = (request: ReadRequest) =>
      request.kind === "get"
        ? `GET ${basePath}${workspacePath}${request.path}`
        : `POST ${basePath}${workspacePath}/${request.collection}/filter`

    const toHttp = (request: ReadRequest, after: string | undefined) => {
      if (request.kind === "get") {
        const urlParams = { ...request.query, ...(after === undefined ? {} : { after }) }
        return HttpClientRequest.get(`${workspacePath}${request.path}`, { urlParams })
      }
      const body = { ...(request.body as object), ...(after === undefined ? {} : { after }) }
      return HttpClientRequest.post(`${workspacePath}/${request.collection}/filter`).pipe(
        HttpClientRequest.bodyUnsafeJson(body)
      )
    }

    const call = makeJsonCall(http, {
      ...tuned(config),
      onSend: Ref.update(calls, (n) => n + 1),
      onResponse: (headers) => {
        const remaining = Number.parseInt(headers["x-ratelimit-remaining"] ?? "", 10)
        return Number.isFinite(remaining) ? Ref.set(rateLimitRemaining, remaining) : Effect.void
      },
      errors: {
        transport: (endpoint, detail, cause, status) =>
          new PtolemyApiError({ reason: "Transport", endpoint, status, detail, cause }),
        timeout: (endpoint, detail) => new PtolemyApiError({ reason: "Timeout", endpoint, detail }),
        malformed: (endpoint, status, detail, cause) =>
          new PtolemyApiError({ reason: "MalformedBody", endpoint, status, detail, cause }),
        status: errorFromStatus
      }
    })

    const send = (request: ReadRequest, after?: string) => call(endpointOf(request), toHttp(request, after))

    const decode = <A, I>(schema: Schema.Schema<A, I>, endpoint: string, json: unknown, what: string) =>
      Effect.mapError(
        Schema.decodeUnknown(schema)(json),
        (error) =>
          new PtolemyApiError({
            reason: "SchemaDrift",
            endpoint,
            detail: `${what}: ${describeIssues(error)}`,
            cause: error
          })
      )

    /** A page's items, decoded synchronously (one Effect per item would cost more than the decoding). */
    const decodeItems = <A, I>(schema: Schema.Schema<A, I>, endpoint: string, data: ReadonlyArray<unknown>) =>
      Effect.suspend(() => {
        const decodeOne = Schema.decodeUnknownEither(schema)
        const items: Array<Item<A>> = []
        for (const [index, raw] of data.entries()) {
          if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
            return Effect.fail(
              new PtolemyApiError({ reason: "SchemaDrift", endpoint, detail: `item ${index} is not an object` })
            )
          }
          const record = raw as Record<string, unknown>
          const decoded = decodeOne(record)
          if (Either.isLeft(decoded)) {
            const label = typeof record["id"] === "string" ? `item ${record["id"]}` : `item ${index}`
            return Effect.fail(
              new PtolemyApiError({
                reason: "SchemaDrift",
                endpoint,
                detail: `${label}: ${describeIssues(decoded.left)}`,
                cause: decoded.left
              })
            )
          }
          items.push({ value: decoded.right, raw: record })
        }
        return Effect.succeed(items)
      })

    /**
     * A collection as a stream of decoded pages. `has_more` is believed (no extra request past the last page), a
     * bare array is taken as the whole collection, and a cursor that comes back twice, or pages that keep coming
     * with nothing new, end in an error, not a loop that bills the quota for ever.
     * Requests stay one at a time, but the next page is requested while the last one is decoded and stored.
     */
    const paginate = <A, I>(schema: Schema.Schema<A, I>, request: ReadRequest, mode: LaneMode) => {
      const endpoint = endpointOf(request)
      const seen = new Set<string>()
      const bringsNew = pageProgress()
      let pagesWithNothingNew = 0
      const fetchPage = (after: string | undefined) =>
        Effect.gen(function*() {
          const json = mode === "fanout" ? yield* lanes.request(send(request, after)) : yield* send(request, after)
          if (typeof json !== "object" || json === null) {
            return yield* Effect.fail(
              new PtolemyApiError({ reason: "SchemaDrift", endpoint, detail: `the answer is ${String(JSON.stringify(json)).slice(0, 80)}, not a list` })
            )
          }
          const page = Array.isArray(json)
            ? { data: json, meta: { next_cursor: null, has_more: false } }
            : yield* decode(S.Page, endpoint, json, "the list envelope")
          const cursor = page.meta?.next_cursor ?? null
          const hasMore = page.meta?.has_more ?? cursor !== null
          if (hasMore && cursor === null) {
            return yield* Effect.fail(
              new PtolemyApiError({ reason: "SchemaDrift", endpoint, detail: "has_more is true but next_cursor is null" })
            )
          }
          if (hasMore && cursor !== null && seen.has(cursor)) {
            return yield* Effect.fail(
              new PtolemyApiError({ reason: "SchemaDrift", endpoint, detail: "the same cursor was returned twice" })
            )
          }
          if (cursor !== null) seen.add(cursor)
          pagesWithNothingNew = bringsNew(page.data) ? 0 : pagesWithNothingNew + 1
          if (hasMore && pagesWithNothingNew >= MAX_PAGES_WITH_NOTHING_NEW) {
            return yield* Effect.fail(
              new PtolemyApiError({
                reason: "SchemaDrift",
                endpoint,
                detail: `${pagesWithNothingNew} pages in a row brought nothing new but said has_more`
              })
            )
          }
          return [page.data, hasMore && cursor !== null ? Option.some(cursor) : Option.none<string>()] as const
        })
      const pages = Stream.paginateEffect<string | undefined, ReadonlyArray<unknown>, PtolemyApiError, never>(
        undefined,
        fetchPage
      )
      // A chain reads ahead one page while the last is decoded and stored; a fan-out list is one page anyway.
      const decoded = (mode === "chain" ? Stream.buffer(pages, { capacity: 2 }) : pages).pipe(
        Stream.mapEffect((data) => decodeItems(schema, endpoint, data))
      )
      return mode === "chain" ? Stream.unwrapScoped(Effect.as(lanes.hold, decoded)) : decoded
    }

    const getOne = <A, I>(schema: Schema.Schema<A, I>, request: ReadRequest) =>
      lanes.request(send(request)).pipe(
        Effect.flatMap((json) => {
          if (typeof json !== "object" || json === null || Array.isArray(json)) {
            return Effect.fail(
              new PtolemyApiError({ reason: "SchemaDrift", endpoint: endpointOf(request), detail: "not a JSON object" })
            )
          }
          return Effect.map(
            decode(schema, endpointOf(request), json, "the object"),
            (value): Item<A> => ({ value, raw: json as Record<string, unknown> })
          )
        })
      )

    const list = (path: string): ReadRequest => ({ kind: "get", path, query: { limit: String(PAGE_SIZE) } })
    const at = (path: string, id: string) => `${path}/${encodeURIComponent(id)}`

    return {
      workspace: getOne(S.Workspace, { kind: "get", path: "" }).pipe(Effect.withSpan("PtolemyClient.workspace")),
      memberships: (mode: LaneMode = "chain") => paginate(S.Membership, list("/memberships"), mode),
      membership: (id: string) => getOne(S.Membership, { kind: "get", path: at("/memberships", id) }),
      filterMemberships: (filter: unknown, mode: LaneMode = "chain") =>
        paginate(S.Membership, { kind: "filter", collection: "memberships", body: { filter, limit: PAGE_SIZE } }, mode),
      robots: (mode: LaneMode = "chain") => paginate(S.Robot, list("/memberships/robots"), mode),
      robot: (userId: string) => getOne(S.Robot, { kind: "get", path: at("/memberships/robots", userId) }),
      robotTokens: (userId: string, mode: LaneMode = "fanout") =>
        paginate(S.RobotToken, list(`${at("/memberships/robots", userId)}/tokens`), mode),
      invitations: (mode: LaneMode = "chain") => paginate(S.Invitation, list("/invitations"), mode),
      invitation: (id: string) => getOne(S.Invitation, { kind: "get", path: at("/invitations", id) }),
      plan: getOne(S.Plan, { kind: "get", path: "/plan" }).pipe(Effect.withSpan("PtolemyClient.plan")),
      /** The access log: all retained events, or only those created at or after `since` (the stored watermark). */
      events: (since: Option.Option<string>, mode: LaneMode = "chain") =>
        paginate(
          S.Event,
          Option.match(since, {
            onNone: () => list("/events"),
            onSome: (since): ReadRequest => ({ kind: "filter", collection: "events", body: eventsSinceFilter(since) })
          }),
          mode
        ),
      webhooks: (mode: LaneMode = "chain") => paginate(S.Webhook, list("/webhooks"), mode),
      webhook: (id: string) => getOne(S.Webhook, { kind: "get", path: at("/webhooks", id) }),
      subscriptions: (webhookId: string, mode: LaneMode = "fanout") =>
        paginate(S.Subscription, list(`${at("/webhooks", webhookId)}/subscriptions`), mode),
      usage: Effect.all({ calls: Ref.get(calls), rateLimitRemaining: Ref.get(rateLimitRemaining) })
    } as const
  })

export type PtolemyClientService = Effect.Effect.Success<ReturnType<typeof make>>

export class PtolemyClient extends Context.Tag("ptolemy-audit/PtolemyClient")<PtolemyClient, PtolemyClientService>() {}

const parseRetryAfter = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const date = Date.parse(value) // the HTTP-date form
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

const errorFromStatus = (
  endpoint: string,
  status: number,
  headers: Readonly<Record<string, string | undefined>>,
  text: string
): PtolemyApiError => {
  const body = Schema.decodeUnknownOption(Schema.parseJson(S.ErrorBody))(text)
  const code = Option.match(body, { onNone: () => undefined, onSome: (b) => b.error.code ?? undefined })
  const apiMessage = Option.match(body, { onNone: () => undefined, onSome: (b) => b.error.message ?? undefined })
  const retryAfter = parseRetryAfter(headers["retry-after"])
  const fields = { endpoint, status, code, apiMessage }
  if (status === 401) return new PtolemyApiError({ reason: "Unauthorized", ...fields })
  if (status === 403) return new PtolemyApiError({ reason: "Forbidden", ...fields })
  if (status === 404) return new PtolemyApiError({ reason: "NotFound", ...fields })
  if (status === 408) return new PtolemyApiError({ reason: "Timeout", ...fields })
  if (status === 429) {
    // quota_exceeded never comes back within the run; a burst throttle says when to come back.
    const quota = code === "quota_exceeded" ||
      (code === undefined && retryAfter === undefined && headers["x-ratelimit-remaining"] === "0")
    return quota
      ? new PtolemyApiError({ reason: "QuotaExceeded", ...fields })
      : new PtolemyApiError({ reason: "RateLimited", ...fields, retryAfter })
  }
  if (status === 400 && code === "invalid_cursor") return new PtolemyApiError({ reason: "InvalidCursor", ...fields })
  if (status >= 300 && status < 400) {
    const location = headers["location"]
    return new PtolemyApiError({ reason: "Redirected", ...fields, detail: location ? `redirects to ${location}` : undefined })
  }
  if (status >= 500) return new PtolemyApiError({ reason: "ServerError", ...fields, retryAfter })
  return new PtolemyApiError({ reason: "BadRequest", ...fields })
}

