/**
 * A small JSON Schema (draft-07) validator for the subset docs/findings.schema.json uses: type (with integer), enum,
 * const, required, properties, additionalProperties, items, anyOf, $ref, minimum and format date-time. No validator
 * package is installed; this returns the problems found, so a test can show both a pass and a failure.
 */
type Schema = Record<string, unknown>

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

export const validate = (schema: Schema, value: unknown, root: Schema = schema, path = "$"): Array<string> => {
  if (typeof schema["$ref"] === "string") {
    const target = (schema["$ref"] as string).replace(/^#\//, "").split("/")
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root) as Schema
    return validate(target, value, root, path)
  }
  if (Array.isArray(schema["anyOf"])) {
    const ok = (schema["anyOf"] as Array<Schema>).some((s) => validate(s, value, root, path).length === 0)
    return ok ? [] : [`${path}: matches none of anyOf`]
  }
  const actual = value === null ? "null" : Array.isArray(value) ? "array" : typeof value
  const type = schema["type"]
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type]
    const fits = types.some((t) => t === actual || (t === "integer" && Number.isInteger(value)))
    if (!fits) return [`${path}: expected ${types.join("|")}, got ${actual}`]
  }
  const problems: Array<string> = []
  if (Array.isArray(schema["enum"]) && !(schema["enum"] as Array<unknown>).includes(value)) {
    problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema["enum"])}`)
  }
  if ("const" in schema && schema["const"] !== value) {
    problems.push(`${path}: expected ${JSON.stringify(schema["const"])}`)
  }
  if (typeof schema["minimum"] === "number" && typeof value === "number" && value < schema["minimum"]) {
    problems.push(`${path}: below ${schema["minimum"]}`)
  }
  if (
    schema["format"] === "date-time" && typeof value === "string" &&
    (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))
  ) {
    problems.push(`${path}: ${JSON.stringify(value)} is not a date-time`)
  }
  if (actual === "object") {
    const object = value as Record<string, unknown>
    for (const key of (schema["required"] as Array<string> | undefined) ?? []) {
      if (!(key in object) || object[key] === undefined) problems.push(`${path}.${key}: is required`)
    }
    const properties = (schema["properties"] as Record<string, Schema> | undefined) ?? {}
    for (const [key, item] of Object.entries(object)) {
      if (item === undefined) continue
      if (key in properties) problems.push(...validate(properties[key]!, item, root, `${path}.${key}`))
      else if (schema["additionalProperties"] === false) problems.push(`${path}.${key}: is not allowed`)
      else if (typeof schema["additionalProperties"] === "object") {
        problems.push(...validate(schema["additionalProperties"] as Schema, item, root, `${path}.${key}`))
      }
    }
  }
  if (actual === "array" && typeof schema["items"] === "object" && !Array.isArray(schema["items"])) {
    ;(value as Array<unknown>).forEach((item, i) =>
      problems.push(...validate(schema["items"] as Schema, item, root, `${path}[${i}]`))
    )
  }
  return problems
}

/** Every keyword the schema uses, so a test can check the validator understands all of them. */
export const keywordsOf = (schema: unknown, into = new Set<string>()): Set<string> => {
  if (Array.isArray(schema)) schema.forEach((s) => keywordsOf(s, into))
  else if (schema !== null && typeof schema === "object") {
    for (const [key, value] of Object.entries(schema)) {
      into.add(key)
      if (key === "properties" || key === "$defs") Object.values(value as object).forEach((s) => keywordsOf(s, into))
      else if (key !== "required" && key !== "enum") keywordsOf(value, into)
    }
  }
  return into
}

export const SUPPORTED_KEYWORDS = [
  "$schema",
  "$ref",
  "$defs",
  "title",
  "description",
  "type",
  "enum",
  "const",
  "required",
  "properties",
  "additionalProperties",
  "items",
  "anyOf",
  "minimum",
  "format"
]
