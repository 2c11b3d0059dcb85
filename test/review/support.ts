/**
 * A small workspace history for the review tests, the review commands run in-process over it, and filling a sheet
 * in as a reviewer would (with exceljs, as Excel saves it).
 */
import { NodeContext } from "@effect/platform-node"
import { Layer } from "effect"
import ExcelJS from "exceljs"
import { execFile } from "node:child_process"
import { existsSync, mkdirSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Database } from "../../src/store/Database.js"
import type { FakeState } from "../support/FakeSource.js"
import { testStore } from "../support/Pipeline.js"
import { invitation, member, robot, token } from "../support/Records.js"

export const WS = "3fa85f64-5717-4562-b3fc-2c963f66afa6"

/**
 * Ann (admin), Bob (member), Cat (viewer), the robot deploy-bot (member) with two active tokens, a pending admin
 * invitation and a pending member invitation: 8 items, 2 of them privileged (Ann and the admin invitation).
 */
export const population = (): FakeState => ({
  members: [
    member("ann", "admin", { display_name: "Ann Admin" }),
    member("bob", "member", { display_name: "Bob Member" }),
    member("cat", "viewer", { display_name: "Cat Viewer" }),
    member("m-r1", "member", { user_type: "robot", user_id: "r1", email: null, display_name: "deploy-bot" })
  ],
  robots: [robot("r1", "member", { display_name: "deploy-bot" })],
  robot_tokens: [token("tok-0001", "r1"), token("tok-0002", "r1", { last_used_at: null })],
  invitations: [
    invitation("dan", { role: "admin", expires_at: "2026-03-01T00:00:00Z" }),
    invitation("eve", { role: "member", expires_at: "2026-03-01T00:00:00Z" })
  ]
})

export const KEYS = {
  ann: "member:ann",
  bob: "member:bob",
  cat: "member:cat",
  robot: "robot:m-r1",
  token1: "token:tok-0001",
  token2: "token:tok-0002",
  dan: "invitation:dan",
  eve: "invitation:eve"
} as const

/** The store in a fresh file under `dir`, with the platform's file system (the review writes and reads files). */
export const reviewLayer = (dir: string) => Layer.merge(testStore(dir), NodeContext.layer)

export const db = Database

export type Inputs = Partial<
  Record<"Decision" | "New role" | "Reviewer" | "Reviewed on" | "Comment", string | Date | number>
>

/** The header row of each section: column numbers by header name. */
export const headerRows = (sheet: ExcelJS.Worksheet) => {
  const found: Array<{ row: number; columns: Map<string, number> }> = []
  sheet.eachRow((row, number) => {
    const values = (row.values as Array<unknown>).map((v) => (typeof v === "string" ? v : ""))
    if (values.includes("Item key") && values.includes("Decision")) {
      found.push({
        row: number,
        columns: new Map(values.flatMap((v, i) => (v === "" ? [] : [[v, i] as [string, number]])))
      })
    }
  })
  return found
}

/** Fills decisions into the review workbook by item key, as a reviewer in Excel would, and saves it as `out`. */
export const fillWorkbook = async (
  input: string,
  out: string,
  decisions: Readonly<Record<string, Inputs>>,
  edit?: (sheet: ExcelJS.Worksheet, rowOf: (key: string) => ExcelJS.Row, columns: Map<string, number>) => void
) => {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.readFile(input)
  const sheet = workbook.getWorksheet("Review")!
  const headers = headerRows(sheet)
  const rows = new Map<string, ExcelJS.Row>()
  for (const [i, header] of headers.entries()) {
    const end = headers[i + 1]?.row ?? sheet.rowCount + 1
    for (let r = header.row + 1; r < end; r++) {
      const row = sheet.getRow(r)
      const key = row.getCell(header.columns.get("Item key")!).value
      if (typeof key === "string" && key !== "") rows.set(key, row)
    }
  }
  const columns = headers[0]!.columns
  for (const [key, inputs] of Object.entries(decisions)) {
    const row = rows.get(key)
    if (row === undefined) throw new Error(`no row for ${key}`)
    for (const [header, value] of Object.entries(inputs)) {
      row.getCell(columns.get(header)!).value = value as ExcelJS.CellValue
    }
  }
  edit?.(sheet, (key) => rows.get(key)!, columns)
  await workbook.xlsx.writeFile(out)
  return out
}

/** The row number of an item in a workbook (what the import's messages name). */
export const rowNumberOf = async (path: string, key: string) => {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.readFile(path)
  const sheet = workbook.getWorksheet("Review")!
  let found = -1
  sheet.eachRow((row, number) => {
    if ((row.values as Array<unknown>).includes(key)) found = number
  })
  return found
}

export const sofficeAvailable = (() => {
  for (const dir of (process.env["PATH"] ?? "").split(":")) if (dir && existsSync(join(dir, "soffice"))) return true
  return false
})()

/** Opens `file` in LibreOffice Calc (headless) and saves it as `format` in `outDir`; returns the new file's path. */
export const libreOfficeSave = (file: string, format: string, outDir: string): Promise<string> =>
  new Promise((resolve, reject) => {
    mkdirSync(outDir, { recursive: true })
    // A profile of the test process's own: a LibreOffice running elsewhere would otherwise take the job or hold a
    // lock; kept across calls, since making one takes LibreOffice most of a minute.
    const profile = `file://${join(tmpdir(), `ptolemy-audit-soffice-${process.pid}`)}`
    execFile(
      "soffice",
      [`-env:UserInstallation=${profile}`, "--headless", "--convert-to", format, "--outdir", outDir, file],
      { timeout: 120_000 },
      (error, _stdout, stderr) => {
        if (error) return reject(new Error(`soffice failed: ${error.message} ${stderr}`))
        const ext = format.split(":")[0]!
        const made = readdirSync(outDir).find((f) => f.endsWith(`.${ext}`))
        return made ? resolve(join(outDir, made)) : reject(new Error(`soffice wrote no .${ext}: ${stderr}`))
      }
    )
  })
