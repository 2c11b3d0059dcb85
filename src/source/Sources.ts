/**
 * Builds the audit source for one configured target: the API client with its base URL, token and limits, wrapped
 * in the adapter that maps it into snapshots.
 */
import type { HttpClient } from "@effect/platform"
import { Effect, Option, type Redacted } from "effect"
import type { RequestTuning } from "./http/JsonCall.js"
import type { SourceName } from "../snapshot/Records.js"
import type { AuditSourceService } from "./AuditSource.js"
import * as PtolemyClient from "./ptolemy/PtolemyClient.js"
import { makePtolemySource } from "./ptolemy/PtolemySource.js"
import * as TransactionLinkClient from "./transactionlink/TransactionLinkClient.js"
import { makeTransactionLinkSource } from "./transactionlink/TransactionLinkSource.js"

export interface SourceSettings {
  readonly source: SourceName
  readonly apiUrl: string
  readonly token: Redacted.Redacted<string>
  readonly workspace: Option.Option<string>
}

export interface ClientLimits extends RequestTuning {
  /** Requests in flight at once. */
  readonly concurrency: number
}

export const makeSource = (
  settings: SourceSettings,
  limits: ClientLimits
): Effect.Effect<AuditSourceService, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    switch (settings.source) {
      case "ptolemy": {
        const client = yield* PtolemyClient.make({
          baseUrl: settings.apiUrl,
          token: settings.token,
          workspace: Option.getOrElse(settings.workspace, () => ""),
          ...limits
        })
        return makePtolemySource(client, { concurrency: limits.concurrency })
      }
      case "transactionlink": {
        const client = yield* TransactionLinkClient.make({
          baseUrl: settings.apiUrl,
          token: settings.token,
          ...limits
        })
        return yield* makeTransactionLinkSource(client)
      }
    }
  })
