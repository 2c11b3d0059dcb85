/** Shared helpers for the simulator tests: plain fetch against the running simulator (never the project's client). */
import { afterEach, expect } from "vitest"
import {
  type RunningSimulator,
  type SimulatorOptions,
  startPtolemySimulator
} from "../../../src/simulator/ptolemy/index.js"

export const DAY = 86_400_000

const running: Array<RunningSimulator> = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()))
})

/** Starts a simulator that is closed after the test. */
export const start = async (options: SimulatorOptions = {}): Promise<RunningSimulator> => {
  const sim = await startPtolemySimulator(options)
  running.push(sim)
  return sim
}

/** The wire's JSON, read loosely: these tests check the simulator's answers field by field, as a client would. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: Json
}

/**
 * One request to a path relative to the workspace ("" is the workspace itself). `token: null` sends no
 * Authorization header; a body makes it a POST unless `method` says otherwise.
 */
export const call = async (
  sim: RunningSimulator,
  path: string,
  init: { token?: string | null; method?: string; body?: unknown; workspace?: string; signal?: AbortSignal } = {}
): Promise<Answer> => {
  const token = init.token === undefined ? sim.tokens.admin : init.token
  const response = await fetch(`${sim.url}/workspaces/${init.workspace ?? sim.workspace.slug}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(init.body === undefined ? {} : { "content-type": "application/json" })
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    ...(init.signal ? { signal: init.signal } : {})
  })
  const text = await response.text()
  let json: unknown
  try {
    json = text === "" ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

/** Every page of a GET list, checking the envelope on the way. */
export const all = async (sim: RunningSimulator, path: string, limit?: number, token?: string) => {
  const items: Array<Json> = []
  let after: string | null = null
  let requests = 0
  do {
    const params = new URLSearchParams()
    if (limit !== undefined) params.set("limit", String(limit))
    if (after !== null) params.set("after", after)
    const query = params.toString()
    const r: Answer = await call(sim, `${path}${query === "" ? "" : `?${query}`}`, token === undefined ? {} : { token })
    requests++
    expect(r.status).toBe(200)
    expect(Object.keys(r.json).sort()).toEqual(["data", "meta"])
    items.push(...r.json.data)
    after = r.json.meta.next_cursor
    expect(r.json.meta.has_more).toBe(after !== null)
  } while (after !== null)
  return { items, requests }
}

/** Every page of a filter endpoint for one body. */
export const allFiltered = async (sim: RunningSimulator, path: string, body: Record<string, unknown>) => {
  const items: Array<Json> = []
  let after: string | null = null
  let requests = 0
  do {
    const r: Answer = await call(sim, path, { body: { ...body, ...(after === null ? {} : { after }) } })
    requests++
    expect(r.status).toBe(200)
    items.push(...r.json.data)
    after = r.json.meta.next_cursor
    expect(r.json.meta.has_more).toBe(after !== null)
  } while (after !== null)
  return { items, requests }
}

/** The pinned error body (section 13). */
export const errorBody = (code: string) => ({ error: { code, message: expect.any(String) } })

export const remainingOf = (a: Answer) => Number(a.headers.get("x-ratelimit-remaining"))

/** ISO-8601 as the API writes it (whole seconds, Z). */
export const iso = (d: Date | number) =>
  new Date(Math.floor(new Date(d).getTime() / 1000) * 1000).toISOString().replace(".000Z", "Z")

export type Row = Record<string, Json>
export const rows = (x: ReadonlyArray<unknown>) => x as ReadonlyArray<Row>
