import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option } from "effect"
import ExcelJS from "exceljs"
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { writeReports } from "../../src/reports/Reports.js"
import { fitSummary, STEP_SUMMARY_LIMIT } from "../../src/reports/StepSummary.js"
import { query, snapshotAt, testStore } from "../support/Pipeline.js"
import { invitation, member, robot, token, usage } from "../support/Records.js"
import { tempDir } from "../support/TempDir.js"
import { validate } from "./JsonSchema.js"

const schema = JSON.parse(readFileSync(new URL("../../docs/findings.schema.json", import.meta.url), "utf8"))

const readWorkbook = (path: string) =>
  Effect.promise(async () => {
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(path)
    return workbook
  })

/** The text of a sheet's rows after the header. */
const body = (workbook: ExcelJS.Workbook, name: string) => {
  const sheet = workbook.getWorksheet(name)!
  return Array.from(
    { length: sheet.actualRowCount - 1 },
    (_, i) => (sheet.getRow(i + 2).values as Array<unknown>).slice(1)
  )
}

describe("the reports at the edges", () => {
  it.scoped("a source without robots, tokens or a plan (like TransactionLink): those sections say not applicable", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      // The fake source marks every collection the state leaves out as not_applicable.
      const only = { members: [member("ann", "admin"), member("bob", "viewer")], invitations: [invitation("i1")] }
      const files = yield* Effect.provide(
        Effect.zipRight(
          snapshotAt(only, "2026-03-01T06:00:00Z"),
          writeReports({ kind: "run", runId: 1 }, join(dir, "out"))
        ),
        testStore(dir)
      )
      const md = readFileSync(files.markdown, "utf8")
      const section = (heading: string) => md.split(heading)[1]!.split("\n## ")[0]!
      expect(section("## Stale and risky tokens")).toContain("Not applicable to this source")
      expect(section("## Quotas")).toContain("Not applicable to this source")
      expect(md).not.toContain("```mermaid")
      expect(md).toContain("The first run of this workspace")

      const workbook = yield* readWorkbook(files.workbook)
      expect(body(workbook, "Robots and tokens")).toEqual([["Not applicable to this source."]])
      expect(body(workbook, "Quota history")).toEqual([["Not applicable to this source."]])
      expect(body(workbook, "Access review")).toHaveLength(2)
      expect(body(workbook, "Invitations")).toHaveLength(1)

      const json = JSON.parse(readFileSync(files.json, "utf8"))
      expect(validate(schema, json)).toEqual([])
      expect(json.run.coverage.robot_tokens).toEqual({ status: "not_applicable", rows: null, detail: null })
      expect(json.summary.active_tokens).toBe(0)
    }))

  it.scoped("a collection that could not be read: a warning, a coverage finding, and no claim that tokens are missing", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const state = {
        members: [member("ann", "admin")],
        robots: [robot("r1")],
        robot_tokens: {
          status: "forbidden" as const,
          detail: "GET /memberships/robots/r1/tokens: 403, use an admin token"
        },
        invitations: [],
        plan_usage: [usage("seats", 1, 10)]
      }
      const [files, findings] = yield* Effect.provide(
        Effect.gen(function*() {
          yield* snapshotAt(state, "2026-03-01T06:00:00Z")
          const files = yield* writeReports({ kind: "run", runId: 1 }, join(dir, "out"))
          return [
            files,
            yield* query("SELECT rule_id, entity_id FROM findings WHERE run_id = 1 AND rule_id = 'coverage.gap'")
          ] as const
        }),
        testStore(dir)
      )
      expect(findings).toHaveLength(1)
      const md = readFileSync(files.markdown, "utf8")
      expect(md).toContain("> [!WARNING]")
      expect(md).toContain(
        "| robot\\_tokens | forbidden | – | GET /memberships/robots/r1/tokens\\: 403, use an admin token |"
      )
      expect(md.split("## Stale and risky tokens")[1]).toMatch(/^\n\nNot read in this run \(robot_tokens: forbidden/)
      expect(md).toContain("`coverage.gap`")

      const workbook = yield* readWorkbook(files.workbook)
      // The robot is listed, but its token column says the tokens were not read rather than "no tokens".
      expect(body(workbook, "Robots and tokens")[0]![2]).toBe("(not read)")
      const info = body(workbook, "Run info").map((r) => r.join(" "))
      expect(info).toContainEqual(expect.stringContaining("Coverage: robot_tokens forbidden"))
      const json = JSON.parse(readFileSync(files.json, "utf8"))
      expect(json.run.status).toBe("incomplete")
      expect(json.summary.coverage_gaps).toBe(1)
      expect(validate(schema, json)).toEqual([])
    }))

  it.scoped("tokens whose last use the API does not report are flagged in the Markdown", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const state = {
        members: [member("ann", "admin")],
        robots: [robot("r1")],
        robot_tokens: [
          token("t1", "r1", { last_used_reported: false, last_used_at: null, created_at: "2025-06-01T00:00:00Z" })
        ]
      }
      const files = yield* Effect.provide(
        Effect.zipRight(
          snapshotAt(state, "2026-03-01T06:00:00Z"),
          writeReports({ kind: "run", runId: 1 }, join(dir, "out"))
        ),
        testStore(dir)
      )
      const md = readFileSync(files.markdown, "utf8")
      expect(md).toContain("The API did not report when 1 active token was last used")
      expect(md).toMatch(/\| r1-bot \| …00t1 \| 2025-06-01 \| 2026-12-01 \| not reported \| [^|]*unused/)
    }))

  it.scoped("the job summary: appended after what earlier steps wrote, and kept under GitHub's limit", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const summary = join(dir, "step-summary.md")
      const full = join(dir, "full-summary.md")
      writeFileSync(summary, "## Earlier step\n\nkept\n")
      // An earlier step has used almost all of the limit.
      writeFileSync(full, `${"x".repeat(STEP_SUMMARY_LIMIT - 1_000)}\n`)
      const files = yield* Effect.provide(
        Effect.gen(function*() {
          yield* snapshotAt({ members: [member("ann", "admin")] }, "2026-03-01T06:00:00Z")
          const files = yield* writeReports({ kind: "run", runId: 1 }, join(dir, "out"), { stepSummary: summary })
          yield* writeReports({ kind: "run", runId: 1 }, join(dir, "out2"), { stepSummary: full })
          return files
        }),
        testStore(dir)
      )
      const report = readFileSync(files.markdown, "utf8")
      expect(readFileSync(summary, "utf8")).toBe(`## Earlier step\n\nkept\n${report}\n`)
      const cut = readFileSync(full, "utf8")
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT)
      expect(cut).toContain("Cut to fit the job summary's 1 MiB limit")
      expect(cut).toContain("# Access audit: Acme Capital")
    }))

  it("cutting the job summary never splits a character, closes an open code block, and handles a tiny budget", () => {
    const markdown = `# Title\n\n\`\`\`mermaid\n${"é line\n".repeat(2_000)}\`\`\`\n\n## Next\n\ntext\n`
    for (const budget of [0, 40, 300, 1_000, 5_000]) {
      const cut = fitSummary(markdown, budget)
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(budget)
      expect(cut).not.toContain("\uFFFD")
      if (budget >= 1_000) {
        expect(cut).toContain("the report was truncated")
        expect((cut.match(/^```/gm) ?? []).length % 2).toBe(0)
      }
    }
  })

  it.scoped("a run that does not exist, or a window that ends before it starts, is a ReportError naming the runs", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const [missing, backwards] = yield* Effect.provide(
        Effect.gen(function*() {
          yield* snapshotAt({ members: [member("ann", "admin")] }, "2026-03-01T06:00:00Z")
          yield* snapshotAt({ members: [member("ann", "admin")] }, "2026-03-02T06:00:00Z")
          return [
            yield* Effect.exit(writeReports({ kind: "run", runId: 7 }, join(dir, "a"))),
            yield* Effect.exit(
              writeReports({ kind: "window", fromRunId: 2, toRunId: 1, label: "backwards" }, join(dir, "b"))
            )
          ] as const
        }),
        testStore(dir)
      )
      const failure = <A, E>(
        exit: Exit.Exit<A, E>
      ) => (Exit.isFailure(exit) ? Option.getOrNull(Cause.failureOption(exit.cause)) : null)
      expect(failure(missing)).toMatchObject({ _tag: "ReportError", message: expect.stringContaining("Run 7") })
      expect(failure(backwards)).toMatchObject({
        _tag: "ReportError",
        message: expect.stringContaining("run 2 is after run 1")
      })
    }))

  it.scoped("a report that cannot be written names the file and the system's reason, and leaves no .partial behind", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const out = join(dir, "out")
      // A folder where the workbook should go: renaming the finished file onto it fails (as root, too).
      mkdirSync(join(out, "audit.xlsx"), { recursive: true })
      writeFileSync(join(out, "audit.xlsx", "keep"), "")
      const failed = yield* Effect.provide(
        Effect.zipRight(
          snapshotAt({ members: [member("ann", "admin")] }, "2026-03-01T06:00:00Z"),
          Effect.flip(writeReports({ kind: "run", runId: 1 }, out))
        ),
        testStore(dir)
      )
      expect(failed).toMatchObject({ _tag: "ReportError", path: join(out, "audit.xlsx"), code: "EISDIR" })
      expect(failed.message).toMatch(
        new RegExp(`^Could not write ${join(out, "audit.xlsx").replace(/[/.]/g, "\\$&")}: EISDIR`)
      )
      expect(readdirSync(out).filter((f) => f.endsWith(".partial"))).toEqual([])
    }))
})
