/** What a running simulator offers, whichever API it simulates. */
import type { RequestLog } from "./RequestLog.js"

export interface RunningBase<Faults> {
  /** The base URL a client is pointed at (127.0.0.1). */
  readonly url: string
  /** A token that may also use the write endpoints, apart from the read tokens. */
  readonly writeToken: string
  now(): Date
  /** Moves the simulated clock forward, with the day-by-day churn. */
  advanceDays(days: number): void
  /** Replaces every fault setting (and restarts the rule counters and the random fault sequence). */
  setFaults(faults: Faults): void
  /** The company's people directory as plain CSV (`email,status,terminated_on,name,manager,department`), as of now. */
  roster(): string
  /** Every request seen (method, path, status, token, whether a write), the most in flight at once; reset(). */
  readonly stats: RequestLog
  /** Closes the server and every open connection. */
  close(): Promise<void>
}
