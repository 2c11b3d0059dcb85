/**
 * Read-only by construction: the `HttpClient` the read clients send through refuses every request that is not a
 * read, before anything is sent. A read is a GET, and, where the API's filter queries are POSTs (Ptolemy's
 * `/filter` endpoints, read-only by the API's design), a POST to a path ending in `/filter`. Anything else is a
 * defect (`ReadOnlyViolation`): no retry, no request on the wire, and a message naming the method and path. The
 * writes of `remediate apply` go through their own client (remediation/WriteClient.ts), which only that command
 * provides.
 */
import { HttpClient, type HttpClientRequest } from "@effect/platform"
import { Data, Effect } from "effect"

export class ReadOnlyViolation extends Data.TaggedError("ReadOnlyViolation")<{
  readonly method: string
  readonly url: string
}> {
  override get message(): string {
    return `The read-only API client refused ${this.method} ${this.url}: the audit only reads (writes belong to \`ptolemy-audit remediate apply\`).`
  }
}

export interface ReadOnlyPolicy {
  /** POSTs to a path ending in `/filter` are reads (Ptolemy's filter API). */
  readonly filterPosts: boolean
}

/** Whether a request is a read under the policy. */
export const isRead = (
  request: Pick<HttpClientRequest.HttpClientRequest, "method" | "url">,
  policy: ReadOnlyPolicy
): boolean => {
  if (request.method === "GET") return true
  if (request.method !== "POST" || !policy.filterPosts) return false
  let path: string
  try {
    path = new URL(request.url, "http://relative.invalid").pathname
  } catch {
    return false
  }
  return /\/filter\/?$/.test(path)
}

/** The client, refusing whatever is not a read before it is sent. */
export const readOnly = <E, R>(
  client: HttpClient.HttpClient.With<E, R>,
  policy: ReadOnlyPolicy
): HttpClient.HttpClient.With<E, R> =>
  HttpClient.mapRequestEffect(client, (request) =>
    isRead(request, policy)
      ? Effect.succeed(request)
      : Effect.die(new ReadOnlyViolation({ method: request.method, url: request.url })))
