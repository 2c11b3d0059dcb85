/**
 * The writing client: its own service, provided only by `remediate apply` (every other command has no way to reach
 * it). Built on the same http kit as the read clients: the write token (`Redacted` to the header), 429 and 5xx
 * retried as reads are (a quota 429 never), the API's own error mapping. It also re-reads targets, live, through the
 * ordinary read-only client built with the write token, so a re-read can never write.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Context, Effect, Layer, Redacted, Ref, Stream } from "effect"
import { type KitFailure, makeJsonCall, type RequestTuning, tuned } from "../source/http/Request.js"
import { PtolemyApiError } from "../source/ptolemy/PtolemyApiError.js"
import * as PtolemyClient from "../source/ptolemy/PtolemyClient.js"
import { TransactionLinkApiError } from "../source/transactionlink/TransactionLinkApiError.js"
import * as TransactionLinkClient from "../source/transactionlink/TransactionLinkClient.js"
import type { Action, Call } from "./PlanFile.js"

export type WriteApiError = PtolemyApiError | TransactionLinkApiError

/** A target as the API shows it now. */
export interface LiveState {
  readonly exists: boolean
  readonly role?: string | null
  readonly roleId?: string | null
  readonly status?: string | null
}

export interface WriteClientService {
  readonly source: "ptolemy" | "transactionlink"
  /** Sends one planned call; the HTTP status of a 2xx answer. */
  readonly send: (call: Call) => Effect.Effect<number, WriteApiError>
  /** The target of an action as the API shows it now. */
  readonly read: (action: Action) => Effect.Effect<LiveState, WriteApiError>
  /** The ids (as the plan names targets) of every admin of the workspace, now. */
  readonly admins: Effect.Effect<ReadonlySet<string>, WriteApiError>
  /** Requests sent (writes and re-reads). */
  readonly calls: Effect.Effect<number>
}

export class WriteClient extends Context.Tag("ptolemy-audit/WriteClient")<WriteClient, WriteClientService>() {}

export interface WriteClientConfig extends RequestTuning {
  readonly source: "ptolemy" | "transactionlink"
  readonly baseUrl: string
  /** The workspace of the plan (Ptolemy: every call is scoped to it; TransactionLink: its memberships). */
  readonly workspaceId: string
  readonly token: Redacted.Redacted<string>
}

const notFound = (e: WriteApiError) => e.reason === "NotFound"

const absentOn404 = <E extends WriteApiError>(effect: Effect.Effect<LiveState, E>): Effect.Effect<LiveState, E> =>
  Effect.catchIf(effect, notFound, () => Effect.succeed({ exists: false }))

export const make = (config: WriteClientConfig) =>
  Effect.gen(function*() {
    const baseUrl = config.baseUrl.replace(/\/+$/, "")
    const basePath = new URL(baseUrl).pathname.replace(/\/+$/, "")
    const writes = yield* Ref.make(0)
    const http = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest((request) =>
        request.pipe(
          HttpClientRequest.prependUrl(baseUrl),
          config.source === "ptolemy"
            ? HttpClientRequest.bearerToken(config.token)
            // TransactionLink's organisation token is the whole header value: no scheme.
            : HttpClientRequest.setHeader("authorization", Redacted.value(config.token)),
          HttpClientRequest.acceptJson
        )
      )
    )
    const fail = config.source === "ptolemy"
      ? (fields: ConstructorParameters<typeof PtolemyApiError>[0]) => new PtolemyApiError(fields) as WriteApiError
      : (fields: ConstructorParameters<typeof TransactionLinkApiError>[0]) =>
        new TransactionLinkApiError(fields) as WriteApiError
    const call = makeJsonCall<WriteApiError>(http, {
      ...tuned(config),
      fail: fail as unknown as KitFailure<WriteApiError>,
      status: config.source === "ptolemy" ? PtolemyClient.errorFromStatus : TransactionLinkClient.errorFromStatus,
      onSend: Ref.update(writes, (n) => n + 1),
      allowEmpty: true
    })
    const request = (c: Call) => {
      const base = c.method === "DELETE"
        ? HttpClientRequest.del(c.path)
        : c.method === "PATCH"
        ? HttpClientRequest.patch(c.path)
        : c.method === "PUT"
        ? HttpClientRequest.put(c.path)
        : HttpClientRequest.post(c.path)
      return c.body === null ? base : HttpClientRequest.bodyUnsafeJson(base, c.body)
    }
    // The status is what matters; makeJsonCall returns the parsed body of a 2xx answer, so the status of a
    // success is told from the method: 204 for Ptolemy's deletes, 200 otherwise.
    const send = (c: Call) =>
      Effect.as(
        call(`${c.method} ${basePath}${c.path}`, request(c)),
        config.source === "ptolemy" && c.method === "DELETE" ? 204 : 200
      ).pipe(
        Effect.withSpan("WriteClient.send", { attributes: { method: c.method, path: c.path } })
      )

    const tuning = { requestTimeout: config.requestTimeout, retries: config.retries, retryBase: config.retryBase }
    if (config.source === "ptolemy") {
      const reader = yield* PtolemyClient.make({
        baseUrl,
        workspace: config.workspaceId,
        token: config.token,
        concurrency: 2,
        ...tuning
      })
      const read = (action: Action): Effect.Effect<LiveState, WriteApiError> => {
        switch (action.target.type) {
          case "member":
          case "robot":
            return absentOn404(
              Effect.map(reader.membership(action.target.id), ({ value }) => ({ exists: true, role: value.role }))
            )
          case "robot_token":
            return absentOn404(
              Effect.map(
                Stream.runCollect(reader.robotTokens(action.target.ids["robot_id"] ?? "", "chain")),
                (pages) => {
                  const token = Array.from(pages).flat().find((t) => t.value.id === action.target.id)
                  return token === undefined ? { exists: false } : { exists: true, status: token.value.status ?? null }
                }
              )
            )
          case "invitation":
            return absentOn404(
              Effect.map(
                reader.invitation(action.target.id),
                ({ value }) => ({ exists: true, status: value.status ?? null })
              )
            )
        }
      }
      const admins = Effect.map(
        Stream.runCollect(reader.memberships("chain")),
        (pages) => new Set(Array.from(pages).flat().filter((m) => m.value.role === "admin").map((m) => m.value.id))
      )
      return {
        source: config.source,
        send,
        read,
        admins,
        calls: Effect.zipWith(Ref.get(writes), reader.usage, (w, r) => w + r.calls)
      }
    }
    const reader = yield* TransactionLinkClient.make({ baseUrl, token: config.token, ...tuning })
    const read = (action: Action): Effect.Effect<LiveState, WriteApiError> => {
      if (action.target.type === "invitation") {
        return Effect.map(Stream.runCollect(reader.enrollments), (pages) => {
          const found = Array.from(pages).flat().find((e) => e.value.enrollmentId === action.target.id)
          return found === undefined ? { exists: false } : { exists: true, status: found.value.status }
        })
      }
      return Effect.map(reader.directMemberships(config.workspaceId), (items) => {
        const found = items.find((m) => m.value.userId === action.target.id)
        return found === undefined
          ? { exists: false }
          : { exists: true, role: found.value.role.name.toLowerCase(), roleId: found.value.role.id ?? null }
      })
    }
    const admins = Effect.map(reader.allMemberships(config.workspaceId), (items) =>
      new Set(
        items.filter((m) =>
          m.value.role.type?.toUpperCase() === "ORGANIZATION" || m.value.role.name.toLowerCase().includes("admin")
        )
          .map((m) => m.value.userId)
      ))
    return {
      source: config.source,
      send,
      read,
      admins,
      calls: Effect.zipWith(Ref.get(writes), reader.usage, (w, r) => w + r.calls)
    }
  })

/** The layer `remediate apply` provides (and nothing else does). */
export const layer = (config: WriteClientConfig): Layer.Layer<WriteClient, never, HttpClient.HttpClient> =>
  Layer.effect(WriteClient, make(config) as Effect.Effect<WriteClientService, never, HttpClient.HttpClient>)
