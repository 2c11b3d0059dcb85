/**
 * The TransactionLink organisation API client: the organisation token goes in the `Authorization` header as-is
 * (no `Bearer` prefix, as the API requires); lists are bare arrays or Spring pages (`page`, `size`), decoded
 * leniently. Like the Ptolemy client it can only read.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Context, Effect, Option, Redacted, Ref, Schema } from "effect"
import { describeIssues } from "../http/Issues.js"
import { makeJsonCall, type RequestTuning, tuned } from "../http/JsonCall.js"
import { pageProgress } from "../http/Progress.js"
import { TransactionLinkApiError } from "./TransactionLinkApiError.js"
import * as S from "./Schemas.js"

export interface TransactionLinkClientConfig extends RequestTuning {
  /** e.g. `https://api.transactionlink.io` */
  readonly baseUrl: string
  readonly token: Redacted.Redacted<string>
}

export interface Item<A> {
  readonly value: A
  readonly raw: Readonly<Record<string, unknown>>
}

/** The largest page the users and enrollments lists serve (reference section 12). */
export const PAGE_SIZE = 100

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
      )
    )
    const call = makeJsonCall(http, {
      ...tuned(config),
      onSend: Ref.update(calls, (n) => n + 1),
      errors: {
        transport: (endpoint, detail, cause, status) =>
          new TransactionLinkApiError({ reason: "Transport", endpoint, status, detail, cause }),
        timeout: (endpoint, detail) => new TransactionLinkApiError({ reason: "Timeout", endpoint, detail }),
        malformed: (endpoint, status, detail, cause) =>
          new TransactionLinkApiError({ reason: "MalformedBody", endpoint, status, detail, cause }),
        status: errorFromStatus
      }
    })

    const get = (path: string, urlParams: Record<string, string> = {}) =>
      call(`GET ${path}`, HttpClientRequest.get(path, { urlParams }))

    const decodeAll = <A, I>(schema: Schema.Schema<A, I>, endpoint: string, items: ReadonlyArray<unknown>) =>
      Effect.forEach(items, (raw, index) =>
        typeof raw === "object" && raw !== null && !Array.isArray(raw)
          ? Effect.map(
            Effect.mapError(Schema.decodeUnknown(schema)(raw), (error) =>
              new TransactionLinkApiError({
                reason: "SchemaDrift",
                endpoint,
                detail: `item ${index}: ${describeIssues(error)}`,
                cause: error
              })),
            (value): Item<A> => ({ value, raw: raw as Record<string, unknown> })
          )
          : Effect.fail(new TransactionLinkApiError({ reason: "SchemaDrift", endpoint, detail: `item ${index} is not an object` })))

    /**
     * A list endpoint: a bare array (the pinned contract), or leniently an object wrapping one in `content`, `data`
     * or `items` (the docs leave the container open). A paged wrapper with more pages is not silently cut short.
     */
    const list = <A, I>(schema: Schema.Schema<A, I>, path: string) =>
      Effect.flatMap(get(path), (json) => {
        const wrapped = typeof json === "object" && json !== null && !Array.isArray(json)
          ? (["content", "data", "items"] as const).map((k) => (json as Record<string, unknown>)[k]).find(Array.isArray)
          : undefined
        const pages = (json as { totalPages?: unknown } | null)?.totalPages
        if (wrapped !== undefined && typeof pages === "number" && pages > 1) {
          return Effect.fail(
            new TransactionLinkApiError({ reason: "SchemaDrift", endpoint: `GET ${path}`, detail: "the list is paged, which the contract does not say" })
          )
        }
        const items = Array.isArray(json) ? json : wrapped
        return items === undefined
          ? Effect.fail(new TransactionLinkApiError({ reason: "SchemaDrift", endpoint: `GET ${path}`, detail: "expected a JSON array" }))
          : decodeAll(schema, `GET ${path}`, items)
      })

    /** A Spring-paged list endpoint, every page, one at a time; stops at the last page the API announces. */
    const paged = <A, I>(schema: Schema.Schema<A, I>, path: string, idKey: string) =>
      Effect.gen(function*() {
        const items: Array<Item<A>> = []
        const bringsNew = pageProgress(idKey)
        for (let page = 0;; page++) {
          const json = yield* get(path, { page: String(page), size: String(PAGE_SIZE) })
          const decoded = yield* Effect.mapError(Schema.decodeUnknown(S.Page)(json), (error) =>
            new TransactionLinkApiError({
              reason: "SchemaDrift",
              endpoint: `GET ${path}`,
              detail: `the page envelope: ${describeIssues(error)}`,
              cause: error
            }))
          // A server that ignores `page` would serve its first page for ever: a page with nothing new ends it.
          if (decoded.content.length > 0 && !bringsNew(decoded.content)) {
            return yield* Effect.fail(
              new TransactionLinkApiError({
                reason: "SchemaDrift",
                endpoint: `GET ${path}`,
                detail: `page ${page} repeats earlier pages (is the page parameter ignored?)`
              })
            )
          }
          items.push(...(yield* decodeAll(schema, `GET ${path}`, decoded.content)))
          const totalPages = decoded.totalPages ?? undefined
          const last = totalPages === undefined
            ? decoded.content.length < PAGE_SIZE
            : page + 1 >= totalPages
          if (last || decoded.content.length === 0) return items
        }
      })

    const ws = (id: string) => encodeURIComponent(id)

    return {
      workspaces: list(S.Workspace, "/organizations/workspaces"),
      directMemberships: (workspaceId: string) => list(S.Membership, `/workspaces/${ws(workspaceId)}/memberships`),
      allMemberships: (workspaceId: string) =>
        list(S.Membership, `/organizations/workspaces/${ws(workspaceId)}/memberships`),
      organizationRoles: list(S.OrganizationRole, "/organizations/roles"),
      users: paged(S.User, "/organizations/users", "id"),
      enrollments: paged(S.Enrollment, "/organizations/enrollments", "enrollmentId"),
      usage: Effect.map(Ref.get(calls), (n) => ({ calls: n, rateLimitRemaining: null }))
    } as const
  })

export type TransactionLinkClientService = Effect.Effect.Success<ReturnType<typeof make>>

export class TransactionLinkClient extends Context.Tag("ptolemy-audit/TransactionLinkClient")<
  TransactionLinkClient,
  TransactionLinkClientService
>() {}

const errorFromStatus = (
  endpoint: string,
  status: number,
  _headers: Readonly<Record<string, string | undefined>>,
  text: string
): TransactionLinkApiError => {
  const body = Schema.decodeUnknownOption(Schema.parseJson(S.ErrorBody))(text)
  const first = Option.flatMap(body, (b) => Option.fromNullable(b.errors?.[0]))
  const fields = {
    endpoint,
    status,
    code: Option.getOrUndefined(first)?.code ?? undefined,
    apiMessage: Option.getOrUndefined(first)?.message ?? undefined,
    fingerprint: Option.getOrUndefined(body)?.fingerprint ?? undefined
  }
  if (status === 401) return new TransactionLinkApiError({ reason: "Unauthorized", ...fields })
  if (status === 403) return new TransactionLinkApiError({ reason: "Forbidden", ...fields })
  if (status === 404) return new TransactionLinkApiError({ reason: "NotFound", ...fields })
  if (status === 408 || status === 429 || status >= 500) return new TransactionLinkApiError({ reason: "ServerError", ...fields })
  return new TransactionLinkApiError({ reason: "BadRequest", ...fields })
}

