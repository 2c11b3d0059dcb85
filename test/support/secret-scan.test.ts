import { DuckDBInstance } from "@duckdb/node-api"
import ExcelJS from "exceljs"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { findLeaks } from "./SecretScan.js"

const dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-scan-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const TOKEN = "ptk_live_" + "0123456789abcdef".repeat(4)

describe("the secret scan the leak tests rely on", () => {
  it("finds a token planted in a compressed DuckDB column, where a byte search of the file does not", async () => {
    const file = join(dir, "planted.duckdb")
    const instance = await DuckDBInstance.create(file)
    const connection = await instance.connect()
    // Distinct rows sharing the token: DuckDB stores them FSST-compressed, the token never spelled out.
    await connection.run(
      `CREATE TABLE notes AS SELECT i AS id, md5(i::VARCHAR) || ' ${TOKEN} ' || i AS body FROM range(20000) t(i)`
    )
    await connection.run("CHECKPOINT")
    connection.closeSync()
    instance.closeSync()
    expect(readFileSync(file).includes(Buffer.from(TOKEN))).toBe(false)
    expect(await findLeaks([file], [TOKEN])).toEqual([{ file, where: "notes.body" }])
  })

  it("finds a token in a workbook cell, which Deflate hides from a byte search", async () => {
    const file = join(dir, "planted.xlsx")
    const workbook = new ExcelJS.Workbook()
    workbook.addWorksheet("Sheet").addRow(["name", `robot ${TOKEN}`])
    await workbook.xlsx.writeFile(file)
    expect(readFileSync(file).includes(Buffer.from(TOKEN))).toBe(false)
    expect(await findLeaks([file], [TOKEN])).toEqual([{ file, where: "xl/sharedStrings.xml" }])
  })

  it("finds nothing where there is nothing", async () => {
    const file = join(dir, "clean.duckdb")
    const instance = await DuckDBInstance.create(file)
    const connection = await instance.connect()
    await connection.run("CREATE TABLE notes AS SELECT 'nothing secret here' AS body")
    connection.closeSync()
    instance.closeSync()
    expect(await findLeaks([file], [TOKEN])).toEqual([])
  })
})
