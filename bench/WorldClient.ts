/**
 * A Ptolemy client that reads the simulator's world directly, without HTTP: the same decoding and the same adapter,
 * so the 365-day history tier measures the store (what storage grows by) without minutes of loopback requests.
 */
import { Effect, Option, Schema, Stream } from "effect"
import type { RunningSimulator } from "../src/simulator/ptolemy/index.js"
import type { Item } from "../src/source/http/Decode.js"
import { PtolemyApiError } from "../src/source/ptolemy/PtolemyApiError.js"
import type { PtolemyClientService } from "../src/source/ptolemy/PtolemyClient.js"
import * as S from "../src/source/ptolemy/Schemas.js"

const items = <A, I>(schema: Schema.Schema<A, I>, json: ReadonlyArray<unknown>): Array<Item<A>> =>
  json.map((raw) => ({ value: Schema.decodeUnknownSync(schema)(raw), raw: raw as Record<string, unknown> }))

const pages = <A>(all: Array<Item<A>>) => {
  const out: Array<Array<Item<A>>> = []
  for (let i = 0; i < Math.max(1, all.length); i += 200) out.push(all.slice(i, i + 200))
  return Stream.fromIterable(out)
}

/** A direct GET of one entity: the item, or the 404 the API answers for one that is gone. */
const one = <A, I>(
  schema: Schema.Schema<A, I>,
  what: string,
  json: ReadonlyArray<Record<string, unknown>>,
  key: string,
  id: string
) =>
  Effect.suspend(() => {
    const found = json.find((raw) => raw[key] === id)
    return found === undefined
      ? Effect.fail(new PtolemyApiError({ reason: "NotFound", endpoint: `GET ${what}/${id}`, status: 404 }))
      : Effect.succeed(items(schema, [found])[0]!)
  })

export const worldClient = (sim: RunningSimulator): PtolemyClientService => {
  const world = sim.world
  let calls = 0
  const count = <A>(s: Stream.Stream<A>) => Stream.tap(s, () => Effect.sync(() => calls++))
  return {
    workspace: Effect.sync(() => items(S.Workspace, [world.workspaceJson()])[0]!),
    memberships: () => count(pages(items(S.Membership, world.list("memberships")))),
    membership: (id: string) => one(S.Membership, "/memberships", world.list("memberships"), "id", id),
    robots: () => count(pages(items(S.Robot, world.list("robots")))),
    robot: (id: string) => one(S.Robot, "/memberships/robots", world.list("robots"), "id", id),
    invitation: (id: string) => one(S.Invitation, "/invitations", world.list("invitations"), "id", id),
    robotTokens: (id: string) => count(pages(items(S.RobotToken, world.tokens(id)))),
    invitations: () => count(pages(items(S.Invitation, world.list("invitations")))),
    plan: Effect.sync(() => items(S.Plan, [world.planJson()])[0]!),
    events: (since: Option.Option<string>) =>
      count(
        pages(
          items(
            S.Event,
            world.list("events").filter((e) =>
              Option.match(since, {
                onNone: () => true,
                onSome: (s) => Date.parse(String(e["created_at"])) >= Date.parse(s)
              })
            )
          )
        )
      ),
    webhooks: () => count(pages(items(S.Webhook, world.list("webhooks")))),
    subscriptions: (id: string) => count(pages(items(S.Subscription, world.subscriptions(id)))),
    usage: Effect.sync(() => ({ calls, rateLimitRemaining: null }))
  } as unknown as PtolemyClientService
}
