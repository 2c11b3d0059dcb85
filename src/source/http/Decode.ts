/**
 * Decoding what an API answered: each item with the exact JSON object it came from (the raw JSON keeps fields the
 * schemas do not name), and a failure that says which item, which fields and what was wrong.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import type { KitFailure } from "./Request.js"

/** A decoded entity with the exact JSON object it came from. */
export interface Item<A> {
  readonly value: A
  readonly raw: Readonly<Record<string, unknown>>
}

/** A decoding failure in a line a user can act on: which fields, what was wrong (the first few). */
export const describeIssues = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "value"}: ${issue.message}`)
    .join("; ")

export const isJsonObject = (json: unknown): json is Record<string, unknown> =>
  typeof json === "object" && json !== null && !Array.isArray(json)

/** What the contract leaves optional and may come as null: `...optionalTexts("email", "created_at")`. */
export const optionalTexts = <const K extends string>(...keys: ReadonlyArray<K>) =>
  Object.fromEntries(keys.map((key) => [key, Schema.optional(Schema.NullOr(Schema.String))])) as {
    readonly [P in K]: Schema.optional<Schema.NullOr<typeof Schema.String>>
  }

/** One JSON value (an envelope, a single object) decoded, or a `SchemaDrift` naming what it is. */
export const decodeValue = <A, I, E>(
  schema: Schema.Schema<A, I>,
  json: unknown,
  what: string,
  endpoint: string,
  fail: KitFailure<E>
): Effect.Effect<A, E> =>
  Effect.mapError(
    Schema.decodeUnknown(schema)(json),
    (error) => fail({ reason: "SchemaDrift", endpoint, detail: `${what}: ${describeIssues(error)}`, cause: error })
  )

/** One object with its raw JSON. */
export const decodeObject = <A, I, E>(
  schema: Schema.Schema<A, I>,
  json: unknown,
  endpoint: string,
  fail: KitFailure<E>
): Effect.Effect<Item<A>, E> =>
  isJsonObject(json)
    ? Effect.map(decodeValue(schema, json, "the object", endpoint, fail), (value) => ({ value, raw: json }))
    : Effect.fail(fail({ reason: "SchemaDrift", endpoint, detail: "the answer is not a JSON object" }))

/** A page's items, decoded synchronously (one Effect per item would cost more than the decoding). */
export const decodeItems = <A, I, E>(
  schema: Schema.Schema<A, I>,
  data: ReadonlyArray<unknown>,
  endpoint: string,
  fail: KitFailure<E>
): Effect.Effect<ReadonlyArray<Item<A>>, E> =>
  Effect.suspend(() => {
    const decodeOne = Schema.decodeUnknownEither(schema)
    const items: Array<Item<A>> = []
    for (const [index, raw] of data.entries()) {
      if (!isJsonObject(raw)) {
        return Effect.fail(fail({ reason: "SchemaDrift", endpoint, detail: `item ${index} is not an object` }))
      }
      const decoded = decodeOne(raw)
      if (Either.isLeft(decoded)) {
        const label = typeof raw["id"] === "string" ? `item ${raw["id"]}` : `item ${index}`
        return Effect.fail(
          fail({
            reason: "SchemaDrift",
            endpoint,
            detail: `${label}: ${describeIssues(decoded.left)}`,
            cause: decoded.left
          })
        )
      }
      items.push({ value: decoded.right, raw })
    }
    return Effect.succeed(items)
  })
