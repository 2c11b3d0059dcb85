/**
 * The read path cannot write: the HttpClient the read clients send through refuses every method but GET (and
 * Ptolemy's POST to a `/filter` endpoint) before anything is sent, and a whole audit run against the simulator
 * makes no write at all.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option } from "effect"
import { startPtolemySimulator } from "../../src/simulator/ptolemy/index.js"
import { startTransactionLinkSimulator } from "../../src/simulator/transactionlink/index.js"
import { readOnly, ReadOnlyViolation } from "../../src/source/http/ReadOnly.js"
import { auditLayer, auditOnce } from "../support/Audit.js"
import { tempDir } from "../support/TempDir.js"

const ptolemy = Effect.acquireRelease(
  Effect.promise(() => startPtolemySimulator({ seed: 3, size: "small", churn: 0 })),
  (sim) => Effect.promise(() => sim.close())
)

const violation = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined

describe("the read path is read-only by construction", () => {
  it.scopedLive("refuses DELETE, PATCH, PUT and a POST that is not a filter, sending nothing; reads pass", () =>
    Effect.gen(function*() {
      const sim = yield* ptolemy
      const base = `${sim.url}/workspaces/${sim.workspace.slug}`
      const member = (sim.world.list("memberships") as Array<{ id: string; role: string }>).find((m) =>
        m.role === "viewer"
      )!
      const client = readOnly(
        (yield* HttpClient.HttpClient).pipe(HttpClient.mapRequest(HttpClientRequest.bearerToken(sim.tokens.write))),
        { filterPosts: true }
      )
      sim.stats.reset()
      const refused = [
        HttpClientRequest.del(`${base}/memberships/${member.id}`),
        HttpClientRequest.patch(`${base}/memberships/${member.id}`).pipe(
          HttpClientRequest.bodyUnsafeJson({ role: "admin" })
        ),
        HttpClientRequest.put(`${base}/memberships/${member.id}`),
        HttpClientRequest.post(`${base}/memberships/robots`).pipe(
          HttpClientRequest.bodyUnsafeJson({ display_name: "x", role: "viewer" })
        )
      ]
      for (const request of refused) {
        const exit = yield* Effect.exit(Effect.scoped(client.execute(request)))
        const died = violation(exit)
        expect(died).toBeInstanceOf(ReadOnlyViolation)
        expect((died as ReadOnlyViolation).method).toBe(request.method)
      }
      // Nothing reached the server, even with the write token in the header.
      expect(sim.stats.requests).toEqual([])
      expect(sim.world.list("memberships")).toContainEqual(expect.objectContaining({ id: member.id, role: "viewer" }))

      const get = yield* Effect.scoped(
        Effect.flatMap(
          client.execute(HttpClientRequest.get(`${base}/memberships/${member.id}`)),
          (r) => Effect.succeed(r.status)
        )
      )
      const filter = yield* Effect.scoped(
        Effect.flatMap(
          client.execute(
            HttpClientRequest.post(`${base}/events/filter`).pipe(HttpClientRequest.bodyUnsafeJson({ limit: 1 }))
          ),
          (r) => Effect.succeed(r.status)
        )
      )
      expect([get, filter]).toEqual([200, 200])
      expect(sim.stats.requests.map((r) => r.method)).toEqual(["GET", "POST"])
      expect(sim.stats.writes).toEqual([])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("TransactionLink's read client allows GET only: a POST to a filter-looking path is refused too", () =>
    Effect.gen(function*() {
      const sim = yield* Effect.acquireRelease(
        Effect.promise(() => startTransactionLinkSimulator({ seed: 3, size: "small", churn: 0 })),
        (s) => Effect.promise(() => s.close())
      )
      const client = readOnly(yield* HttpClient.HttpClient, { filterPosts: false })
      const enrollment = sim.world.enrollmentsJson("PENDING")[0]!
      for (
        const request of [
          HttpClientRequest.post(`${sim.url}/organizations/enrollments/${enrollment.enrollmentId}/cancel`),
          HttpClientRequest.post(`${sim.url}/organizations/filter`),
          HttpClientRequest.del(`${sim.url}/organizations/workspaces/x/memberships/y`)
        ]
      ) {
        expect(violation(yield* Effect.exit(Effect.scoped(client.execute(request))))).toBeInstanceOf(ReadOnlyViolation)
      }
      expect(sim.stats.requests).toEqual([])
      expect(sim.world.enrollmentsJson("PENDING").map((e) => e.enrollmentId)).toContain(enrollment.enrollmentId)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("a whole audit run with the write token makes only reads", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* ptolemy
      sim.stats.reset()
      const result = yield* auditOnce({
        url: sim.url,
        token: sim.tokens.write,
        workspace: sim.workspace.slug,
        now: () => sim.now()
      }).pipe(
        Effect.provide(auditLayer(dir))
      )
      expect(result.runs.map((r) => r.status)).toEqual(["complete"])
      expect(sim.stats.requests.length).toBeGreaterThan(5)
      expect(sim.stats.writes).toEqual([])
      for (const r of sim.stats.requests) expect(["GET", "POST"]).toContain(r.method)
      for (const r of sim.stats.requests.filter((r) => r.method === "POST")) expect(r.path).toMatch(/\/filter$/)
    }))
})
