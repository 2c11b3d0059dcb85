import { NodeHttpClient } from "@effect/platform-node"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import ExcelJS from "exceljs"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { allViews } from "../../src/job/Views.js"
import { writeReports } from "../../src/reports/Reports.js"
import { type RunningTlSimulator, startTransactionLinkSimulator } from "../../src/simulator/transactionlink/index.js"
import { Database } from "../../src/store/Database.js"
import { storeLayer } from "../../src/store/StoreLayer.js"
import { auditOnce } from "../support/Audit.js"
import { tempDir } from "../support/TempDir.js"

const simulator = (options: Parameters<typeof startTransactionLinkSimulator>[0]) =>
  Effect.acquireRelease(
    Effect.promise(() => startTransactionLinkSimulator(options)),
    (sim) => Effect.promise(() => sim.close())
  )

const audit = (sim: RunningTlSimulator, token: string, workspace: Option.Option<string> = Option.none()) =>
  auditOnce(
    {
      source: "transactionlink",
      url: sim.url,
      token,
      now: () => sim.now(),
      ...Option.match(workspace, { onNone: () => ({}), onSome: (w) => ({ workspace: w }) })
    },
    { concurrency: 4 }
  )

const query = (sql: string) => Effect.flatMap(Database, (db) => db.query(sql))

const layer = (dir: string) =>
  Layer.mergeAll(
    Layer.provideMerge(storeLayer({ path: join(dir, "audit.duckdb"), views: allViews }), NodeContext.layer),
    NodeHttpClient.layerUndici
  )

describe("TransactionLink through the same pipeline", () => {
  it.scopedLive("reads every workspace with the organisation token as-is, direct and inherited members, enrollments", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({ seed: 3, size: "small", churn: 0 })
      yield* Effect.provide(
        Effect.gen(function*() {
          const result = yield* audit(sim, sim.tokens.full)
          const workspaces = sim.world.workspacesJson()
          // One run per workspace, then one for the organisation (its enrollments).
          expect(result.runs.map((r) => r.status)).toEqual([...workspaces, "organisation"].map(() => "complete"))
          // The header carries the token itself, never with a Bearer prefix.
          expect(sim.stats.requests.length).toBeGreaterThan(0)
          for (const request of sim.stats.requests) expect(request.authorization).toBe(sim.tokens.full)
          // Users are read in pages of at most 100, each page once.
          const users = sim.world.usersJson()
          const userPages = sim.stats.requests.filter((r) => r.path === "/organizations/users")
          expect(userPages.length).toBe(Math.max(1, Math.ceil(users.length / 100)))

          for (const [i, ws] of workspaces.entries()) {
            const runId = result.runs[i]!.runId
            const direct = new Set(sim.world.directMembershipsJson(ws.id).map((m) => m.userId))
            const all = sim.world.allMembershipsJson(ws.id)
            const stored = yield* query(
              `SELECT id, access, role, email FROM members WHERE run_id = ${runId} ORDER BY id`
            )
            expect(stored.map((m) => [m["id"], m["access"]])).toEqual(
              [...all].sort((a, b) => (a.userId < b.userId ? -1 : 1)).map((m) => [
                m.userId,
                direct.has(m.userId) ? "direct" : "inherited"
              ])
            )
            const byId = new Map(users.map((u) => [u.id, u.email]))
            for (const m of stored) expect(m["email"]).toBe(byId.get(String(m["id"])))
          }
          // Organisation-level enrollments are stored once, at the organisation, and in no workspace.
          const enrollments = sim.world.enrollmentsJson()
          const organisationRun = result.runs[workspaces.length]!.runId
          expect(yield* query(`SELECT run_id, count(*) AS n FROM invitations GROUP BY ALL`)).toEqual([
            { run_id: organisationRun, n: enrollments.length }
          ])
          expect(
            yield* query(
              `SELECT DISTINCT status FROM coverage WHERE collection = 'invitations' AND run_id <> ${organisationRun}`
            )
          ).toEqual([{ status: "not_applicable" }])
          expect(yield* query("SELECT DISTINCT source FROM members")).toEqual([{ source: "transactionlink" }])
        }),
        layer(dir)
      )
    }))

  it.scopedLive("changes and TransactionLink's own findings: terminated users with access, inherited admin access", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({ seed: 4, size: "tiny", churn: 0 })
      const ws = sim.world.workspacesJson()[0]!
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* audit(sim, sim.tokens.full, Option.some(ws.id))
          const joiner = sim.world.addUser({ email: "new.joiner@external.example", orgRole: "member" })
          sim.world.addMembership(ws.id, joiner.id, sim.world.rolesJson(ws.id)[0]!.name)
          const leaver = sim.world.directMembershipsJson(ws.id).find((m) => m.userId !== joiner.id)!
          sim.world.terminateUser(leaver.userId)
          const promoted = sim.world.addUser({ email: "boss@external.example", orgRole: "admin" })
          sim.advanceDays(1)
          const second = yield* audit(sim, sim.tokens.full, Option.some(ws.id))
          const runId = second.runs[0]!.runId
          const changes = yield* query(`SELECT change_type, entity_id FROM changes WHERE run_id = ${runId}`)
          expect(changes).toContainEqual({ change_type: "member_added", entity_id: joiner.id })
          expect(changes).toContainEqual({ change_type: "member_added", entity_id: promoted.id })
          const findings = yield* query(`SELECT rule_id, entity_id FROM findings WHERE run_id = ${runId}`)
          expect(findings).toContainEqual({ rule_id: "access.terminated_member", entity_id: leaver.userId })
          expect(findings).toContainEqual({ rule_id: "access.inherited_admin", entity_id: promoted.id })
        }),
        layer(dir)
      )
    }))

  it.scopedLive("the same reports: members and enrollments, and what TransactionLink has no such thing for said so", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({ seed: 6, size: "tiny", churn: 1 })
      const ws = sim.world.workspacesJson()[0]!
      const { files, members } = yield* Effect.provide(
        Effect.gen(function*() {
          yield* audit(sim, sim.tokens.full, Option.some(ws.id))
          sim.advanceDays(2)
          const second = yield* audit(sim, sim.tokens.full, Option.some(ws.id))
          const runId = second.runs[0]!.runId
          const files = yield* writeReports({ kind: "run", runId }, join(dir, "reports"))
          const [count] = yield* query(`SELECT count(*) AS n FROM members WHERE run_id = ${runId}`)
          return { files, members: Number(count!["n"]) }
        }),
        layer(dir)
      )
      const md = readFileSync(files.markdown, "utf8")
      expect(md).toContain(`# Access audit: ${ws.name}`)
      expect(md.toLowerCase()).toContain("not applicable")
      const json = JSON.parse(readFileSync(files.json, "utf8"))
      expect(json.workspace.source).toBe("transactionlink")
      expect(json.run.coverage.robot_tokens.status).toBe("not_applicable")
      const workbook = new ExcelJS.Workbook()
      yield* Effect.promise(() => workbook.xlsx.readFile(files.workbook))
      expect(workbook.getWorksheet("Access review")!.actualRowCount - 1).toBe(members)
      const memberSheet = workbook.getWorksheet("Members")!
      const memberHeaders = (memberSheet.getRow(1).values as Array<unknown>).slice(1)
      expect(memberHeaders).toEqual(
        expect.arrayContaining(["Access", "Organisation role", "Account status", "Last login (UTC)"])
      )
      const access = memberSheet.getColumn(memberHeaders.indexOf("Access") + 1).values.slice(2)
      expect(new Set(access)).toEqual(new Set(["direct", "inherited"]))
      // No access log there: no "By" or "Changed at" columns left empty.
      const changeHeaders = (workbook.getWorksheet("Changes")!.getRow(1).values as Array<unknown>).slice(1)
      expect(changeHeaders).toEqual(expect.arrayContaining(["Change", "Before", "After"]))
      expect(changeHeaders).not.toEqual(expect.arrayContaining(["By"]))
      expect(String(workbook.getWorksheet("Robots and tokens")!.getCell(2, 1).value)).toMatch(/not applicable/i)
    }))

  it.scopedLive("a token without can_manage_users: members complete, enrollments a recorded gap", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sim = yield* simulator({ seed: 5, size: "tiny", churn: 0 })
      yield* Effect.provide(
        Effect.gen(function*() {
          const result = yield* audit(sim, sim.tokens.viewOnly)
          expect(result.runs.every((r) => r.status === "incomplete")).toBe(true)
          const coverage = yield* query(
            `SELECT collection, status FROM coverage WHERE run_id = ${result.runs[0]!.runId}
             AND collection IN ('members', 'invitations') ORDER BY collection`
          )
          expect(coverage).toEqual([
            { collection: "invitations", status: "forbidden" },
            { collection: "members", status: "complete" }
          ])
        }),
        layer(dir)
      )
    }))
})
