/**
 * Email addresses parsed strictly, as the domain rules and the roster matching need them: an address whose domain
 * cannot be told for certain is malformed, never "probably fine". The same grammar is `email_address` in
 * analyses/foundations.sql (the rules judge members there); test/roster/email.test.ts holds both to one table.
 *
 * Exactly one ASCII `@`; a local part of RFC 5322 atext and dots (ASCII: a fullwidth `＠` or any other look-alike is
 * not an `@`, and an internationalised address is reported rather than guessed at); a domain of at least two ASCII
 * labels of letters, digits and inner hyphens (an internationalised domain in its `xn--` form).
 */

const LOCAL = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}"
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
const ADDRESS = new RegExp(`^${LOCAL}@(?:${LABEL}\\.)+${LABEL}$`)

export interface EmailAddress {
  /** Lower-cased. */
  readonly local: string
  /** Lower-cased. */
  readonly domain: string
}

/** The parts of an address (surrounding spaces ignored), or null when it is not a well-formed address. */
export const parseEmail = (text: string): EmailAddress | null => {
  const address = text.replace(/^ +| +$/g, "")
  if (address.length > 254 || !ADDRESS.test(address)) return null
  const at = address.indexOf("@")
  return { local: address.slice(0, at).toLowerCase(), domain: address.slice(at + 1).toLowerCase() }
}

/** Why an address is not well-formed, in words for a message. */
export const emailProblem = (text: string): string => {
  const address = text.replace(/^ +| +$/g, "")
  const ats = [...address].filter((c) => c === "@").length
  if (ats === 0) return /[＠﹫]/.test(address) ? "it has no ASCII @ (only a look-alike)" : "it has no @"
  if (ats > 1) return "it has more than one @"
  if (/\s/.test(address)) return "it contains a space"
  if (address.length > 254) return "it is longer than 254 characters"
  const [local = "", domain = ""] = address.split("@")
  if (!new RegExp(`^${LOCAL}$`).test(local)) {
    return "its local part (before the @) is empty or has characters an address may not"
  }
  return `its domain "${domain}" is not a domain name (ASCII labels separated by dots)`
}
