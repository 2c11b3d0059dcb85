/**
 * Every request a simulator saw, for tests to assert on ("exactly these writes, with the write token", "the retry
 * came after the Retry-After"), and the most that were in progress at once.
 */

export interface RequestRecord {
  readonly method: string
  /** The path as sent, without the query. */
  readonly path: string
  /** The query without its `?` ("" when none). */
  readonly query: string
  /** The status answered; 0 when no answer was sent (dropped or hanging). */
  readonly status: number
  /** The Authorization header as sent. */
  readonly authorization: string | undefined
  /** The credential presented (the header without a `Bearer ` scheme where the API uses one); null without one. */
  readonly token: string | null
  /** True when the method and path name one of the API's write endpoints, whatever the answer. */
  readonly write: boolean
  /** The parsed JSON body, when there was one. */
  readonly body?: unknown
  /** When the request reached the handler (wall-clock milliseconds, `Date.now()`; not the simulated clock). */
  readonly receivedAt: number
  /** When it was done (answered, dropped, or its socket closed), on the same clock. */
  readonly answeredAt: number
}

export class RequestLog {
  private readonly log: Array<RequestRecord> = []
  private inFlight = 0
  private most = 0

  get requests(): ReadonlyArray<RequestRecord> {
    return this.log
  }

  /** The requests to write endpoints, in the order they arrived at the log. */
  get writes(): ReadonlyArray<RequestRecord> {
    return this.log.filter((r) => r.write)
  }

  get maxInFlight(): number {
    return this.most
  }

  /** A request has arrived; returns the number now in progress. */
  started(): number {
    this.inFlight++
    if (this.inFlight > this.most) this.most = this.inFlight
    return this.inFlight
  }

  /** A request is done (answered, dropped, or its socket closed): it is logged, stamped with the time now. */
  finished(record: Omit<RequestRecord, "answeredAt">): void {
    this.inFlight--
    this.log.push({ ...record, answeredAt: Date.now() })
  }

  reset(): void {
    this.log.length = 0
    this.most = 0
  }
}
