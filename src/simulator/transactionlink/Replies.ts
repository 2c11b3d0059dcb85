/** What the server answers: `ErrorResponse` bodies (section 12 codes), Spring-style pages and their parameters. */
import { randomUUID } from "node:crypto"
import type { TlErrorCode, TlErrorJson, TlPageJson } from "./Json.js"

export interface Reply {
  readonly status: number
  /** Undefined: an empty body (a removed membership's 200). */
  readonly body: unknown
  readonly headers?: Readonly<Record<string, string>>
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DEFAULT_PAGE_SIZE = 20
const MAX_PAGE_SIZE = 100
const MAX_PAGE = 2_147_483_647

/** The fingerprint is a fresh random UUID (not seeded: it names one occurrence). */
export const error = (
  status: number,
  code: TlErrorCode | string,
  message: string,
  headers?: Readonly<Record<string, string>>
): Reply => {
  const body: TlErrorJson = { fingerprint: randomUUID(), errors: [{ code, message }] }
  return headers === undefined ? { status, body } : { status, body, headers }
}

export const ok = (body: unknown): Reply => ({ status: 200, body })

export const forbidden = (what: string): Reply =>
  error(403, "FORBIDDEN", `Insufficient permissions: ${what} is required`)

export const isReply = (x: unknown): x is Reply => typeof x === "object" && x !== null && "status" in x && "body" in x

export const paged = <T>(items: ReadonlyArray<T>, page: number, size: number): TlPageJson<T> => ({
  content: items.slice(page * size, page * size + size),
  totalElements: items.length,
  totalPages: Math.ceil(items.length / size),
  size,
  number: page
})

const intParam = (
  params: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number
): number | Reply => {
  const raw = params.get(name)
  if (raw === null) return fallback
  const n = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(n >= min && n <= max)) {
    return error(400, "BAD_REQUEST", `Query parameter '${name}' must be an integer from ${min} to ${max}, got '${raw}'`)
  }
  return n
}

export const paging = (params: URLSearchParams): { page: number; size: number } | Reply => {
  const page = intParam(params, "page", 0, 0, MAX_PAGE)
  if (typeof page !== "number") return page
  const size = intParam(params, "size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
  if (typeof size !== "number") return size
  return { page, size }
}
