/** What can stop a review command, by what the user can do about it. */
import { Data } from "effect"

export type ReviewErrorReason =
  /** The request cannot be carried out as asked (an open campaign, an incomplete run, a closed campaign...). */
  | "Refused"
  /** The file cannot be read as a review sheet, or belongs to no campaign. */
  | "BadFile"
  /** The review files could not be written. */
  | "Write"

export class ReviewError extends Data.TaggedError("ReviewError")<{
  readonly reason: ReviewErrorReason
  readonly message: string
  readonly cause?: unknown
}> {}

export const refused = (message: string) => new ReviewError({ reason: "Refused", message })
export const badFile = (message: string) => new ReviewError({ reason: "BadFile", message })
