/**
 * Review sheets as other spreadsheet programs save them: shared strings, inline strings, dates as serial numbers or
 * as text, trailing empty rows, reordered and hidden columns, a semicolon CSV in the Windows code page, UTF-16.
 * Each fixture is built here from the campaign's own CSV, in the shape that program writes.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import ExcelJS from "exceljs"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { readCsv } from "../../src/files/Csv.js"
import { startCampaign } from "../../src/review/Freeze.js"
import { importDecisions } from "../../src/review/RecordDecisions.js"
import { Database } from "../../src/store/Database.js"
import { query, snapshotAt } from "../support/Pipeline.js"
import { tempDir } from "../support/TempDir.js"
import { KEYS, population, reviewLayer } from "./support.js"

const start = (dir: string) =>
  Effect.gen(function*() {
    yield* snapshotAt(population(), "2026-02-01T06:00:00Z")
    return yield* startCampaign(yield* Database, {
      runId: 1,
      period: null,
      reviewers: [],
      dueOn: null,
      now: new Date("2026-02-02T09:00:00Z"),
      reports: dir
    })
  })

const importFile = (file: string) =>
  Effect.flatMap(
    Database,
    (db) => importDecisions(db, { file, campaignId: null, reviewer: null, now: new Date("2026-02-05T12:00:00Z") })
  )

/** Three decisions, with the reviewed day 2026-02-03 (Excel serial 46056). */
const inputs: Record<string, Record<string, string>> = {
  [KEYS.bob]: { Decision: "Remove", Reviewer: "cat@acme.test", Comment: "Left" },
  [KEYS.cat]: { Decision: "Change role", "New role": "member", Reviewer: "ann@acme.test" },
  [KEYS.token2]: { Decision: "Remove", Reviewer: "cat@acme.test" }
}
const SERIAL_2026_02_03 = 46056

const expected = [
  {
    item_key: KEYS.bob,
    decision: "remove",
    new_role: null,
    reviewer: "cat@acme.test",
    reviewed_on: "2026-02-03",
    comment: "Left"
  },
  {
    item_key: KEYS.cat,
    decision: "change_role",
    new_role: "member",
    reviewer: "ann@acme.test",
    reviewed_on: "2026-02-03",
    comment: null
  },
  {
    item_key: KEYS.token2,
    decision: "remove",
    new_role: null,
    reviewer: "cat@acme.test",
    reviewed_on: "2026-02-03",
    comment: null
  }
]

const stored = query(
  "SELECT item_key, decision, new_role, reviewer, reviewed_on::VARCHAR AS reviewed_on, comment FROM review_outcomes WHERE decision IS NOT NULL ORDER BY item_key"
)

/** The campaign's CSV as metadata lines, the header and the item rows, with the decisions filled in. */
const table = (csvPath: string) => {
  const records = readCsv(readFileSync(csvPath, "utf8"))
  const at = records.findIndex((r) => r.includes("Item key"))
  const header = records[at]!
  const rows = records.slice(at + 1).map((r) => {
    const filled = [...r]
    const wanted = inputs[r[header.indexOf("Item key")]!]
    if (wanted) { for (const [h, v] of Object.entries(wanted)) filled[header.indexOf(h)] = v }
    return filled
  })
  return { meta: records.slice(0, at), header, rows }
}

describe("review sheets saved by other programs", () => {
  it.scoped("Google Sheets' shape: columns reordered and hidden, dates as serial numbers and as text, trailing empty rows", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          const campaign = yield* start(dir)
          const { header, meta, rows } = table(campaign.files.csv)
          // Item key first, Decision last, everything else reversed; the Findings column hidden.
          const order = [
            header.indexOf("Item key"),
            ...header.map((_, i) => i).reverse().filter((i) =>
              i !== header.indexOf("Item key") && i !== header.indexOf("Decision")
            ),
            header.indexOf("Decision")
          ]
          const workbook = new ExcelJS.Workbook()
          const sheet = workbook.addWorksheet("Review")
          for (const m of meta) sheet.addRow(m)
          sheet.addRow(order.map((i) => header[i]))
          for (const r of rows) {
            sheet.addRow(order.map((i) => {
              const name = header[i]
              const value = r[i] ?? ""
              if (value === "") return null
              // Joined as a bare serial number (the date format lost); Last activity stays text.
              if (name === "Joined") return (Date.parse(`${value}T00:00:00Z`) / 86400000) + 25569
              return value
            }))
          }
          const reviewedOn = order.findIndex((i) => header[i] === "Reviewed on") + 1
          sheet.eachRow((row) => {
            const key = row.getCell(1).value
            if (typeof key === "string" && inputs[key]) row.getCell(reviewedOn).value = SERIAL_2026_02_03
          })
          sheet.getColumn(order.findIndex((i) => header[i] === "Findings") + 1).hidden = true
          // Trailing rows with formatting but no values, as a grid export has them.
          for (let i = 0; i < 40; i++) {
            const row = sheet.addRow([])
            row.getCell(3).fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFFFFFFF" } }
            row.getCell(5).value = ""
          }
          const file = join(dir, "google-sheets.xlsx")
          yield* Effect.promise(() => workbook.xlsx.writeFile(file))
          const result = yield* importFile(file)
          expect(result).toMatchObject({ recorded: 3, undecided: 5, rejected: [] })
          expect(yield* stored).toEqual(expected)
        }),
        reviewLayer(dir)
      )
    }))

  it.scoped("inline strings (no shared strings table), as some writers save them", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          const campaign = yield* start(dir)
          const { header, meta, rows } = table(campaign.files.csv)
          const file = join(dir, "inline.xlsx")
          const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
            filename: file,
            useSharedStrings: false,
            useStyles: true
          })
          const sheet = workbook.addWorksheet("Sheet1")
          // A one-run rich text value is written as <c t="inlineStr"><is><r><t>…</t></r></is>.
          const inline = (v: string) => (v === "" ? null : { richText: [{ text: v }] })
          for (const m of [...meta, header, ...rows]) {
            sheet.addRow(
              m.map((v, i) => (rows.includes(m) && header[i] === "Reviewed on" && inputs[m[header.indexOf("Item key")]!]
                ? "2026-02-03"
                : inline(v))
              )
            ).commit()
          }
          sheet.commit()
          yield* Effect.promise(() => workbook.commit())
          const xml = yield* Effect.promise(async () => {
            const { default: JSZip } = await import("jszip")
            const zip = await JSZip.loadAsync(readFileSync(file))
            return {
              sheet: await zip.file("xl/worksheets/sheet1.xml")!.async("string"),
              shared: zip.file("xl/sharedStrings.xml") !== null
            }
          })
          expect(xml.sheet).toContain("t=\"inlineStr\"")
          expect(xml.shared).toBe(false)
          const result = yield* importFile(file)
          expect(result).toMatchObject({ recorded: 3, rejected: [] })
          expect(yield* stored).toEqual(expected)
        }),
        reviewLayer(dir)
      )
    }))

  it.scoped("Excel's CSV in a European locale: semicolons, the Windows code page, dates as DD/MM/YYYY", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          const campaign = yield* start(dir)
          const { header, meta, rows } = table(campaign.files.csv)
          const dmy = (v: string) =>
            /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v.slice(8, 10)}/${v.slice(5, 7)}/${v.slice(0, 4)}` : v
          const lines = [...meta, header, ...rows].map((r) =>
            r.map((v, i) => {
              const out = rows.includes(r) && header[i] === "Reviewed on" && inputs[r[header.indexOf("Item key")]!]
                ? "03/02/2026"
                : dmy(v)
              return /[;"]/.test(out) ? `"${out.replace(/"/g, "\"\"")}"` : out
            }).join(";")
          )
          // "…" is 0x85 in Windows-1252; everything else here is ASCII.
          const text = `${lines.join("\r\n")}\r\n`
          const bytes = Buffer.from(Array.from(text, (ch) => (ch === "…" ? 0x85 : ch.charCodeAt(0))))
          const file = join(dir, "excel-de.csv")
          writeFileSync(file, bytes)
          const result = yield* importFile(file)
          expect(result).toMatchObject({ format: "csv", recorded: 3, rejected: [] })
          expect(yield* stored).toEqual(expected)
        }),
        reviewLayer(dir)
      )
    }))

  it.scoped("UTF-16 with a byte-order mark and tabs (Excel's \"Unicode text\")", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.provide(
        Effect.gen(function*() {
          const campaign = yield* start(dir)
          const { header, meta, rows } = table(campaign.files.csv)
          const text = [...meta, header, ...rows].map((r) =>
            r.map((v, i) => (rows.includes(r) && header[i] === "Reviewed on" && inputs[r[header.indexOf("Item key")]!]
              ? "2026-02-03"
              : v)
            ).join("\t")
          ).join("\r\n")
          const file = join(dir, "unicode.txt.csv")
          writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]))
          const result = yield* importFile(file)
          expect(result).toMatchObject({ format: "csv", recorded: 3, rejected: [] })
          expect(yield* stored).toEqual(expected)
        }),
        reviewLayer(dir)
      )
    }))
})
