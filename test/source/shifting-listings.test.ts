/**
 * Listings that shift while they are read, served by a real server on loopback to the real clients and sources:
 * an identical second copy of an id collapses before it is emitted (what a run counts is what it stores); a second
 * copy that differs makes the collection be read once more, from its first page; differing again, the collection is
 * a coverage gap whose detail names the ids. The same for TransactionLink's lists.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Option, Redacted, Stream } from "effect"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import type { SnapshotItem } from "../../src/snapshot/SnapshotItem.js"
import * as PtolemyClient from "../../src/source/ptolemy/PtolemyClient.js"
import { makePtolemySource } from "../../src/source/ptolemy/PtolemySource.js"
import * as TransactionLinkClient from "../../src/source/transactionlink/TransactionLinkClient.js"
import { makeTransactionLinkSource } from "../../src/source/transactionlink/TransactionLinkSource.js"

type Json = Record<string, unknown>

/** Serves `route(path, query, reads)`: `reads` counts the requests for that path without a cursor or page. */
const server = (route: (path: string, query: URLSearchParams, reads: number) => unknown) =>
  Effect.acquireRelease(
    Effect.async<{ url: string; reads: (path: string) => number; close: () => void }>((resume) => {
      const reads = new Map<string, number>()
      const http = createServer((request: IncomingMessage, response) => {
        const url = new URL(request.url!, "http://localhost")
        const first = !url.searchParams.has("after") && (url.searchParams.get("page") ?? "0") === "0"
        if (first) reads.set(url.pathname, (reads.get(url.pathname) ?? 0) + 1)
        const body = route(url.pathname, url.searchParams, reads.get(url.pathname) ?? 0)
        response.statusCode = body === undefined ? 404 : 200
        response.setHeader("content-type", "application/json")
        response.end(JSON.stringify(body ?? { error: { code: "not_found", message: "no such thing" } }))
      })
      http.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({
          url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
          reads: (path) => reads.get(path) ?? 0,
          close: () => {
            http.closeAllConnections()
            http.close()
          }
        })))
    }),
    (s) => Effect.sync(s.close)
  )

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`
const member = (n: number, role = "viewer"): Json => ({
  id: uuid(n),
  user_id: uuid(1000 + n),
  user_type: "human",
  role,
  display_name: `Person ${n}`,
  email: `person${n}@acme.example`,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z"
})

const BASE = "/v1/workspaces/acme"

/** A Ptolemy workspace whose members come in the pages `pages(read)` gives for each read of the listing. */
const ptolemyServer = (pages: (read: number) => ReadonlyArray<ReadonlyArray<Json>>) =>
  server((path, query, read) => {
    if (path === BASE) return { id: uuid(999), name: "Acme", slug: "acme" }
    if (path === `${BASE}/plan`) return { plan: "growth", usage: {} }
    if (path === `${BASE}/memberships`) {
      const all = pages(read)
      const index = Number(query.get("after") ?? "0")
      const more = index + 1 < all.length
      return { data: all[index], meta: { next_cursor: more ? String(index + 1) : null, has_more: more } }
    }
    if (path.startsWith(BASE)) return { data: [], meta: { next_cursor: null, has_more: false } }
    return undefined
  })

const snapshotOf = (url: string) =>
  Effect.gen(function*() {
    const client = yield* PtolemyClient.make({
      baseUrl: `${url}/v1`,
      token: Redacted.make("ptk_live_test"),
      workspace: "acme",
      retries: 0
    })
    const source = makePtolemySource(client)
    const [target] = yield* source.workspaces(Option.none())
    return Chunk.toReadonlyArray(
      yield* Stream.runCollect(source.snapshot(target!, { asOf: "2026-02-01T00:00:00Z", eventsSince: Option.none() }))
    )
  }).pipe(Effect.provide(NodeHttpClient.layerUndici))

/** The members' items as the store would see them: rows (ids and roles), restarts and the outcome, in order. */
const membersOf = (items: ReadonlyArray<SnapshotItem>) =>
  items.filter((i) => i.collection === "members").map((i) =>
    i._tag === "Rows" && i.collection === "members"
      ? i.rows.map((r) => `${r.id.slice(-2)}:${r.role}`)
      : i._tag === "Restart"
      ? "restart"
      : i._tag === "Done"
      ? i.outcome.status
      : "?"
  )

describe("Ptolemy: the same id twice in one listing", () => {
  it.scopedLive("identical copies collapse before they are emitted: the run counts what it stores", () =>
    Effect.gen(function*() {
      const api = yield* ptolemyServer(() => [[member(1), member(2)], [member(2), member(3)], [member(3), member(4)]])
      const items = yield* snapshotOf(api.url)
      expect(membersOf(items)).toEqual([["01:viewer", "02:viewer"], ["03:viewer"], ["04:viewer"], "complete"])
      expect(api.reads(`${BASE}/memberships`)).toBe(1)
    }))

  it.scopedLive("a differing copy: the collection is read again from its first page, and the second reading is stored", () =>
    Effect.gen(function*() {
      const api = yield* ptolemyServer((read) =>
        read === 1
          ? [[member(1), member(2)], [member(2, "admin"), member(3)]]
          : [[member(1), member(2)], [member(3)]]
      )
      const items = yield* snapshotOf(api.url)
      // The first reading's copy of 02 (viewer) is emitted, then a restart drops everything staged for members.
      expect(membersOf(items)).toEqual([
        ["01:viewer", "02:viewer"],
        ["03:viewer"],
        "restart",
        ["01:viewer", "02:viewer"],
        ["03:viewer"],
        "complete"
      ])
      expect(api.reads(`${BASE}/memberships`)).toBe(2)
    }))

  it.scopedLive("differing again: a coverage gap naming the ids, the other collections still read", () =>
    Effect.gen(function*() {
      const api = yield* ptolemyServer(
        () => [[member(1), member(2), member(5)], [member(5, "member"), member(2, "admin")]]
      )
      const items = yield* snapshotOf(api.url)
      const done = items.find((i) => i._tag === "Done" && i.collection === "members")
      expect(done).toMatchObject({ outcome: { status: "failed" } })
      const detail = done?._tag === "Done" ? done.outcome.detail ?? "" : ""
      expect(detail).toContain(uuid(2))
      expect(detail).toContain(uuid(5))
      expect(detail).toMatch(/changed while it was read/)
      expect(api.reads(`${BASE}/memberships`)).toBe(2)
      expect(items.filter((i) => i._tag === "Done" && i.outcome.status === "complete").map((i) => i.collection).sort())
        .toEqual(["events", "invitations", "plan_usage", "robot_tokens", "robots", "webhooks", "workspace"])
    }))
})

const TL_WS = uuid(500)
const ORG = uuid(600)
const tlUser = (n: number) => ({
  id: uuid(n),
  email: `user${n}@acme.example`,
  roleId: uuid(601),
  status: "ACTIVE",
  profile: {}
})
const tlMembership = (n: number, role = "Viewer") => ({
  workspaceId: TL_WS,
  userId: uuid(n),
  role: { id: uuid(700), name: role, workspaceId: TL_WS, type: "WORKSPACE" }
})
const enrollment = (n: number) => ({
  enrollmentId: uuid(800 + n),
  email: `invitee${n}@acme.example`,
  status: "PENDING",
  roleId: uuid(601)
})

/** A TransactionLink organisation with one workspace; the full membership list is `all(read)`. */
const tlServer = (all: (read: number) => ReadonlyArray<Json>) =>
  server((path, query, read) => {
    const page = Number(query.get("page") ?? "0")
    const spring = (content: ReadonlyArray<unknown>) => ({ content, totalPages: 2, size: 100, number: page })
    switch (path) {
      case "/organizations/workspaces":
        return [{ id: TL_WS, name: "Payments", workspaceType: "LIVE" }]
      case "/organizations/roles":
        return [{ id: uuid(601), name: "member", organizationId: ORG }]
      case `/workspaces/${TL_WS}/memberships`:
        return [tlMembership(1), tlMembership(2)]
      case `/organizations/workspaces/${TL_WS}/memberships`:
        return all(read)
      case "/organizations/users":
        return spring(page === 0 ? [tlUser(1), tlUser(2)] : [tlUser(2), tlUser(3)])
      case "/organizations/enrollments":
        return spring(page === 0 ? [enrollment(1), enrollment(2)] : [enrollment(2), enrollment(3)])
    }
    return undefined
  })

const tlSnapshots = (url: string) =>
  Effect.gen(function*() {
    const client = yield* TransactionLinkClient.make({ baseUrl: url, token: Redacted.make("tot_test"), retries: 0 })
    const source = yield* makeTransactionLinkSource(client)
    const targets = yield* source.workspaces(Option.none())
    return yield* Effect.forEach(targets, (target) =>
      Effect.map(
        Stream.runCollect(source.snapshot(target, { asOf: "2026-02-01T00:00:00Z", eventsSince: Option.none() })),
        (items) => ({ target, items: Chunk.toReadonlyArray(items) })
      ))
  }).pipe(Effect.provide(NodeHttpClient.layerUndici))

describe("TransactionLink: the same id twice in one listing", () => {
  it.scopedLive("identical copies across pages of users and enrollments collapse; a differing membership is read again", () =>
    Effect.gen(function*() {
      const api = yield* tlServer((read) =>
        read === 1 ? [tlMembership(1), tlMembership(2), tlMembership(2, "Admin")] : [tlMembership(1), tlMembership(2)]
      )
      const [workspace, organisation] = yield* tlSnapshots(api.url)
      const members = workspace!.items.flatMap((i) => (i._tag === "Rows" && i.collection === "members" ? i.rows : []))
      expect(members.map((m) => [m.id, m.role, m.email])).toEqual([
        [uuid(1), "viewer", "user1@acme.example"],
        [uuid(2), "viewer", "user2@acme.example"]
      ])
      expect(workspace!.items.find((i) => i._tag === "Done" && i.collection === "members")).toMatchObject({
        outcome: { status: "complete" }
      })
      expect(api.reads(`/organizations/workspaces/${TL_WS}/memberships`)).toBe(2)
      const invitations = organisation!.items.flatMap((
        i
      ) => (i._tag === "Rows" && i.collection === "invitations" ? i.rows : []))
      expect(invitations.map((e) => e.id)).toEqual([uuid(801), uuid(802), uuid(803)])
    }))

  it.scopedLive("differing on both readings: members is a gap that names the id", () =>
    Effect.gen(function*() {
      const api = yield* tlServer(() => [tlMembership(1), tlMembership(2, "Admin"), tlMembership(2)])
      const [workspace] = yield* tlSnapshots(api.url)
      const done = workspace!.items.find((i) => i._tag === "Done" && i.collection === "members")
      expect(done).toMatchObject({ outcome: { status: "failed", detail: expect.stringContaining(uuid(2)) } })
      expect(workspace!.items.some((i) => i._tag === "Rows" && i.collection === "members")).toBe(false)
    }))
})
