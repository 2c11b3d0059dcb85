/**
 * Deterministic zip files (with JSZip): entries in sorted order, every entry dated with one fixed instant (the
 * data's own time, never the clock), no folder entries, the same compression: the same files give the same bytes.
 * A workbook (itself a zip, written by exceljs with the time it was written) is re-packed the same way, keeping its
 * entries' order, so that the pack's checksums depend on the data alone.
 */
import { Effect } from "effect"
import JSZip from "jszip"
import { ReportError } from "../reports/ReportData.js"

const OPTIONS = {
  type: "uint8array",
  compression: "DEFLATE",
  compressionOptions: { level: 6 },
  platform: "UNIX"
} as const

/** DOS dates start in 1980; anything earlier is dated 1980-01-01. */
const entryDate = (iso: string) => new Date(Math.max(Date.parse(iso), Date.UTC(1980, 0, 1, 0, 0, 0)))

const failed = (what: string) => (cause: unknown) =>
  new ReportError({ message: `Could not write ${what}: ${String(cause)}`, cause })

/** A zip of `files` (name → bytes), entries sorted by name and dated `date`. */
export const deterministicZip = (
  files: ReadonlyArray<readonly [string, Uint8Array]>,
  date: string,
  what = "the zip file"
) =>
  Effect.tryPromise({
    try: () => {
      const zip = new JSZip()
      const sorted = [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      for (const [name, bytes] of sorted) {
        zip.file(name, bytes, { date: entryDate(date), createFolders: false, binary: true, unixPermissions: 0o644 })
      }
      return zip.generateAsync(OPTIONS)
    },
    catch: failed(what)
  })

/** A zip (an XLSX workbook) re-packed in its own entry order with every entry dated `date`. */
export const repack = (bytes: Uint8Array, date: string, what = "the workbook") =>
  Effect.tryPromise({
    try: async () => {
      const source = await JSZip.loadAsync(bytes)
      const out = new JSZip()
      for (const entry of Object.values(source.files)) {
        if (entry.dir) continue
        out.file(entry.name, await entry.async("uint8array"), {
          date: entryDate(date),
          createFolders: false,
          binary: true,
          unixPermissions: 0o644
        })
      }
      return out.generateAsync(OPTIONS)
    },
    catch: failed(what)
  })

/** The files of a zip: name → bytes (folders left out). */
export const readZip = (bytes: Uint8Array) =>
  Effect.tryPromise({
    try: async () => {
      const zip = await JSZip.loadAsync(bytes)
      const files = new Map<string, Uint8Array>()
      for (const entry of Object.values(zip.files)) {
        if (!entry.dir) files.set(entry.name, await entry.async("uint8array"))
      }
      return files
    },
    catch: (cause) => new ReportError({ message: `Not a readable zip file: ${String(cause)}`, cause })
  })
