/**
 * `review close`: the sign-off of a campaign, recorded under a `review.closed` ledger entry with its time, the
 * counts it signed and the hash of the outcomes it signed (review_outcomes_hash), so that `verify` notices a
 * sign-off or a decision edited afterwards. Refused while privileged items are undecided, unless the signer gives
 * the reason they accept that.
 */
import { Effect, Schema } from "effect"
import { appendEntry, sealEntry } from "../history/Ledger.js"
import { findFirst } from "../read/Query.js"
import { campaignById, type CampaignRow } from "../read/Review.js"
import { type DatabaseService, param, type StoreError } from "../store/Database.js"
import { refused, type ReviewError } from "./ReviewError.js"

export interface CloseOptions {
  readonly campaignId: string
  readonly signedBy: string
  /** `--accept-undecided REASON`: sign off although privileged items are undecided. */
  readonly acceptUndecided: string | null
  readonly now: Date
}

export interface SignedOff {
  readonly campaign: CampaignRow
  readonly entryId: number
  readonly outcomesHash: string
}

export const closeCampaign = (
  db: DatabaseService,
  options: CloseOptions
): Effect.Effect<SignedOff, ReviewError | StoreError> =>
  Effect.gen(function*() {
    const found = yield* campaignById(db, options.campaignId)
    if (found._tag === "None") return yield* Effect.fail(refused(`There is no campaign ${options.campaignId}.`))
    const campaign = found.value
    if (campaign.status === "closed") {
      return yield* Effect.fail(
        refused(
          `Campaign ${campaign.campaign_id} was already signed off by ${campaign.signed_by ?? "?"} at ${
            campaign.signed_at ?? "?"
          }.`
        )
      )
    }
    const signedBy = options.signedBy.trim()
    if (signedBy === "") {
      return yield* Effect.fail(refused("--signed-by needs the name of whoever signs the campaign off."))
    }
    const reason = options.acceptUndecided?.trim() || null
    if (campaign.undecided_privileged > 0 && reason === null) {
      return yield* Effect.fail(
        refused(
          `Campaign ${campaign.campaign_id} has ${campaign.undecided_privileged} undecided privileged item${
            campaign.undecided_privileged === 1 ? "" : "s"
          } (admins, tokens of admin robots): decide them, or sign off with --accept-undecided "why".`
        )
      )
    }
    const signedAt = options.now.toISOString()
    const entryId = yield* db.transaction(
      Effect.gen(function*() {
        const entryId = yield* appendEntry(db, {
          source: campaign.source,
          workspaceId: campaign.workspace_id,
          kind: "review.closed",
          subjectId: campaign.campaign_id,
          recordedAt: signedAt
        })
        yield* db.execute(
          `INSERT INTO review_signoff_log
             (entry_id, campaign_id, signed_by, signed_at, accepted_undecided, items, decided, undecided_privileged, outcomes_hash)
           VALUES ($1, $2, $3, $4::TIMESTAMPTZ, $5, $6, $7, $8, review_outcomes_hash($2))`,
          [
            param.int(entryId),
            param.text(campaign.campaign_id),
            param.text(signedBy),
            param.timestamp(signedAt),
            param.text(reason),
            param.int(campaign.items),
            param.int(campaign.decided),
            param.int(campaign.undecided_privileged)
          ]
        )
        yield* sealEntry(db, entryId)
        return entryId
      })
    )
    const hash = yield* findFirst(
      db,
      Schema.Struct({ outcomes_hash: Schema.String }),
      "review sign-offs",
      "SELECT outcomes_hash FROM review_signoff_log WHERE entry_id = $1",
      [param.int(entryId)]
    )
    const closed = yield* campaignById(db, campaign.campaign_id)
    return {
      campaign: closed._tag === "Some" ? closed.value : campaign,
      entryId,
      outcomesHash: hash?.outcomes_hash ?? ""
    }
  }).pipe(Effect.withSpan("Review.close"))
