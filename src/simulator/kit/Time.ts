/** Time as both APIs write it. */

export const DAY = 86_400_000

/** ISO-8601 UTC to the second, with a Z: `2026-01-05T09:00:00Z`. */
export const iso = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z")

/** An ISO-8601 calendar date (UTC): `2026-01-05`. */
export const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
