/**
 * A roster file's bytes as text, whatever the spreadsheet or admin console saved it as: UTF-8 with or without a
 * byte-order mark, Excel's "Unicode text" (UTF-16LE with a BOM, tab-separated), UTF-16BE, and, failing UTF-8, the
 * Windows-1252 that Excel's plain "CSV (Comma delimited)" writes on Windows.
 */

export type Encoding = "utf-8" | "utf-16le" | "utf-16be" | "windows-1252"

export interface DecodedText {
  readonly text: string
  readonly encoding: Encoding
}

/** UTF-16 without a BOM: a zero byte in every other position of the first characters. */
const looksUtf16 = (bytes: Uint8Array, zeroAt: 0 | 1): boolean => {
  const sample = Math.min(bytes.length - (bytes.length % 2), 64)
  if (sample < 4) return false
  let zeros = 0
  for (let i = zeroAt; i < sample; i += 2) if (bytes[i] === 0) zeros++
  return zeros >= (sample / 2) * 0.9
}

export const decodeText = (bytes: Uint8Array): DecodedText => {
  const [a, b, c] = [bytes[0], bytes[1], bytes[2]]
  if (a === 0xff && b === 0xfe) {
    return { text: new TextDecoder("utf-16le").decode(bytes.subarray(2)), encoding: "utf-16le" }
  }
  if (a === 0xfe && b === 0xff) {
    return { text: new TextDecoder("utf-16be").decode(bytes.subarray(2)), encoding: "utf-16be" }
  }
  if (a === 0xef && b === 0xbb && c === 0xbf) {
    return { text: new TextDecoder("utf-8").decode(bytes.subarray(3)), encoding: "utf-8" }
  }
  if (looksUtf16(bytes, 1)) return { text: new TextDecoder("utf-16le").decode(bytes), encoding: "utf-16le" }
  if (looksUtf16(bytes, 0)) return { text: new TextDecoder("utf-16be").decode(bytes), encoding: "utf-16be" }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), encoding: "utf-8" }
  } catch {
    return { text: new TextDecoder("windows-1252").decode(bytes), encoding: "windows-1252" }
  }
}
