import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import ExcelJS from "exceljs"
import { describe, expect, it } from "vitest"
import { runCli } from "../support/Cli.js"

const sample = (file: string) => new URL(`../../reports/sample/${file}`, import.meta.url)

describe("the committed sample reports", () => {
  it("are what the deterministic demo produces today (regenerate with npm run sample)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-sample-"))
    try {
      const demo = await runCli(["demo", "--reports", dir])
      expect(demo.code).toBe(0)
      for (const file of ["audit.md", "findings.json"]) {
        expect({ file, content: readFileSync(join(dir, "demo", file), "utf8") }).toEqual({
          file,
          content: readFileSync(sample(file), "utf8")
        })
      }
      // The workbook is a zip with its own timestamps: compare what it holds.
      const read = async (path: string) => {
        const workbook = new ExcelJS.Workbook()
        await workbook.xlsx.readFile(path)
        return workbook.worksheets.map((sheet) => ({
          name: sheet.name,
          rows: sheet.getSheetValues().map((row) => JSON.stringify(row))
        }))
      }
      expect(await read(join(dir, "demo", "audit.xlsx"))).toEqual(await read(sample("audit.xlsx").pathname))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
