// The baseline of `ptolemy-audit sql QUERY`: Node opening the same database file with @duckdb/node-api, read-only,
// running the query and printing its rows. Usage: node baseline-sql.mjs FILE QUERY
import { DuckDBInstance } from "@duckdb/node-api"

const [file, query] = process.argv.slice(2)
const instance = await DuckDBInstance.create(file, { access_mode: "READ_ONLY" })
const connection = await instance.connect()
const reader = await connection.runAndReadAll(query)
console.log(JSON.stringify(reader.getRowObjectsJson()))
connection.closeSync()
instance.closeSync()
