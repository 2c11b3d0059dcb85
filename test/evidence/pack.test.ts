import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import ExcelJS from "exceljs"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { parseManifest, sha256 } from "../../src/evidence/Manifest.js"
import { writeEvidencePack } from "../../src/evidence/Pack.js"
import { checkHistory, openPack } from "../../src/evidence/VerifyPack.js"
import { readCsv } from "../../src/files/Csv.js"
import { startCampaign } from "../../src/review/Freeze.js"
import { closeCampaign } from "../../src/review/SignOff.js"
import { Database } from "../../src/store/Database.js"
import { query, testStore } from "../support/Pipeline.js"
import { tempDir } from "../support/TempDir.js"
import { buildHistory, COMMAND, Q1 } from "./support.js"

describe("the evidence pack", () => {
  it.scoped("writes the page, a CSV per table, the workbook, the manifest and the zip; the same data gives the same bytes", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { first, second, hashes } = yield* Effect.provide(
        Effect.gen(function*() {
          yield* buildHistory
          const first = yield* writeEvidencePack(Q1, join(dir, "a"), {
            commandLine: COMMAND,
            name: "evidence-acme-2026-Q1"
          })
          const second = yield* writeEvidencePack(Q1, join(dir, "b"), {
            commandLine: COMMAND,
            name: "evidence-acme-2026-Q1"
          })
          const hashes = yield* query("SELECT run_id, content_hash FROM runs ORDER BY run_id")
          return { first, second, hashes }
        }),
        testStore(dir)
      )
      const names = readdirSync(join(dir, "a")).sort()
      expect(names).toContain("index.html")
      expect(names).toContain("manifest.json")
      expect(names).toContain("audit.xlsx")
      expect(names).toContain("evidence-acme-2026-Q1.zip")
      expect(names.filter((n) => n.endsWith(".csv")).length).toBeGreaterThanOrEqual(10)
      const manifest = parseManifest(readFileSync(first.manifest, "utf8"))
      if (manifest._tag === "Left") throw new Error(String(manifest.left))
      const m = manifest.right
      // Every file but the manifest and the zip is listed with its true hash and size.
      expect(m.files.map((f) => f.path).sort()).toEqual(
        names.filter((n) => n !== "manifest.json" && !n.endsWith(".zip"))
      )
      for (const f of m.files) {
        const bytes = readFileSync(join(dir, "a", f.path))
        expect({ path: f.path, sha256: sha256(bytes), bytes: bytes.byteLength }).toEqual(f)
      }
      expect(m.runs.map((r) => [r.run_id, r.content_hash])).toEqual(hashes.map((h) => [h["run_id"], h["content_hash"]]))
      expect(m.chain_head).toMatchObject({
        run_id: 4,
        content_hash: hashes[3]!["content_hash"],
        at: "2026-03-31T23:59:59.999Z"
      })
      expect(m.command_line).toBe(COMMAND)
      // Deterministic: two packs of the same data are the same bytes, zip included.
      expect(second.zipSha256).toBe(first.zipSha256)
      expect(readFileSync(second.zip).equals(readFileSync(first.zip))).toBe(true)
      // CSV: UTF-8 with a BOM, ISO times in UTC.
      const runsCsv = readFileSync(join(dir, "a", "02-completeness-runs.csv"))
      expect([...runsCsv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
      expect(runsCsv.toString("utf8")).toContain("2026-03-02T06:00:00Z")
      // The page names every section and says what has no input.
      const html = readFileSync(first.files.find((f) => f.endsWith("index.html"))!, "utf8")
      for (
        const id of [
          "scope",
          "completeness",
          "population",
          "privileged",
          "joiners-movers-leavers",
          "robots-and-tokens",
          "access-review",
          "remediation",
          "time-to-removal",
          "open-findings"
        ]
      ) {
        expect(html).toContain(`<section class="evidence" id="${id}"`)
      }
      // The history has remediation's views (migration 005) but no plan: nothing was applied.
      expect(html).toContain("None in this period: no remediation action was applied.")
      expect(html).toContain("2026-03-04")
      // The period workbook, re-packed with fixed dates, still opens as the period report's workbook.
      const workbook = new ExcelJS.Workbook()
      yield* Effect.promise(() => workbook.xlsx.readFile(join(dir, "a", "audit.xlsx")))
      expect(workbook.worksheets.map((w) => w.name).slice(0, 3)).toEqual([
        "Summary",
        "Access review",
        "Privileged access"
      ])
      expect(workbook.getWorksheet("Members")!.actualRowCount).toBeGreaterThan(5)
    }))
})

describe("the access review section", () => {
  it.scoped("lists the period's campaigns with their sign-off", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const out = join(dir, "pack")
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* buildHistory
          const db = yield* Database
          const campaign = yield* startCampaign(db, {
            runId: 2,
            period: "2026-Q1",
            reviewers: [],
            dueOn: "2026-03-20",
            now: new Date("2026-03-03T09:00:00Z"),
            reports: join(dir, "review")
          })
          yield* closeCampaign(db, {
            campaignId: campaign.campaignId,
            signedBy: "Carla Controller",
            acceptUndecided: "the admins were confirmed in the meeting of 2026-03-04",
            now: new Date("2026-03-05T10:00:00Z")
          })
          yield* writeEvidencePack(Q1, out, { commandLine: COMMAND, name: "pack" })
        }),
        testStore(dir)
      )
      const [header, ...rows] = readCsv(readFileSync(join(out, "07-access-review-campaigns.csv"), "utf8"))
      const row = Object.fromEntries(header!.map((h, i) => [h, rows[0]![i]]))
      expect(rows).toHaveLength(1)
      expect(row).toMatchObject({
        "Frozen run": "2",
        Status: "signed off",
        "Signed off by": "Carla Controller",
        "Signed off (UTC)": "2026-03-05T10:00:00Z"
      })
      const html = readFileSync(join(out, "index.html"), "utf8")
      expect(html).not.toContain("no access review campaign froze a run")
    }))
})

describe("a pack checked against the history", () => {
  it.scoped("names a run deleted since, and a chain that no longer ends at the pack's head", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const out = join(dir, "pack")
      const { before, after } = yield* Effect.provide(
        Effect.gen(function*() {
          yield* buildHistory
          yield* writeEvidencePack(Q1, out, { commandLine: COMMAND, name: "pack" })
          const db = yield* Database
          const pack = yield* openPack(out)
          const before = yield* checkHistory(db, pack.manifest)
          yield* db.execute("DELETE FROM run_log WHERE run_id = 4")
          const after = yield* checkHistory(db, pack.manifest)
          return { before, after }
        }),
        testStore(dir)
      )
      expect(before).toEqual([])
      expect(after.map((d) => `${d.kind} ${d.name}`)).toEqual([
        "run run 4",
        "chain chain head at 2026-03-31T23:59:59.999Z"
      ])
      expect(after[0]!.problem).toContain("no longer stored")
      expect(after[1]!.problem).toContain("ends at run 3")
    }))
})
