/**
 * Looking for a secret everywhere the tool writes, as an attacker with the files would: a DuckDB file through SQL
 * over every text column of every table (its string compression can hide a token from a byte search), a workbook or
 * zip through every unzipped entry (Deflate hides it too), a Parquet file through DuckDB, anything else as text.
 */
import { DuckDBInstance } from "@duckdb/node-api"
import JSZip from "jszip"
import { readFileSync } from "node:fs"

export interface Leak {
  readonly file: string
  /** Where in the file: a table and column, a zip entry, or "bytes". */
  readonly where: string
}

const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`
const ident = (name: string) => `"${name.replace(/"/g, "\"\"")}"`

const textualType = (type: string) => /VARCHAR|JSON|STRUCT|MAP|\[\]/.test(type)

/** Every text-bearing column of every base table (or of the Parquet file) that contains one of the secrets. */
const scanWithDuckDb = async (file: string, secrets: ReadonlyArray<string>, parquet: boolean): Promise<Array<Leak>> => {
  const instance = await DuckDBInstance.create(parquet ? ":memory:" : file, parquet ? {} : { access_mode: "READ_ONLY" })
  const connection = await instance.connect()
  try {
    const relations = parquet
      ? [{ relation: `read_parquet(${sqlString(file)})`, label: "parquet" }]
      : (await connection.runAndReadAll(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal AND NOT temporary"
      )).getRowObjectsJS().map((t) => ({
        relation: `${ident(String(t["schema_name"]))}.${ident(String(t["table_name"]))}`,
        label: String(t["table_name"])
      }))
    const leaks: Array<Leak> = []
    for (const { label, relation } of relations) {
      const columns = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`)).getRowObjectsJS()
        .filter((c) => textualType(String(c["column_type"])))
        .map((c) => String(c["column_name"]))
      for (const column of columns) {
        const hit = secrets.map((s) => `contains(CAST(${ident(column)} AS VARCHAR), ${sqlString(s)})`).join(" OR ")
        const rows = (await connection.runAndReadAll(`SELECT count(*) AS n FROM ${relation} WHERE ${hit}`))
          .getRowObjectsJS()
        if (Number(rows[0]?.["n"] ?? 0) > 0) leaks.push({ file, where: `${label}.${column}` })
      }
    }
    return leaks
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

const scanZip = async (file: string, secrets: ReadonlyArray<string>): Promise<Array<Leak>> => {
  const zip = await JSZip.loadAsync(readFileSync(file))
  const leaks: Array<Leak> = []
  for (const entry of Object.values(zip.files)) {
    if (entry.dir) continue
    const bytes = Buffer.from(await entry.async("uint8array"))
    if (secrets.some((s) => bytes.includes(Buffer.from(s)))) leaks.push({ file, where: entry.name })
  }
  return leaks
}

const isZip = (bytes: Buffer) => bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50
const isDuckDb = (bytes: Buffer) => bytes.length >= 12 && bytes.subarray(8, 12).toString("latin1") === "DUCK"
const isParquet = (bytes: Buffer) => bytes.length >= 4 && bytes.subarray(0, 4).toString("latin1") === "PAR1"

/** Every place a secret (or any of its given forms) appears in the files. */
export const findLeaks = async (files: ReadonlyArray<string>, secrets: ReadonlyArray<string>): Promise<Array<Leak>> => {
  const leaks: Array<Leak> = []
  for (const file of files) {
    const bytes = readFileSync(file)
    if (isDuckDb(bytes)) leaks.push(...(await scanWithDuckDb(file, secrets, false)))
    else if (isParquet(bytes)) leaks.push(...(await scanWithDuckDb(file, secrets, true)))
    else if (isZip(bytes)) leaks.push(...(await scanZip(file, secrets)))
    // A byte search still runs on every file: a format this scan does not know is at least searched as it is.
    if (secrets.some((s) => bytes.includes(Buffer.from(s)) || bytes.includes(Buffer.from(s, "utf16le")))) {
      leaks.push({ file, where: "bytes" })
    }
  }
  return leaks
}
