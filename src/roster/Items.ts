/**
 * The roster as part of a run's snapshot: the file as one `roster` record and its people as `people` pages, each
 * with its outcome, so the store keeps them like any collection. A file that could not be read completely is a
 * coverage gap of `people` naming the line; no roster at all makes both collections `not_applicable`.
 */
import { Either } from "effect"
import { SnapshotItem } from "../snapshot/SnapshotItem.js"
import { problemText, type RosterRead } from "./ReadRoster.js"

const PAGE = 1000

export const rosterItems = (roster: RosterRead | undefined): ReadonlyArray<SnapshotItem> => {
  if (roster === undefined) {
    return [
      SnapshotItem.done("roster", { status: "not_applicable" }),
      SnapshotItem.done("people", { status: "not_applicable" })
    ]
  }
  const file = [SnapshotItem.rows("roster", [roster.file]), SnapshotItem.done("roster", { status: "complete" })]
  if (Either.isLeft(roster.people)) {
    return [
      ...file,
      SnapshotItem.done("people", {
        status: "failed",
        detail: `The roster ${
          problemText(roster.file.file_name, roster.people.left)
        }; no one was matched against it in this run.`
      })
    ]
  }
  const people = roster.people.right
  const pages: Array<SnapshotItem> = []
  for (let i = 0; i < people.length; i += PAGE) pages.push(SnapshotItem.rows("people", people.slice(i, i + PAGE)))
  return [...file, ...pages, SnapshotItem.done("people", { status: "complete" })]
}
