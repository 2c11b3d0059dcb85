/**
 * The Ptolemy REST API client: one `HttpClient` built once with base URL, bearer token, timeout, retry and request
 * lanes, and one method per read endpoint the audit uses. Every collection is a `Stream` of decoded pages (the
 * `http/` kit's `paged`), fetched one page at a time. The client can only read: its requests are GETs and POSTs to
 * `/filter` endpoints, by type.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect, Either, Option, type Redacted, Ref, type Schema, Stream } from "effect"
import type { ApiErrorFields } from "../http/ApiError.js"
import { decodeObject, decodeValue, isJsonObject } from "../http/Decode.js"
import { type Lanes, makeLanes } from "../http/Lanes.js"
import { cursorPaging, paged, type PageOf } from "../http/Paging.js"
import { readOnly } from "../http/ReadOnly.js"
import { type Headers, makeJsonCall, parseRetryAfter, type RequestTuning, tuned } from "../http/Request.js"
import { PtolemyApiError, type PtolemyErrorReason } from "./PtolemyApiError.js"
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

/** Whether a paginated read holds a lane for all its pages (a collection) or takes one per request (fan-out). */
export type LaneMode = "chain" | "fanout"

/** The only requests this client can make: reads, and filter queries (POST, but read-only by the API's design). */
type ReadRequest =
  | { readonly kind: "get"; readonly path: string; readonly query?: Record<string, string> }
  | { readonly kind: "filter"; readonly collection: "events"; readonly body: object }

export const PAGE_SIZE = 200
/** Empty pages (or pages of items already read) tolerated in a row while `has_more` says there is more. */
const PATIENCE = 3

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

const fail = (fields: ApiErrorFields<PtolemyErrorReason>) => new PtolemyApiError(fields)

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
      ),
      // Last, so that it sees the whole request: anything but a read dies here, unsent.
      (client) => readOnly(client, { filterPosts: true })
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
      const body = { ...request.body, ...(after === undefined ? {} : { after }) }
      return HttpClientRequest.post(`${workspacePath}/${request.collection}/filter`).pipe(
        HttpClientRequest.bodyUnsafeJson(body)
      )
    }

    const call = makeJsonCall(http, {
      ...tuned(config),
      fail,
      status: errorFromStatus,
      onSend: Ref.update(calls, (n) => n + 1),
      onResponse: (headers) => {
        const remaining = Number.parseInt(headers["x-ratelimit-remaining"] ?? "", 10)
        // The lowest count seen, not the last to arrive: answers to concurrent requests arrive in any order, and
        // the run's stored figure (part of its hash) must not depend on which came last.
        return Number.isFinite(remaining)
          ? Ref.update(rateLimitRemaining, (seen) => (seen === null ? remaining : Math.min(seen, remaining)))
          : Effect.void
      }
    })

    const send = (request: ReadRequest, after?: string) => call(endpointOf(request), toHttp(request, after))

    /**
     * A collection as a stream of decoded pages. `has_more` is believed (no extra request past the last page), and
     * a bare array is taken as the whole collection. Requests stay one at a time; a chain reads the next page ahead
     * while the last one is decoded and stored.
     */
    const paginate = <A, I>(schema: Schema.Schema<A, I>, request: ReadRequest, mode: LaneMode) => {
      const endpoint = endpointOf(request)
      const pages = Stream.suspend(() => {
        const nextCursor = cursorPaging()
        const fetch = (after: string | undefined) =>
          Effect.gen(function*() {
            const json = mode === "fanout" ? yield* lanes.request(send(request, after)) : yield* send(request, after)
            if (Array.isArray(json)) return { items: json, next: Option.none() }
            if (!isJsonObject(json)) {
              const shown = String(JSON.stringify(json)).slice(0, 80)
              return yield* Effect.fail(
                fail({ reason: "SchemaDrift", endpoint, detail: `the answer is ${shown}, not a list` })
              )
            }
            const page = yield* decodeValue(S.Page, json, "the list envelope", endpoint, fail)
            const cursor = page.meta?.next_cursor ?? null
            const next = nextCursor(cursor, page.meta?.has_more ?? cursor !== null)
            if (Either.isLeft(next)) {
              return yield* Effect.fail(fail({ reason: "SchemaDrift", endpoint, detail: next.left }))
            }
            return { items: page.data, next: next.right } satisfies PageOf<string | undefined>
          })
        return paged({
          endpoint,
          schema,
          first: undefined,
          fetch,
          fail,
          patience: PATIENCE,
          readAhead: mode === "chain"
        })
      })
      return mode === "chain" ? Stream.unwrapScoped(Effect.as(lanes.hold, pages)) : pages
    }

    const getOne = <A, I>(schema: Schema.Schema<A, I>, path: string) => {
      const request: ReadRequest = { kind: "get", path }
      return lanes.request(send(request)).pipe(
        Effect.flatMap((json) => decodeObject(schema, json, endpointOf(request), fail))
      )
    }

    const list = (path: string): ReadRequest => ({ kind: "get", path, query: { limit: String(PAGE_SIZE) } })
    const at = (path: string, id: string) => `${path}/${encodeURIComponent(id)}`

    return {
      workspace: getOne(S.Workspace, "").pipe(Effect.withSpan("PtolemyClient.workspace")),
      memberships: (mode: LaneMode = "chain") => paginate(S.Membership, list("/memberships"), mode),
      membership: Effect.fn("PtolemyClient.membership")((id: string) => getOne(S.Membership, at("/memberships", id))),
      robots: (mode: LaneMode = "chain") => paginate(S.Robot, list("/memberships/robots"), mode),
      robot: Effect.fn("PtolemyClient.robot")((userId: string) => getOne(S.Robot, at("/memberships/robots", userId))),
      robotTokens: (userId: string, mode: LaneMode = "fanout") =>
        paginate(S.RobotToken, list(`${at("/memberships/robots", userId)}/tokens`), mode),
      invitations: (mode: LaneMode = "chain") => paginate(S.Invitation, list("/invitations"), mode),
      invitation: Effect.fn("PtolemyClient.invitation")((id: string) => getOne(S.Invitation, at("/invitations", id))),
      plan: getOne(S.Plan, "/plan").pipe(Effect.withSpan("PtolemyClient.plan")),
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
      webhook: Effect.fn("PtolemyClient.webhook")((id: string) => getOne(S.Webhook, at("/webhooks", id))),
      subscriptions: (webhookId: string, mode: LaneMode = "fanout") =>
        paginate(S.Subscription, list(`${at("/webhooks", webhookId)}/subscriptions`), mode),
      usage: Effect.all({ calls: Ref.get(calls), rateLimitRemaining: Ref.get(rateLimitRemaining) })
    } as const
  })

export type PtolemyClientService = Effect.Effect.Success<ReturnType<typeof make>>

export const errorFromStatus = (endpoint: string, status: number, headers: Headers, text: string): PtolemyApiError => {
  const body = Option.getOrUndefined(S.decodeErrorBody(text))
  const code = body?.error.code ?? undefined
  const retryAfter = parseRetryAfter(headers["retry-after"])
  const fields = { endpoint, status, code, apiMessage: body?.error.message ?? undefined }
  if (status === 401) return fail({ reason: "Unauthorized", ...fields })
  if (status === 403) return fail({ reason: "Forbidden", ...fields })
  if (status === 404) return fail({ reason: "NotFound", ...fields })
  if (status === 408) return fail({ reason: "Timeout", ...fields })
  if (status === 429) {
    // quota_exceeded never comes back within the run; a burst throttle says when to come back.
    const quota = code === "quota_exceeded" ||
      (code === undefined && retryAfter === undefined && headers["x-ratelimit-remaining"] === "0")
    return quota ? fail({ reason: "QuotaExceeded", ...fields }) : fail({ reason: "RateLimited", ...fields, retryAfter })
  }
  if (status === 400 && code === "invalid_cursor") return fail({ reason: "InvalidCursor", ...fields })
  if (status >= 300 && status < 400) {
    const location = headers["location"]
    return fail({ reason: "Redirected", ...fields, detail: location ? `redirects to ${location}` : undefined })
  }
  if (status >= 500) return fail({ reason: "ServerError", ...fields, retryAfter })
  return fail({ reason: "BadRequest", ...fields })
}
