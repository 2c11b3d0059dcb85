/** What a route handler gets, and the refusals it throws (section 13 error codes). */
import type { Actor, WorkspaceState } from "../Model.js"
import type { World } from "../World.js"

export type Json = Record<string, unknown>

export interface Context {
  readonly ws: WorkspaceState
  readonly world: World
  readonly query: URLSearchParams
  readonly body: unknown
  readonly params: ReadonlyArray<string>
  readonly cursorTtlMs: number
  /** Who writes, for the access log: the write principal (null for reads). */
  readonly actor: Actor | null
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

/** A handler's answer with no body: 204 No Content. */
export const NO_CONTENT: unique symbol = Symbol("no content")

/** Default error codes for scripted `{status}` faults (section 13 codes where one fits). */
export const codeFor = (status: number): string =>
  ({
    400: "invalid_parameter",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    422: "validation_error",
    429: "rate_limited"
  } as Record<number, string>)[status] ??
    (status >= 500 ? "internal_error" : "error")

export const one = <A>(value: A | undefined, what: string): A => {
  if (value === undefined) throw new ApiError(404, "not_found", `No ${what} with that id`)
  return value
}
