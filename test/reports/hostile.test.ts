import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import ExcelJS from "exceljs"
import { marked } from "marked"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { writeReports } from "../../src/reports/Reports.js"
import { EXCEL_CELL_LIMIT, mdCode, mdText, mermaidLabel } from "../../src/reports/Text.js"
import { testStore } from "../support/Pipeline.js"
import { tempDir } from "../support/TempDir.js"
import { HOSTILE, hostileHistory, RAW_CONTROL } from "./Hostile.js"

/** The HTML a GitHub-like renderer makes of the Markdown (marked passes raw HTML through, so nothing may be raw). */
const html = (markdown: string) => marked.parse(markdown, { gfm: true, async: false })

const tables = (page: string) =>
  [...page.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((m) => ({
    headers: (m[1]!.match(/<th[ >]/g) ?? []).length,
    rows: [...m[1]!.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1).map((r) => (r[1]!.match(/<td[ >]/g) ?? []).length)
  }))

describe("hostile strings from the API stay data", () => {
  it.scoped("in the Markdown: no heading, HTML, link, table row or code block that the data made", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const files = yield* Effect.provide(
        Effect.zipRight(
          hostileHistory(),
          writeReports({ kind: "window", fromRunId: 1, toRunId: 2, label: "hostile" }, join(dir, "out"))
        ),
        testStore(dir)
      )
      const md = readFileSync(files.markdown, "utf8")
      expect(md).not.toMatch(RAW_CONTROL)
      // A 100,000-character name is shortened in the Markdown (the workbook and the JSON keep it).
      expect(md.length).toBeLessThan(30_000)
      const page = html(md)
      // One title, and the hostile heading is inside it as text.
      expect(page.match(/<h1[ >]/g)).toHaveLength(1)
      expect(page.match(/<h1>([^<]*)<\/h1>/)![1]).toContain("Acme # Owned &lt;img src=x onerror=alert(1)&gt;")
      // No element the data wrote: no image, no link, no details of its own, no emphasis, strikethrough or mention.
      expect(page).not.toMatch(/<img|<a |<del>|<strong>bold|<em>it/)
      expect(page).not.toContain("<summary>open me")
      expect(page).toContain("[bank login](https://phish.invalid)")
      expect((page.match(/<details>/g) ?? []).length).toBe((page.match(/<\/details>/g) ?? []).length)
      // Every table row has as many cells as its header: a carriage return ended no row.
      for (const t of tables(page)) for (const cells of t.rows) expect(cells).toBe(t.headers)
      expect(page).toContain("Mallory | injected | row |")
      // One Mermaid block, holding none of the hostile dimension name; fences balance.
      expect(page.match(/<code class="language-mermaid">/g)).toHaveLength(1)
      const mermaid = page.match(/<code class="language-mermaid">([\s\S]*?)<\/code>/)![1]!
      expect(mermaid).not.toMatch(/forest|Owned|```/)
      expect(((md.match(/^```/gm) ?? []).length) % 2).toBe(0)
      // The terminal sequences show as visible escapes.
      expect(page).toContain("\\x1b]0;pwned\\x07\\x1b[2J")
    }))

  it.scoped("in the workbook: every cell within Excel's limit with a marker, no control character, no formula", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const files = yield* Effect.provide(
        Effect.zipRight(hostileHistory(), writeReports({ kind: "run", runId: 2 }, join(dir, "out"))),
        testStore(dir)
      )
      const workbook = new ExcelJS.Workbook()
      yield* Effect.promise(() => workbook.xlsx.readFile(files.workbook))
      let cut = 0
      let formulaText = 0
      workbook.eachSheet((sheet) =>
        sheet.eachRow((row) =>
          row.eachCell((cell) => {
            expect(cell.type).not.toBe(ExcelJS.ValueType.Formula)
            if (typeof cell.value !== "string") return
            expect(cell.value.length).toBeLessThanOrEqual(EXCEL_CELL_LIMIT)
            expect(cell.value).not.toMatch(RAW_CONTROL)
            if (cell.value.includes("[cut: 100,005 characters in all")) cut++
            if (cell.value === HOSTILE.formula) formulaText++
          })
        )
      )
      expect(cut).toBeGreaterThan(0)
      // The formula is kept as the text it is (the email of the member who joined).
      expect(formulaText).toBeGreaterThan(0)
    }))

  it("each context's escaping holds for every ASCII punctuation character and line break", () => {
    const all = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join("")
    // As a table cell, the text renders back to exactly itself (GFM trims a cell's leading space).
    const cell = html(`| a |\n| --- |\n| ${mdText(all)} |`)
    expect(cell.match(/<td>([\s\S]*?)<\/td>/)![1]).toBe(
      all.slice(1).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(
        /'/g,
        "&#39;"
      )
    )
    for (const breaker of ["\r", "\n", "\r\n", "\u2028", "\u0085", "\u000b", "\f"]) {
      expect(html(`# ${mdText(`a${breaker}# b`)}`).match(/<h1/g)).toHaveLength(1)
    }
    // A code span longer runs of backticks than its content; pipes escaped in a table.
    expect(html(mdCode("a ``` b"))).toContain("<code>a ``` b</code>")
    expect(html(`| a |\n| --- |\n| ${mdCode("x|y", { inTable: true })} |`)).toContain("<code>x|y</code>")
    // A Mermaid label keeps letters, digits and plain punctuation only.
    expect(mermaidLabel("seats\"; %%{init}%% `x` #35;")).toBe("seats?? ???init??? ?x? ?35?")
  })
})
