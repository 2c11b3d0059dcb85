/** Made-up people and e-mail addresses: mostly on the organisation's domain, some outside it (contractors, partners). */
import type { Random } from "../kit/Random.js"

export const PRIMARY_DOMAIN = "orbitpay.example"
export const OUTSIDE_DOMAINS: ReadonlyArray<string> = [
  "gmail.example",
  "outlook.example",
  "northbridge-audit.example",
  "contractor-hub.example"
]

const FIRST_NAMES = [
  "Ada",
  "Amir",
  "Anna",
  "Ben",
  "Bianca",
  "Carlos",
  "Chen",
  "Chloe",
  "Dan",
  "Dina",
  "Elena",
  "Emeka",
  "Farah",
  "Felix",
  "Grace",
  "Hana",
  "Hugo",
  "Ines",
  "Ivan",
  "Jade",
  "Jonas",
  "Kai",
  "Karin",
  "Leila",
  "Luca",
  "Maja",
  "Marek",
  "Mei",
  "Nadia",
  "Noah",
  "Olga",
  "Omar",
  "Pia",
  "Priya",
  "Rafael",
  "Rosa",
  "Sami",
  "Sofia",
  "Tariq",
  "Theo",
  "Uma",
  "Vera",
  "Wiktor",
  "Yara",
  "Yusuf",
  "Zoe"
]

const LAST_NAMES = [
  "Abara",
  "Berg",
  "Costa",
  "Dubois",
  "Eriksen",
  "Fischer",
  "Garcia",
  "Haddad",
  "Ivanova",
  "Jansen",
  "Kowalski",
  "Larsen",
  "Moreau",
  "Nakamura",
  "Okafor",
  "Novak",
  "Petrov",
  "Quinn",
  "Rossi",
  "Schmidt",
  "Tanaka",
  "Usman",
  "Varga",
  "Weber",
  "Xu",
  "Yilmaz",
  "Zielinski",
  "Lindqvist",
  "Mensah",
  "Oliveira"
]

const TITLES = [
  "Compliance Officer",
  "KYC Analyst",
  "Risk Manager",
  "Operations Lead",
  "Software Engineer",
  "Head of Onboarding",
  "Fraud Analyst",
  "Customer Success",
  "Product Manager",
  "AML Specialist",
  "Finance Manager"
]

export interface Person {
  email: string
  firstName?: string
  lastName?: string
  title?: string
}

/** A new person whose e-mail (case-insensitive) is not `taken`. */
export const makePerson = (rng: Random, taken: (email: string) => boolean, outside: boolean): Person => {
  const first = rng.pick(FIRST_NAMES)
  const last = rng.pick(LAST_NAMES)
  const domain = outside ? rng.pick(OUTSIDE_DOMAINS) : PRIMARY_DOMAIN
  const local = outside && rng.chance(0.5) ? `${first[0]}${last}` : `${first}.${last}`
  let email = `${local}@${domain}`.toLowerCase()
  for (let n = 2; taken(email); n++) email = `${local}${n}@${domain}`.toLowerCase()
  const person: Person = { email }
  if (rng.chance(0.95)) {
    person.firstName = first
    person.lastName = last
  }
  if (rng.chance(0.6)) person.title = rng.pick(TITLES)
  return person
}
