/**
 * A certificate the client refuses (an unknown CA, an expired certificate, one for other names) is its own failure:
 * named with its cause and what to do (NODE_EXTRA_CA_CERTS), never retried, and it fails the run rather than
 * passing for "the API could not be reached". Real HTTPS servers on loopback with the certificates of ./tls
 * (make-certs.sh), the real clients.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Agent } from "@effect/platform-node/Undici"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { readFileSync } from "node:fs"
import { createServer } from "node:https"
import type { AddressInfo } from "node:net"
import * as PtolemyClient from "../../src/source/ptolemy/PtolemyClient.js"
import { makePtolemySource } from "../../src/source/ptolemy/PtolemySource.js"
import * as TransactionLinkClient from "../../src/source/transactionlink/TransactionLinkClient.js"
import { makeTransactionLinkSource } from "../../src/source/transactionlink/TransactionLinkSource.js"

const fixture = (name: string) => readFileSync(new URL(`./tls/${name}`, import.meta.url))

/** An HTTPS server answering every request with `{}`; it counts connections and requests that got through. */
const httpsServer = (certificate: "valid" | "expired" | "other-name") =>
  Effect.acquireRelease(
    Effect.async<{ url: string; connections: () => number; requests: () => number; close: () => void }>((resume) => {
      let connections = 0
      let requests = 0
      const server = createServer(
        { key: fixture("server-key.pem"), cert: fixture(`${certificate}.pem`) },
        (_req, res) => {
          requests++
          res.setHeader("content-type", "application/json")
          res.end(JSON.stringify({ id: "3fa85f64-5717-4562-b3fc-2c963f66afa6", name: "Acme", slug: "acme" }))
        }
      )
      // Every attempt is a connection of its own: a retry would be a second one.
      server.on("connection", () => connections++)
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({
          url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
          connections: () => connections,
          requests: () => requests,
          close: () => {
            server.closeAllConnections()
            server.close()
          }
        })))
    }),
    (server) => Effect.sync(server.close)
  )

/** The system's trust store (the test CA is in none of them), or one that trusts the test CA. */
const trustingTestCa = NodeHttpClient.layerUndiciWithoutDispatcher.pipe(
  Layer.provide(
    Layer.scoped(
      NodeHttpClient.Dispatcher,
      Effect.acquireRelease(
        Effect.sync(() => new Agent({ connect: { ca: fixture("ca.pem") } })),
        (agent) => Effect.promise(() => agent.destroy())
      )
    )
  )
)

const ptolemy = (url: string) =>
  PtolemyClient.make({
    baseUrl: `${url}/v1`,
    token: Redacted.make("ptk_live_test"),
    workspace: "acme",
    retries: 3,
    retryBase: "1 millis"
  })

describe("a certificate the client refuses", () => {
  it.scopedLive("an unknown CA: its own reason, the cause named, NODE_EXTRA_CA_CERTS suggested, one attempt only", () =>
    Effect.gen(function*() {
      const server = yield* httpsServer("valid")
      const client = yield* ptolemy(server.url)
      const error = yield* Effect.flip(client.workspace)
      expect(error.reason).toBe("Tls")
      expect(error.message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE/)
      expect(error.message).toMatch(/NODE_EXTRA_CA_CERTS/)
      expect(error.message).not.toMatch(/could not be reached/)
      expect(error.isTransient).toBe(false)
      expect(server.connections()).toBe(1)
      expect(server.requests()).toBe(0)
      // The run fails with that message: not "every collection failed", not "check the network".
      const failure = yield* Effect.flip(makePtolemySource(client).workspaces(Option.none()))
      expect(failure.reason).toBe("Untrusted")
      expect(failure.message).toMatch(/NODE_EXTRA_CA_CERTS/)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("an expired certificate and one for other names, each named by its cause, neither retried", () =>
    Effect.gen(function*() {
      for (
        const [certificate, cause] of [["expired", /CERT_HAS_EXPIRED/], [
          "other-name",
          /ERR_TLS_CERT_ALTNAME_INVALID/
        ]] as const
      ) {
        const server = yield* httpsServer(certificate)
        const client = yield* ptolemy(server.url)
        const error = yield* Effect.flip(client.workspace)
        expect({ certificate, reason: error.reason }).toEqual({ certificate, reason: "Tls" })
        expect(error.message).toMatch(cause)
        expect(server.connections(), certificate).toBe(1)
        expect(server.requests(), certificate).toBe(0)
      }
      // The same client and CA with a good certificate: the failures above were the certificates'.
      const good = yield* httpsServer("valid")
      const client = yield* ptolemy(good.url)
      expect((yield* client.workspace).value.slug).toBe("acme")
    }).pipe(Effect.provide(trustingTestCa)))

  it.scopedLive("TransactionLink's client, built on the same kit: the same reason, and the run fails", () =>
    Effect.gen(function*() {
      const server = yield* httpsServer("valid")
      const client = yield* TransactionLinkClient.make({
        baseUrl: server.url,
        token: Redacted.make("tot_test"),
        retries: 3,
        retryBase: "1 millis"
      })
      const source = yield* makeTransactionLinkSource(client)
      const failure = yield* Effect.flip(source.workspaces(Option.none()))
      expect(failure.reason).toBe("Untrusted")
      expect(failure.message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE.*NODE_EXTRA_CA_CERTS/)
      expect(server.connections()).toBe(1)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
