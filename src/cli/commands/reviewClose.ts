/** `ptolemy-audit review close --signed-by NAME`: sign a campaign off; the sign-off joins the ledger's chain. */
import { Console, Effect, Option } from "effect"
import { closeCampaign } from "../../review/SignOff.js"
import { Database } from "../../store/Database.js"
import { writableStore } from "./common.js"
import { chooseCampaign, now, reviewExit } from "./reviewCommon.js"

export interface ReviewCloseInput {
  readonly db: string
  readonly campaign: Option.Option<string>
  readonly workspace: Option.Option<string>
  readonly signedBy: string
  readonly acceptUndecided: Option.Option<string>
}

export const reviewClose = (input: ReviewCloseInput) =>
  Effect.gen(function*() {
    const db = yield* Database
    const campaign = yield* chooseCampaign(db, input.campaign, input.workspace)
    const signed = yield* closeCampaign(db, {
      campaignId: campaign.campaign_id,
      signedBy: input.signedBy,
      acceptUndecided: Option.getOrNull(input.acceptUndecided),
      now: yield* now
    })
    const c = signed.campaign
    yield* Console.log(
      `Campaign ${c.campaign_id} signed off by ${c.signed_by} at ${c.signed_at} as ledger entry ${signed.entryId}: ${c.decided} of ${c.items} decided (${c.keep} keep, ${c.remove} remove, ${c.change_role} change role, ${c.self_reviews} self-review${
        c.self_reviews === 1 ? "" : "s"
      })${
        c.accepted_undecided ? `; undecided accepted: ${c.accepted_undecided}` : ""
      }; outcomes hash ${signed.outcomesHash}.`
    )
  }).pipe(Effect.provide(writableStore(input.db)), reviewExit)
