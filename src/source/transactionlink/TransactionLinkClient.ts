/**
 * The TransactionLink organisation API client: the organisation token goes in the `Authorization` header as-is
 * (no `Bearer` prefix, as the API requires); lists are bare arrays or Spring pages (`page`, `size`), each a `Stream`
 * of decoded pages through the `http/` kit. Like the Ptolemy client it can only read.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect, Option, Redacted, Ref, type Schema, Stream } from "effect"
import type { ApiErrorFields } from "../http/ApiError.js"
import { decodeValue, isJsonObject, type Item } from "../http/Decode.js"
import { nextPageNumber, paged, type PageOf, wholeList } from "../http/Paging.js"
import { readOnly } from "../http/ReadOnly.js"
import { type Headers, makeJsonCall, parseRetryAfter, type RequestTuning, tuned } from "../http/Request.js"
import * as S from "./Schemas.js"
import { TransactionLinkApiError, type TransactionLinkErrorReason } from "./TransactionLinkApiError.js"

export interface TransactionLinkClientConfig extends RequestTuning {
  /** e.g. `https://api.transactionlink.io` */
  readonly baseUrl: string
  readonly token: Redacted.Redacted<string>
}

/** The largest page the users and enrollments lists serve (reference section 12). */
export const PAGE_SIZE = 100

const fail = (fields: ApiErrorFields<TransactionLinkErrorReason>) => new TransactionLinkApiError(fields)

/** Every page of a stream, in memory (lists the audit joins against, or that are small by nature). */
export const collect = <A, E>(pages: Stream.Stream<ReadonlyArray<Item<A>>, E>) =>
  Effect.map(Stream.runCollect(pages), (chunk) => Array.from(chunk).flat())

export const make = (config: TransactionLinkClientConfig) =>
  Effect.gen(function*() {
    const baseUrl = config.baseUrl.replace(/\/+$/, "")
    const calls = yield* Ref.make(0)
    const http = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest((request) =>
        request.pipe(
          HttpClientRequest.prependUrl(baseUrl),
          // The organisation token is the whole header value: no scheme.
          HttpClientRequest.setHeader("authorization", Redacted.value(config.token)),
          HttpClientRequest.acceptJson
        )
      ),
      // Last, so that it sees the whole request: anything but a GET dies here, unsent.
      (client) => readOnly(client, { filterPosts: false })
    )
    const call = makeJsonCall(http, {
      ...tuned(config),
      fail,
      status: errorFromStatus,
      onSend: Ref.update(calls, (n) => n + 1)
    })

    const get = (path: string, urlParams: Record<string, string> = {}) =>
      call(`GET ${path}`, HttpClientRequest.get(path, { urlParams }))

    /**
     * A list endpoint served whole: a bare array (the pinned contract), or leniently an object wrapping one in
     * `content`, `data` or `items` (the docs leave the container open). A paged wrapper with more pages is not
     * silently cut short.
     */
    const list = <A, I>(schema: Schema.Schema<A, I>, path: string, idKey: string) => {
      const endpoint = `GET ${path}`
      const fetch = () =>
        Effect.flatMap(get(path), (json): Effect.Effect<PageOf<never>, TransactionLinkApiError> => {
          if (Array.isArray(json)) return Effect.succeed(wholeList(json))
          const wrapped = isJsonObject(json)
            ? (["content", "data", "items"] as const).map((k) => json[k]).find(Array.isArray)
            : undefined
          if (wrapped === undefined) {
            return Effect.fail(fail({ reason: "SchemaDrift", endpoint, detail: "expected a JSON array" }))
          }
          const pages = isJsonObject(json) ? json["totalPages"] : undefined
          return typeof pages === "number" && pages > 1
            ? Effect.fail(
              fail({ reason: "SchemaDrift", endpoint, detail: "the list is paged, which the contract does not say" })
            )
            : Effect.succeed(wholeList(wrapped))
        })
      return collect(paged({ endpoint, schema, first: undefined, fetch, fail, idKey, patience: 1 }))
    }

    /** A Spring-paged list endpoint, every page, one at a time; it stops at the last page the API announces. */
    const numbered = <A, I>(schema: Schema.Schema<A, I>, path: string, idKey: string) => {
      const endpoint = `GET ${path}`
      const fetch = (page: number) =>
        get(path, { page: String(page), size: String(PAGE_SIZE) }).pipe(
          Effect.flatMap((json) => decodeValue(S.Page, json, "the page envelope", endpoint, fail)),
          Effect.map((decoded): PageOf<number> => ({
            items: decoded.content,
            next: nextPageNumber(page, decoded.content.length, PAGE_SIZE, decoded.totalPages)
          }))
        )
      return paged({ endpoint, schema, first: 0, fetch, fail, idKey, patience: 1 })
    }

    const ws = (id: string) => encodeURIComponent(id)

    return {
      workspaces: list(S.Workspace, "/organizations/workspaces", "id").pipe(
        Effect.withSpan("TransactionLinkClient.workspaces")
      ),
      directMemberships: Effect.fn("TransactionLinkClient.directMemberships")((workspaceId: string) =>
        list(S.Membership, `/workspaces/${ws(workspaceId)}/memberships`, "userId")
      ),
      allMemberships: Effect.fn("TransactionLinkClient.allMemberships")((workspaceId: string) =>
        list(S.Membership, `/organizations/workspaces/${ws(workspaceId)}/memberships`, "userId")
      ),
      organizationRoles: list(S.OrganizationRole, "/organizations/roles", "id").pipe(
        Effect.withSpan("TransactionLinkClient.organizationRoles")
      ),
      users: numbered(S.User, "/organizations/users", "id"),
      enrollments: numbered(S.Enrollment, "/organizations/enrollments", "enrollmentId"),
      usage: Effect.map(Ref.get(calls), (n) => ({ calls: n, rateLimitRemaining: null }))
    } as const
  })

export type TransactionLinkClientService = Effect.Effect.Success<ReturnType<typeof make>>

export const errorFromStatus = (
  endpoint: string,
  status: number,
  headers: Headers,
  text: string
): TransactionLinkApiError => {
  const body = Option.getOrUndefined(S.decodeErrorBody(text))
  const first = body?.errors?.[0]
  const retryAfter = parseRetryAfter(headers["retry-after"])
  const fields = {
    endpoint,
    status,
    code: first?.code ?? undefined,
    apiMessage: first?.message ?? undefined,
    requestId: body?.fingerprint ?? undefined
  }
  if (status === 401) return fail({ reason: "Unauthorized", ...fields })
  if (status === 403) return fail({ reason: "Forbidden", ...fields })
  if (status === 404) return fail({ reason: "NotFound", ...fields })
  if (status === 408) return fail({ reason: "Timeout", ...fields })
  if (status === 429) return fail({ reason: "RateLimited", ...fields, retryAfter })
  if (status >= 500) return fail({ reason: "ServerError", ...fields, retryAfter })
  return fail({ reason: "BadRequest", ...fields })
}
