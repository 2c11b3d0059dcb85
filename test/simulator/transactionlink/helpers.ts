import { expect } from "vitest"
import type { RunningTlSimulator, TlErrorJson } from "../../../src/simulator/transactionlink/index.js"

/** GET with the organisation token as-is (no Bearer); pass `null` to send no Authorization header. */
export const get = (sim: RunningTlSimulator, path: string, token: string | null = sim.tokens.full): Promise<Response> =>
  fetch(`${sim.url}${path}`, { headers: token === null ? {} : { Authorization: token } })

/** GET that must answer 200 with a JSON body. */
export const getJson = async <T = unknown>(sim: RunningTlSimulator, path: string, token?: string): Promise<T> => {
  const res = await get(sim, path, token)
  expect(res.status, `${path} status`).toBe(200)
  expect(res.headers.get("content-type")).toBe("application/json;charset=UTF-8")
  return (await res.json()) as T
}

/** Asserts an ErrorResponse with one error of `code`; returns it. */
export const expectError = async (res: Response, status: number, code: string): Promise<TlErrorJson> => {
  expect(res.status).toBe(status)
  expect(res.headers.get("content-type")).toBe("application/json;charset=UTF-8")
  const body = (await res.json()) as TlErrorJson
  expect(Object.keys(body).sort()).toEqual(["errors", "fingerprint"])
  expect(body.fingerprint).toMatch(/^[0-9a-f-]{36}$/)
  expect(body.errors).toHaveLength(1)
  expect(body.errors[0]!.code).toBe(code)
  expect(typeof body.errors[0]!.message).toBe("string")
  return body
}

/** Any method, with a JSON body when given; the write token by default. */
export const send = (
  sim: RunningTlSimulator,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = sim.writeToken
): Promise<Response> =>
  fetch(`${sim.url}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { Authorization: token }),
      ...(body === undefined ? {} : { "Content-Type": "application/json" })
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
  })
