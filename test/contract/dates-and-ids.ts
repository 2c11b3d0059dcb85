/**
 * Dates and ids for the hand-written workspace states of the contract tests. The CLI judges findings against its own
 * (real) clock, so every date is relative to when the test file was loaded, with margins of days against thresholds.
 */
export const NOW = Date.now()
export const DAY = 86_400_000
export const HOUR = 3_600_000

/** ISO-8601 UTC with a `Z` and whole seconds, as in the reference's examples. */
export const iso = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")
export const ago = (days: number): string => iso(NOW - days * DAY)
export const ahead = (days: number): string => iso(NOW + days * DAY)

/** A UUID (as the API's ids are) with a readable kind prefix of four hex digits. */
export const uuid = (kind: string, n: number): string =>
  `${kind}0000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`
