/**
 * Builds the audit source for one configured target: the API client with its base URL, token and tuning, wrapped
 * in the adapter that maps it into snapshots. The one way the CLI makes a source.
 */
import type { HttpClient } from "@effect/platform"
import { Effect, Option, type Redacted } from "effect"
import type { AuditSourceService } from "./AuditSource.js"
import type { RequestTuning } from "./http/Request.js"
import * as PtolemyClient from "./ptolemy/PtolemyClient.js"
import { makePtolemySource } from "./ptolemy/PtolemySource.js"
import * as TransactionLinkClient from "./transactionlink/TransactionLinkClient.js"
import { makeTransactionLinkSource } from "./transactionlink/TransactionLinkSource.js"

interface Connection {
  readonly apiUrl: string
  readonly token: Redacted.Redacted<string>
}

/** One API to read, as each source needs it: Ptolemy reads one workspace; TransactionLink one or all of them. */
export type SourceSettings =
  | Connection & {
    readonly source: "ptolemy"
    /** The workspace's UUID or slug (every Ptolemy call is scoped to one). */
    readonly workspace: string
  }
  | Connection & {
    readonly source: "transactionlink"
    /** A workspace id or name; none = every workspace the token can view, and the organisation. */
    readonly workspace: Option.Option<string>
  }

/** How a client treats its API: requests in flight, timeouts and retries. */
export interface ClientTuning extends RequestTuning {
  /** Requests in flight at once. */
  readonly concurrency: number
}

/** The targets a run of these settings asks the source for. */
export const workspaceSelector = (settings: SourceSettings): Option.Option<string> =>
  settings.source === "ptolemy" ? Option.some(settings.workspace) : settings.workspace

export const makeSource = (
  settings: SourceSettings,
  tuning: ClientTuning
): Effect.Effect<AuditSourceService, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    switch (settings.source) {
      case "ptolemy": {
        const client = yield* PtolemyClient.make({
          baseUrl: settings.apiUrl,
          token: settings.token,
          workspace: settings.workspace,
          ...tuning
        })
        return makePtolemySource(client, { concurrency: tuning.concurrency })
      }
      case "transactionlink": {
        const client = yield* TransactionLinkClient.make({ baseUrl: settings.apiUrl, token: settings.token, ...tuning })
        return yield* makeTransactionLinkSource(client)
      }
    }
  })
