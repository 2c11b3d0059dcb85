/**
 * A workspace whose people wrote hostile strings into every field (test/reports/Hostile.ts): the page carries each
 * as text (no tag, attribute or raw control character of theirs survives), and each CSV cell that a spreadsheet
 * would run as a formula is guarded.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { writeEvidencePack } from "../../src/evidence/Pack.js"
import { readCsv } from "../../src/files/Csv.js"
import { HOSTILE, hostileHistory, RAW_CONTROL } from "../reports/Hostile.js"
import { testStore } from "../support/Pipeline.js"
import { tempDir } from "../support/TempDir.js"
import { hostileScope, PAGE_TAGS } from "./support.js"

describe("hostile strings in the evidence pack", () => {
  it.scoped("stay text on the page and data in the CSV files", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const out = join(dir, "pack")
      yield* Effect.provide(
        Effect.zipRight(
          hostileHistory(2),
          writeEvidencePack(hostileScope, out, { commandLine: "ptolemy-audit evidence --period 2026-03", name: "pack" })
        ),
        testStore(dir)
      )
      const html = readFileSync(join(out, "index.html"), "utf8")
      const tags = new Set([...html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()))
      expect([...tags].filter((t) => !PAGE_TAGS.has(t))).toEqual([])
      expect(html).not.toMatch(RAW_CONTROL)
      // No attribute of theirs: every event handler name appears only inside escaped text.
      expect(html).not.toMatch(/<[^>]*\son[a-z]+\s*=/i)
      expect(html).toContain("Acme # Owned &lt;img src=x onerror=alert(1)&gt;")
      expect(html).toContain("&lt;img src=x onerror=alert(1)&gt; &lt;details&gt;&lt;summary&gt;open me")
      expect(html).toContain("\\u202eexe.txt@acme.test")
      // The 100,000-character name is cut on the page (its CSV has it whole).
      expect(html).not.toContain("x".repeat(400))

      const csvs = readdirSync(out).filter((f) => f.endsWith(".csv"))
      let longSeen = false
      for (const file of csvs) {
        const records = readCsv(readFileSync(join(out, file), "utf8"))
        for (const cell of records.flat()) {
          expect({ file, cell: /^[=+\-@\t\r]/.test(cell) }).toEqual({ file, cell: false })
          if (cell === HOSTILE.long) longSeen = true
        }
      }
      expect(longSeen).toBe(true)
      const population = readFileSync(join(out, csvs.find((f) => f.endsWith("-population.csv"))!), "utf8")
      expect(population).toContain(`"'=HYPERLINK(""https://phish.invalid"",""click"")"`)
    }))
})
