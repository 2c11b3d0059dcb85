/**
 * Canonical JSON (object keys sorted, no whitespace) and its hash: two payloads that differ only in key order are
 * the same state, so they must not make a new version.
 */
import { createHash } from "node:crypto"

export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`
}

export const md5 = (text: string): string => createHash("md5").update(text).digest("hex")

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex")
