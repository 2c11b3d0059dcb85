/**
 * The TransactionLink client's paging against a server that ignores `page`: it must stop with a clear error, not read
 * the first page for ever (every request is a call the organisation pays for).
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { collect, make } from "../../src/source/transactionlink/TransactionLinkClient.js"

const users = Array.from({ length: 100 }, (_, i) => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  email: `user${i}@acme.example`,
  status: "ACTIVE"
}))

const enrollments = Array.from({ length: 100 }, (_, i) => ({
  enrollmentId: `10000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  email: `invitee${i}@acme.example`,
  status: "PENDING"
}))

/** Serves the same full page whatever `page` asks, without `totalPages` (a Spring page may omit it). */
const stubbornServer = (content: ReadonlyArray<unknown>) =>
  Effect.acquireRelease(
    Effect.async<{ url: string; requests: () => number; close: () => void }>((resume) => {
      let requests = 0
      const server = createServer((_request, response) => {
        requests++
        response.setHeader("content-type", "application/json")
        response.end(JSON.stringify({ content, size: 100, number: 0 }))
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          requests: () => requests,
          close: () => server.close()
        })))
    }),
    (server) => Effect.sync(server.close)
  )

describe("TransactionLink paging", () => {
  it.scopedLive("a server that ignores `page` ends the read with a clear error after one repeated page", () =>
    Effect.gen(function*() {
      const server = yield* stubbornServer(users)
      const client = yield* make({ baseUrl: server.url, token: Redacted.make("tot_test") })
      const error = yield* Effect.flip(collect(client.users))
      expect(error.reason).toBe("SchemaDrift")
      expect(error.message).toMatch(/page 2 brought nothing new/)
      expect(server.requests()).toBe(2)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("the same for enrollments, whose key is enrollmentId", () =>
    Effect.gen(function*() {
      const server = yield* stubbornServer(enrollments)
      const client = yield* make({ baseUrl: server.url, token: Redacted.make("tot_test") })
      const error = yield* Effect.flip(collect(client.enrollments))
      expect(error.message).toMatch(/page 2 brought nothing new/)
      expect(server.requests()).toBe(2)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
