/**
 * The source's side of removal confirmation, against the simulators over loopback with the real clients:
 * `confirmAbsent` says which of the entities a listing no longer showed still exist (Ptolemy by direct GETs,
 * a token by its robot's list; TransactionLink, which has no such GETs, by listing again), and `readAgain` reads one
 * collection again from its first page. Also where TransactionLink's organisation-wide enrollments are read: once,
 * at the organisation, and in no workspace.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Option, Redacted, Stream } from "effect"
import { type RunningSimulator, startPtolemySimulator } from "../../src/simulator/ptolemy/index.js"
import { startTransactionLinkSimulator } from "../../src/simulator/transactionlink/index.js"
import type { SnapshotItem } from "../../src/snapshot/SnapshotItem.js"
import type { AuditSourceService, WorkspaceTarget } from "../../src/source/AuditSource.js"
import { makeSource } from "../../src/source/Sources.js"

const options = { asOf: "2026-01-06T00:00:00Z", eventsSince: Option.none<string>() }
const tuning = { concurrency: 4, retries: 0 }
const NOWHERE = "00000000-0000-4000-8000-00000000dead"

const collect = (stream: Stream.Stream<SnapshotItem, unknown>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)
const rowIds = (items: ReadonlyArray<SnapshotItem>, collection: string) =>
  items.flatMap((i) => (i._tag === "Rows" && i.collection === collection ? i.rows.map((r) => r.id) : [])).sort()
const outcome = (items: ReadonlyArray<SnapshotItem>, collection: string) =>
  items.find((i) => i._tag === "Done" && i.collection === collection)

const ptolemy = Effect.acquireRelease(
  Effect.promise(() => startPtolemySimulator({ seed: 11, size: "tiny", churn: 0 })),
  (sim) => Effect.promise(() => sim.close())
)

/** The source the CLI would make for the simulator's workspace, and that workspace as its target. */
const ptolemySource = (sim: RunningSimulator, token: string) =>
  Effect.gen(function*() {
    const source = yield* makeSource(
      { source: "ptolemy", apiUrl: sim.url, token: Redacted.make(token), workspace: sim.workspace.slug },
      tuning
    )
    const [target] = yield* source.workspaces(Option.none())
    return { source, target: target! }
  })

describe("Ptolemy: confirming removals", () => {
  it.scopedLive("members, robots and invitations by their direct GETs: 404 is gone, 200 still exists", () =>
    Effect.gen(function*() {
      const sim = yield* ptolemy
      const { source, target } = yield* ptolemySource(sim, sim.tokens.admin)
      const humans = sim.world.list("memberships").filter((m) => m["user_type"] === "human" && m["role"] !== "admin")
      const [removed, kept] = [String(humans[0]!["id"]), String(humans[1]!["id"])]
      sim.world.removeMembership(removed)
      sim.stats.reset()
      const gone = (id: string) => ({ id, parentId: null })
      expect(yield* source.confirmAbsent(target, "members", [gone(removed), gone(kept)])).toEqual([kept])
      // Asked one by one, not by reading the whole list again.
      expect(sim.stats.requests.map((r) => r.path).sort()).toEqual(
        [removed, kept].map((id) => `/v1/workspaces/${sim.workspace.slug}/memberships/${id}`).sort()
      )

      const robots = sim.world.list("robots").filter((r) => !String(r["display_name"]).startsWith("audit-"))
      const [deletedRobot, liveRobot] = [String(robots[0]!["id"]), String(robots[1]!["id"])]
      sim.world.deleteRobot(deletedRobot)
      expect(yield* source.confirmAbsent(target, "robots", [gone(deletedRobot), gone(liveRobot)])).toEqual([liveRobot])

      const invitation = String(sim.world.list("invitations")[0]!["id"])
      expect(yield* source.confirmAbsent(target, "invitations", [gone(NOWHERE), gone(invitation)])).toEqual([
        invitation
      ])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("tokens by their robot's list (there is no GET of one token); a robot that is gone took its tokens", () =>
    Effect.gen(function*() {
      const sim = yield* ptolemy
      const { source, target } = yield* ptolemySource(sim, sim.tokens.admin)
      const withTokens = sim.world.list("robots").map((r) => String(r["id"])).filter((id) =>
        sim.world.tokens(id).length > 0
      )
      const [live, doomed] = [withTokens[0]!, withTokens[1]!]
      const liveToken = String(sim.world.tokens(live)[0]!["id"])
      const doomedToken = String(sim.world.tokens(doomed)[0]!["id"])
      sim.world.deleteRobot(doomed)
      sim.stats.reset()
      const still = yield* source.confirmAbsent(target, "robot_tokens", [
        { id: liveToken, parentId: live },
        { id: NOWHERE, parentId: live },
        { id: doomedToken, parentId: doomed }
      ])
      expect(still).toEqual([liveToken])
      // One list for the live robot; for the other, its list (404) and then the robot itself (404).
      const paths = sim.stats.requests.map((r) => r.path.replace(`/v1/workspaces/${sim.workspace.slug}`, ""))
      expect(paths.sort()).toEqual(
        [`/memberships/robots/${live}/tokens`, `/memberships/robots/${doomed}/tokens`, `/memberships/robots/${doomed}`]
          .sort()
      )
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("a refused token fails the confirmation (nothing may be recorded), it does not answer 'gone'", () =>
    Effect.gen(function*() {
      const sim = yield* ptolemy
      const { target } = yield* ptolemySource(sim, sim.tokens.admin)
      const { source: robot } = yield* ptolemySource(sim, sim.tokens.robotViewer)
      const member = String(sim.world.list("memberships")[0]!["id"])
      const forbidden = yield* Effect.flip(robot.confirmAbsent(target, "members", [{ id: member, parentId: null }]))
      expect(forbidden.reason).toBe("Unavailable")
      expect(forbidden.message).toMatch(/Could not confirm .* is gone.*403/)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("readAgain: one collection from its first page, its rows then its outcome, nothing else", () =>
    Effect.gen(function*() {
      const sim = yield* ptolemy
      const { source, target } = yield* ptolemySource(sim, sim.tokens.admin)
      const members = yield* collect(source.readAgain(target, "members", options))
      expect(new Set(members.map((i) => i.collection))).toEqual(new Set(["members"]))
      expect(members.at(-1)).toMatchObject({ _tag: "Done", outcome: { status: "complete" } })
      expect(rowIds(members, "members")).toEqual(sim.world.list("memberships").map((m) => String(m["id"])).sort())

      const tokens = yield* collect(source.readAgain(target, "robot_tokens", options))
      expect(new Set(tokens.map((i) => i.collection))).toEqual(new Set(["robot_tokens"]))
      expect(outcome(tokens, "robot_tokens")).toMatchObject({ outcome: { status: "complete" } })
      const expected = sim.world.list("robots").flatMap((r) =>
        sim.world.tokens(String(r["id"])).map((t) => String(t["id"]))
      )
      expect(rowIds(tokens, "robot_tokens")).toEqual(expected.sort())

      const invitations = yield* collect(source.readAgain(target, "invitations", options))
      expect(rowIds(invitations, "invitations")).toEqual(
        sim.world.list("invitations").map((i) => String(i["id"])).sort()
      )
      const robots = yield* collect(source.readAgain(target, "robots", options))
      expect(rowIds(robots, "robots")).toEqual(sim.world.list("robots").map((r) => String(r["id"])).sort())
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})

const transactionLink = Effect.acquireRelease(
  Effect.promise(() => startTransactionLinkSimulator({ seed: 12, size: "small", churn: 0 })),
  (sim) => Effect.promise(() => sim.close())
)

const tlSource = (url: string, token: string) =>
  makeSource({ source: "transactionlink", apiUrl: url, token: Redacted.make(token), workspace: Option.none() }, tuning)

const byScope = (targets: ReadonlyArray<WorkspaceTarget>) => ({
  workspaces: targets.filter((t) => t.scope === "workspace"),
  organisation: targets.filter((t) => t.scope === "organization")
})

const snapshot = (source: AuditSourceService, target: WorkspaceTarget) => collect(source.snapshot(target, options))

describe("TransactionLink: organisation-wide enrollments, stored once", () => {
  it.scopedLive("the organisation is a target of its own holding the enrollments; a workspace has none", () =>
    Effect.gen(function*() {
      const sim = yield* transactionLink
      const source = yield* tlSource(sim.url, sim.tokens.full)
      const { organisation, workspaces } = byScope(yield* source.workspaces(Option.none()))
      const organizationId = sim.world.orgRolesJson()[0]!.organizationId
      expect(workspaces.map((t) => t.workspace.id)).toEqual(sim.world.workspacesJson().map((w) => w.id))
      expect(organisation.map((t) => t.workspace.id)).toEqual([organizationId])

      const enrollments = sim.world.enrollmentsJson().map((e) => e.enrollmentId).sort()
      expect(enrollments.length).toBeGreaterThan(1)
      const atOrganisation = yield* snapshot(source, organisation[0]!)
      expect(rowIds(atOrganisation, "invitations")).toEqual(enrollments)
      expect(outcome(atOrganisation, "invitations")).toMatchObject({ outcome: { status: "complete" } })
      expect(outcome(atOrganisation, "members")).toMatchObject({ outcome: { status: "not_applicable" } })
      expect(rowIds(atOrganisation, "members")).toEqual([])

      for (const workspace of workspaces) {
        const items = yield* snapshot(source, workspace)
        expect(rowIds(items, "invitations")).toEqual([])
        expect(outcome(items, "invitations")).toMatchObject({
          outcome: { status: "not_applicable", detail: expect.stringContaining(organizationId) }
        })
        expect(rowIds(items, "members").length).toBeGreaterThan(0)
      }
      // Selected by its id, the organisation alone; a workspace selected alone brings no enrollments.
      expect((yield* source.workspaces(Option.some(organizationId))).map((t) => t.scope)).toEqual(["organization"])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("a token that cannot see the organisation (no can_manage_users): no organisation target; invitations a gap that says why", () =>
    Effect.gen(function*() {
      const sim = yield* transactionLink
      const source = yield* tlSource(sim.url, sim.tokens.viewOnly)
      const targets = yield* source.workspaces(Option.none())
      expect(targets.every((t) => t.scope === "workspace")).toBe(true)
      const items = yield* snapshot(source, targets[0]!)
      expect(outcome(items, "invitations")).toMatchObject({
        outcome: { status: "forbidden", detail: expect.stringMatching(/belong to the organisation.*403/) }
      })
      expect(outcome(items, "members")).toMatchObject({ outcome: { status: "complete" } })
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("confirmAbsent lists again (no single-item GETs): a removed membership is gone, a present one and a present enrollment are not", () =>
    Effect.gen(function*() {
      const sim = yield* transactionLink
      const source = yield* tlSource(sim.url, sim.tokens.full)
      const { organisation, workspaces } = byScope(yield* source.workspaces(Option.none()))
      const workspace = workspaces[0]!
      const direct = sim.world.directMembershipsJson(workspace.workspace.id)
      const inherited = new Set(
        sim.world.allMembershipsJson(workspace.workspace.id).filter((m) => m.role.type === "ORGANIZATION").map((m) =>
          m.userId
        )
      )
      const [removed, kept] = direct.filter((m) => !inherited.has(m.userId)).map((m) => m.userId)
      sim.world.removeMembership(workspace.workspace.id, removed!)
      const missing = [removed!, kept!].map((id) => ({ id, parentId: null }))
      expect(yield* source.confirmAbsent(workspace, "members", missing)).toEqual([kept])

      const enrollment = sim.world.enrollmentsJson()[0]!.enrollmentId
      const asked = [NOWHERE, enrollment].map((id) => ({ id, parentId: null }))
      expect(yield* source.confirmAbsent(organisation[0]!, "invitations", asked)).toEqual([enrollment])
      // A workspace holds no enrollments, so none of them can still exist there.
      expect(yield* source.confirmAbsent(workspace, "invitations", asked)).toEqual([])

      const again = yield* collect(source.readAgain(organisation[0]!, "invitations", options))
      expect(rowIds(again, "invitations")).toEqual(sim.world.enrollmentsJson().map((e) => e.enrollmentId).sort())
      expect(again.at(-1)).toMatchObject({ _tag: "Done", collection: "invitations", outcome: { status: "complete" } })
      const members = yield* collect(source.readAgain(workspace, "members", options))
      expect(rowIds(members, "members")).toEqual(
        sim.world.allMembershipsJson(workspace.workspace.id).map((m) => m.userId).sort()
      )
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
