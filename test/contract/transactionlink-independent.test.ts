/**
 * The real CLI against an independent implementation of the TransactionLink organisation API.
 *
 * The server below is written from the shared API reference, reference/transactionlink-memberships-api.md alone (section 12 pins
 * the shapes), not from the project's simulator or client. Where the reference leaves room it deliberately takes
 * another legitimate reading than a naive server would:
 * * unknown extra fields on every object (Spring-style page metadata, `_links`, audit fields, nested objects);
 * * INFERRED fields omitted on some objects (user `status`, `idpId`, `lastLoginDateTime`; enrollment `roleId`,
 *   `createdDateTime`, `expiresAt`; a workspace's `createdDateTime`);
 * * date-times with fractional seconds and non-`Z` offsets (`+02:00`, `-05:00`): RFC 3339 `date-time`;
 * * inherited entries listed before the direct ones, with a role object named unlike the org role;
 * * users in an order that is not creation order, with the audited users on the last page(s);
 * * e-mail domains in mixed case (domains are case-insensitive), path UUIDs and the enrollment status filter
 *   accepted in any case.
 * Shapes stay what the reference pins: bare arrays for workspaces, memberships, roles and org roles; pages for users
 * and enrollments (page 0-based, default 0; size default 20, at most 100); `ErrorResponse` for every error.
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliResult, runCli } from "../support/Cli.js"
import { findLeaks } from "../support/SecretScan.js"

// ---------------------------------------------------------------------------------------------------------------
// The organisation, as hand-written states
// ---------------------------------------------------------------------------------------------------------------

type OrgRoleName = "owner" | "admin" | "member"

interface User {
  readonly id: string
  readonly email: string
  readonly orgRole: OrgRoleName
  /** undefined: the INFERRED `status` field is omitted (the user is active). */
  readonly status?: "ACTIVE" | "TERMINATED"
  /** undefined: omitted (not a required field); null: sent as null. */
  readonly idpId?: string | null
  readonly lastLogin?: string
  readonly created: string
  readonly profile: Record<string, string>
}

interface Membership {
  readonly workspaceId: string
  readonly userId: string
  readonly roleId: string
}

interface Enrollment {
  readonly enrollmentId: string
  readonly email: string
  readonly status: "PENDING" | "ACCEPTED" | "EXPIRED" | "CANCELLED"
  readonly lastInvitationSentAt: string | null
  readonly roleId?: string
  readonly createdDateTime?: string
  readonly expiresAt?: string
}

interface Workspace {
  readonly id: string
  readonly name: string
  readonly created?: string
}

interface WorkspaceRole {
  readonly id: string
  readonly name: string
  readonly workspaceId: string
  readonly created: string
}

interface OrgState {
  readonly workspaces: ReadonlyArray<Workspace>
  readonly roles: ReadonlyArray<WorkspaceRole>
  readonly users: ReadonlyArray<User>
  readonly memberships: ReadonlyArray<Membership>
  readonly enrollments: ReadonlyArray<Enrollment>
}

/** Lower-case version-4-layout UUIDs, one namespace per kind so a mix-up shows. */
const uuid = (kind: number, n: number): string =>
  `${(0x5e000000 + kind).toString(16)}-7a1c-4${kind.toString(16).padStart(3, "0")}-9${
    (n >> 16).toString(16).padStart(3, "0")
  }-${
    n
      .toString(16)
      .padStart(12, "0")
  }`

const ORGANIZATION_ID = uuid(1, 1)
const ORG_ROLE = { owner: uuid(2, 1), admin: uuid(2, 2), member: uuid(2, 3) } as const
const W1 = uuid(3, 1)
const W2 = uuid(3, 2)
const ROLE = {
  w1Viewer: uuid(4, 11),
  w1Editor: uuid(4, 12),
  w1Approver: uuid(4, 13),
  w2Viewer: uuid(4, 21),
  w2Editor: uuid(4, 22)
} as const
const U = {
  olivia: uuid(5, 1),
  adam: uuid(5, 2),
  henry: uuid(5, 3),
  frank: uuid(5, 4),
  grace: uuid(5, 5),
  carol: uuid(5, 6),
  paul: uuid(5, 7),
  zed: uuid(5, 8),
  erin: uuid(5, 9),
  ivan: uuid(5, 10),
  tom: uuid(5, 11),
  dave: uuid(5, 12)
} as const
const E = {
  daveInvite: uuid(6, 1),
  oldExpired: uuid(6, 2),
  ninaExpiring: uuid(6, 3),
  vicNew: uuid(6, 4),
  kimCancelled: uuid(6, 5),
  lenaPending: uuid(6, 6)
} as const

const FILLER_USERS = 140
const DAY = 86_400_000
const HOUR = 3_600_000
const lenaExpiresAt = (t0: number): number => t0 + 50 * HOUR
const FILLER_ENROLLMENTS = 110

/** RFC 3339 date-times in several legitimate spellings. */
const isoZ = (ms: number): string => new Date(ms).toISOString()
const isoSeconds = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z")
const isoMicros = (ms: number): string => new Date(ms).toISOString().replace("Z", "417Z")
const isoOffset = (ms: number, offsetMinutes: number): string => {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23)
  const sign = offsetMinutes < 0 ? "-" : "+"
  const abs = Math.abs(offsetMinutes)
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`
}

const fillers = (t0: number): ReadonlyArray<User> =>
  Array.from({ length: FILLER_USERS }, (_, i): User => {
    const external = i % 37 === 5 // a few org users on outside domains who hold no workspace access
    return {
      id: uuid(7, i + 1),
      email: external ? `guest${i}@gmail.example` : `staff${String(i).padStart(3, "0")}@acme.com`,
      orgRole: "member",
      ...(i % 11 === 3 ? {} : { status: i % 29 === 7 ? ("TERMINATED" as const) : ("ACTIVE" as const) }),
      ...(i % 5 === 0 ? {} : { idpId: i % 7 === 0 ? null : uuid(8, i + 1) }),
      ...(i % 3 === 0 ? {} : { lastLogin: isoSeconds(t0 - (i % 40) * DAY) }),
      created: isoSeconds(t0 - (500 - i) * DAY),
      profile: i % 4 === 0 ? {} : { firstName: `Staff${i}` }
    }
  })

/** State A: two workspaces, an owner and an admin inheriting both, direct members, pending and old enrollments. */
const stateA = (t0: number, ninaExpiresAt: number): OrgState => {
  const workspaces: Array<Workspace> = [
    { id: W1, name: "Payments", created: isoOffset(t0 - 400 * DAY, -300) },
    { id: W2, name: "Treasury Ops" } // INFERRED createdDateTime omitted
  ]
  const roleCreated = isoMicros(t0 - 399 * DAY)
  const roles: Array<WorkspaceRole> = [
    { id: ROLE.w1Viewer, name: "Viewer", workspaceId: W1, created: roleCreated },
    { id: ROLE.w1Editor, name: "Editor", workspaceId: W1, created: roleCreated },
    { id: ROLE.w1Approver, name: "Approver", workspaceId: W1, created: roleCreated },
    { id: ROLE.w2Viewer, name: "Viewer", workspaceId: W2, created: roleCreated },
    { id: ROLE.w2Editor, name: "Editor", workspaceId: W2, created: roleCreated }
  ]
  const key: Array<User> = [
    {
      id: U.olivia,
      email: "olivia@acme.com",
      orgRole: "owner",
      status: "ACTIVE",
      idpId: uuid(8, 9001),
      lastLogin: isoZ(t0 - DAY),
      created: isoSeconds(t0 - 700 * DAY),
      profile: { firstName: "Olivia", lastName: "Owner", title: "CEO" }
    },
    {
      id: U.adam,
      email: "adam@acme.com",
      orgRole: "admin",
      status: "ACTIVE",
      idpId: uuid(8, 9002),
      lastLogin: isoOffset(t0 - 2 * DAY, 120),
      created: isoOffset(t0 - 600 * DAY, 120),
      profile: { firstName: "Adam" }
    },
    {
      id: U.henry,
      email: "henry@acme.com",
      orgRole: "member",
      status: "ACTIVE",
      idpId: uuid(8, 9003),
      created: isoSeconds(t0 - 300 * DAY),
      profile: { lastName: "Henry" }
    },
    {
      id: U.frank,
      email: "frank@acme.com",
      orgRole: "member",
      status: "ACTIVE",
      idpId: null,
      created: isoMicros(t0 - 200 * DAY),
      profile: {}
    },
    {
      id: U.grace,
      email: "grace@acme.com",
      orgRole: "member",
      status: "ACTIVE",
      idpId: uuid(8, 9005),
      lastLogin: isoSeconds(t0 - 3 * DAY),
      created: isoSeconds(t0 - 250 * DAY),
      profile: { firstName: "Grace", title: "Analyst" }
    },
    // status, idpId and lastLoginDateTime omitted; the domain in another case (still acme.com)
    {
      id: U.carol,
      email: "Carol@Acme.COM",
      orgRole: "member",
      created: isoSeconds(t0 - 150 * DAY),
      profile: { firstName: "Carol" }
    },
    // a subdomain of the allowed domain
    {
      id: U.paul,
      email: "paul@eu.acme.com",
      orgRole: "member",
      status: "ACTIVE",
      idpId: uuid(8, 9007),
      created: isoSeconds(t0 - 120 * DAY),
      profile: {}
    },
    // ends with "acme.com" but is not acme.com nor a subdomain of it: outside
    {
      id: U.zed,
      email: "zed@notacme.com",
      orgRole: "member",
      status: "ACTIVE",
      idpId: uuid(8, 9008),
      lastLogin: isoSeconds(t0 - 10 * DAY),
      created: isoSeconds(t0 - 90 * DAY),
      profile: { firstName: "Zed" }
    },
    {
      id: U.erin,
      email: "erin@acme.com",
      orgRole: "member",
      status: "ACTIVE",
      idpId: uuid(8, 9009),
      created: isoSeconds(t0 - 80 * DAY),
      profile: { firstName: "Erin" }
    },
    // an outside user with no workspace access yet
    {
      id: U.ivan,
      email: "ivan@contractor.example",
      orgRole: "member",
      status: "ACTIVE",
      idpId: uuid(8, 9010),
      created: isoSeconds(t0 - 60 * DAY),
      profile: { firstName: "Ivan" }
    },
    // terminated, holding nothing: no finding
    {
      id: U.tom,
      email: "tom@acme.com",
      orgRole: "member",
      status: "TERMINATED",
      idpId: uuid(8, 9011),
      created: isoSeconds(t0 - 365 * DAY),
      profile: { firstName: "Tom" }
    }
  ]
  const memberships: Array<Membership> = [
    { workspaceId: W1, userId: U.frank, roleId: ROLE.w1Viewer },
    { workspaceId: W1, userId: U.grace, roleId: ROLE.w1Editor },
    { workspaceId: W1, userId: U.carol, roleId: ROLE.w1Viewer },
    { workspaceId: W1, userId: U.paul, roleId: ROLE.w1Editor },
    { workspaceId: W1, userId: U.zed, roleId: ROLE.w1Approver },
    { workspaceId: W2, userId: U.erin, roleId: ROLE.w2Viewer },
    { workspaceId: W2, userId: U.carol, roleId: ROLE.w2Editor }
  ]
  const enrollments: Array<Enrollment> = [
    {
      enrollmentId: E.daveInvite,
      email: "dave@acme.com",
      status: "PENDING",
      lastInvitationSentAt: isoSeconds(t0 - 2 * DAY),
      roleId: ORG_ROLE.member,
      createdDateTime: isoSeconds(t0 - 2 * DAY),
      expiresAt: isoSeconds(t0 + 5 * DAY)
    },
    {
      enrollmentId: E.oldExpired,
      email: "old@gmail.example", // outside, but not pending: no external-domain finding
      status: "EXPIRED",
      lastInvitationSentAt: isoSeconds(t0 - 30 * DAY),
      roleId: ORG_ROLE.member,
      expiresAt: isoSeconds(t0 - 23 * DAY)
    },
    {
      enrollmentId: E.ninaExpiring,
      email: "nina@acme.com",
      status: "PENDING",
      lastInvitationSentAt: isoOffset(ninaExpiresAt - 7 * DAY, 120),
      roleId: ORG_ROLE.member,
      createdDateTime: isoOffset(ninaExpiresAt - 7 * DAY, 120),
      expiresAt: isoOffset(ninaExpiresAt, 120)
    },
    // CANCELLED, with every INFERRED field omitted and no send time
    { enrollmentId: E.kimCancelled, email: "kim@acme.com", status: "CANCELLED", lastInvitationSentAt: null },
    // pending in both states; expires in 50 hours, written in New York time (-05:00): not within 48 hours
    {
      enrollmentId: E.lenaPending,
      email: "lena@acme.com",
      status: "PENDING",
      lastInvitationSentAt: isoOffset(lenaExpiresAt(t0) - 7 * DAY, -300),
      roleId: ORG_ROLE.member,
      createdDateTime: isoOffset(lenaExpiresAt(t0) - 7 * DAY, -300),
      expiresAt: isoOffset(lenaExpiresAt(t0), -300)
    }
  ]
  // old cancelled enrollments first, so the audited ones are on the last page
  const old = Array.from({ length: FILLER_ENROLLMENTS }, (_, i): Enrollment => ({
    enrollmentId: uuid(9, i + 1),
    email: i % 9 === 4 ? `someone${i}@outlook.example` : `former${i}@acme.com`,
    status: "CANCELLED",
    lastInvitationSentAt: i % 6 === 0 ? null : isoSeconds(t0 - (300 - i) * DAY),
    ...(i % 2 === 0 ? { roleId: ORG_ROLE.member } : {}),
    ...(i % 3 === 0 ? {} : { expiresAt: isoSeconds(t0 - (293 - i) * DAY) })
  }))
  return { workspaces, roles, users: [...fillers(t0), ...key], memberships, enrollments: [...old, ...enrollments] }
}

/**
 * State B, by hand from A:
 * * dave accepts his enrollment and joins Payments as Viewer;
 * * erin's Treasury Ops membership is removed;
 * * frank goes from Viewer to Editor in Payments;
 * * nina's enrollment expires (tB is past its expiresAt);
 * * a new enrollment for vic@partner.example (outside the allowed domains);
 * * grace is terminated and keeps her Payments membership;
 * * henry is promoted to organisation admin: inherited access to both workspaces;
 * * ivan (contractor.example) joins Treasury Ops.
 */
const stateB = (a: OrgState, tB: number): OrgState => {
  const users: Array<User> = a.users.map((u) => {
    if (u.id === U.grace) return { ...u, status: "TERMINATED" }
    if (u.id === U.henry) return { ...u, orgRole: "admin" }
    return u
  })
  users.push({
    id: U.dave,
    email: "dave@acme.com",
    orgRole: "member",
    status: "ACTIVE",
    idpId: uuid(8, 9012),
    lastLogin: isoOffset(tB - 2000, -300),
    created: isoOffset(tB - 3000, -300),
    profile: { firstName: "Dave" }
  })
  const memberships: Array<Membership> = a.memberships
    .filter((m) => !(m.workspaceId === W2 && m.userId === U.erin))
    .map((m) => (m.workspaceId === W1 && m.userId === U.frank ? { ...m, roleId: ROLE.w1Editor } : m))
  memberships.push({ workspaceId: W1, userId: U.dave, roleId: ROLE.w1Viewer })
  memberships.push({ workspaceId: W2, userId: U.ivan, roleId: ROLE.w2Viewer })
  const enrollments: Array<Enrollment> = a.enrollments.map((e): Enrollment => {
    if (e.enrollmentId === E.daveInvite) {
      // accepted: the INFERRED expiresAt omitted this time
      return {
        enrollmentId: e.enrollmentId,
        email: e.email,
        status: "ACCEPTED",
        lastInvitationSentAt: e.lastInvitationSentAt,
        roleId: ORG_ROLE.member
      }
    }
    if (e.enrollmentId === E.ninaExpiring) return { ...e, status: "EXPIRED" }
    return e
  })
  enrollments.push({
    enrollmentId: E.vicNew,
    email: "vic@PARTNER.example",
    status: "PENDING",
    lastInvitationSentAt: isoSeconds(tB - 5000),
    roleId: ORG_ROLE.member,
    createdDateTime: isoSeconds(tB - 5000),
    expiresAt: isoSeconds(tB - 5000 + 7 * DAY)
  })
  return { ...a, users, memberships, enrollments }
}

// ---------------------------------------------------------------------------------------------------------------
// The server: node:http, GET only, everything the audit reads
// ---------------------------------------------------------------------------------------------------------------

interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: string
  readonly authorization: string | undefined
  readonly accept: string | undefined
  readonly status: number
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

class IndependentTransactionLink {
  readonly requests: Array<RecordedRequest> = []
  private readonly server: Server
  private readonly orgCreated = isoSeconds(Date.now() - 720 * DAY)
  private next: () => OrgState = () => {
    throw new Error("no state to serve")
  }
  private current: OrgState | undefined
  url = ""

  constructor(readonly token: string) {
    this.server = createServer((req, res) => this.handle(req, res))
  }

  /** The state to serve from now on, built when the first request after the swap needs it. */
  serve(state: () => OrgState): void {
    this.next = state
    this.current = undefined
  }

  private get state(): OrgState {
    this.current ??= this.next()
    return this.current
  }

  listen(): Promise<string> {
    return new Promise((resolve) => {
      this.server.listen(0, "127.0.0.1", () => {
        const { port } = this.server.address() as AddressInfo
        this.url = `http://127.0.0.1:${port}`
        resolve(this.url)
      })
    })
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()))
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const send = (status: number, body: unknown): void => {
      this.requests.push({
        method: req.method ?? "",
        path: url.pathname,
        query: url.search,
        authorization: req.headers.authorization,
        accept: req.headers.accept,
        status
      })
      const text = JSON.stringify(body)
      res.writeHead(status, {
        "Content-Type": "application/json;charset=UTF-8",
        "Content-Length": Buffer.byteLength(text),
        "X-Request-Trace": randomBytes(6).toString("hex") // an undocumented header, to be ignored
      })
      res.end(text)
    }
    const error = (status: number, code: string, message: string): void =>
      send(status, {
        errors: [{ code, message, target: url.pathname }],
        fingerprint: randomBytes(16).toString("hex"),
        timestamp: new Date().toISOString()
      })

    // Authentication first (DOC: the raw tot_ token, no Bearer prefix; pinned: a Bearer header gets 401).
    const auth = req.headers.authorization
    if (auth === undefined || auth.trim() === "") return error(401, "UNAUTHORIZED", "Authorization header missing")
    if (/^bearer\s/i.test(auth)) {
      return error(
        401,
        "UNAUTHORIZED",
        "Organization tokens are sent as-is in the Authorization header, without Bearer"
      )
    }
    if (auth !== this.token) return error(401, "UNAUTHORIZED", "Token missing or invalid")
    if (req.method !== "GET") return error(405, "BAD_REQUEST", `${req.method} is not supported by this test server`)

    const s = this.state
    const parts = url.pathname.split("/").filter((p) => p !== "")
    if (url.pathname.endsWith("/")) return error(404, "NOT_FOUND", "No such resource")
    const workspace = (id: string): Workspace | undefined => s.workspaces.find((w) => w.id === id.toLowerCase())

    // GET /organizations/workspaces
    if (parts.length === 2 && parts[0] === "organizations" && parts[1] === "workspaces") {
      return send(200, s.workspaces.map((w) => this.workspaceJson(w)))
    }
    // GET /workspaces/{id}/memberships (direct)
    if (parts.length === 3 && parts[0] === "workspaces" && parts[2] === "memberships") {
      if (!UUID_RE.test(parts[1]!)) return error(400, "BAD_REQUEST", "workspaceId must be a UUID")
      const w = workspace(parts[1]!)
      if (w === undefined) return error(404, "NOT_FOUND", "Workspace not found")
      return send(200, this.directJson(w.id))
    }
    // GET /organizations/workspaces/{id}/memberships (direct + inherited) and /roles
    if (parts.length === 4 && parts[0] === "organizations" && parts[1] === "workspaces") {
      if (!UUID_RE.test(parts[2]!)) return error(400, "BAD_REQUEST", "workspaceId must be a UUID")
      const w = workspace(parts[2]!)
      if (w === undefined) return error(404, "NOT_FOUND", "Workspace not found")
      if (parts[3] === "memberships") return send(200, [...this.inheritedJson(w.id), ...this.directJson(w.id)])
      if (parts[3] === "roles") {
        return send(
          200,
          s.roles.filter((r) => r.workspaceId === w.id).map((r) => this.roleJson(r))
        )
      }
      return error(404, "NOT_FOUND", "No such resource")
    }
    // GET /organizations/roles
    if (parts.length === 2 && parts[0] === "organizations" && parts[1] === "roles") {
      return send(
        200,
        (["member", "admin", "owner"] as const).map((name) => ({
          name,
          organizationId: ORGANIZATION_ID,
          id: ORG_ROLE[name],
          builtIn: true
        }))
      )
    }
    // GET /organizations/users (paged) and /organizations/users/{id}
    if (parts[0] === "organizations" && parts[1] === "users") {
      if (parts.length === 2) {
        const paging = this.paging(url)
        if (typeof paging === "string") return error(400, "BAD_REQUEST", paging)
        return send(200, this.page(s.users.map((u) => this.userJson(u)), paging))
      }
      if (parts.length === 3) {
        if (!UUID_RE.test(parts[2]!)) return error(400, "BAD_REQUEST", "userId must be a UUID")
        const u = s.users.find((x) => x.id === parts[2]!.toLowerCase())
        return u === undefined ? error(404, "NOT_FOUND", "User not found") : send(200, this.userJson(u))
      }
      return error(404, "NOT_FOUND", "No such resource")
    }
    // GET /organizations/enrollments (paged, optional status filter)
    if (parts.length === 2 && parts[0] === "organizations" && parts[1] === "enrollments") {
      const paging = this.paging(url)
      if (typeof paging === "string") return error(400, "BAD_REQUEST", paging)
      const status = url.searchParams.get("status")
      const wanted = status === null ? null : status.toUpperCase()
      if (wanted !== null && !["PENDING", "ACCEPTED", "EXPIRED", "CANCELLED"].includes(wanted)) {
        return error(400, "BAD_REQUEST", `Unknown enrollment status ${status}`)
      }
      const list = s.enrollments.filter((e) => wanted === null || e.status === wanted)
      return send(200, this.page(list.map((e) => this.enrollmentJson(e)), paging))
    }
    return error(404, "NOT_FOUND", "No such resource")
  }

  /** DOC: page 0-based, default 0; size default 20; pinned: size at most 100. */
  private paging(url: URL): { page: number; size: number } | string {
    const pageRaw = url.searchParams.get("page")
    const sizeRaw = url.searchParams.get("size")
    if (pageRaw !== null && !/^\d{1,9}$/.test(pageRaw)) return `page must be a non-negative integer, got ${pageRaw}`
    if (sizeRaw !== null && !/^\d{1,9}$/.test(sizeRaw)) return `size must be a positive integer, got ${sizeRaw}`
    const page = pageRaw === null ? 0 : Number(pageRaw)
    const size = sizeRaw === null ? 20 : Number(sizeRaw)
    if (size < 1 || size > 100) return `size must be between 1 and 100, got ${size}`
    return { page, size }
  }

  /** Spring's Page, with the fields Spring adds beyond the documented five. */
  private page(all: ReadonlyArray<unknown>, { page, size }: { page: number; size: number }): unknown {
    const content = all.slice(page * size, page * size + size)
    const totalPages = Math.ceil(all.length / size)
    return {
      content,
      pageable: {
        pageNumber: page,
        pageSize: size,
        offset: page * size,
        paged: true,
        unpaged: false,
        sort: { sorted: false, empty: true }
      },
      last: page >= totalPages - 1,
      totalElements: all.length,
      totalPages,
      first: page === 0,
      size,
      number: page,
      sort: { sorted: false, unsorted: true, empty: true },
      numberOfElements: content.length,
      empty: content.length === 0
    }
  }

  private workspaceJson(w: Workspace): unknown {
    return {
      name: w.name,
      id: w.id,
      workspaceType: "LIVE",
      ...(w.created === undefined ? {} : { createdDateTime: w.created }),
      region: "eu-west-1",
      features: { tables: true, workflows: false }
    }
  }

  private roleJson(r: WorkspaceRole): unknown {
    return {
      type: "WORKSPACE",
      id: r.id,
      name: r.name,
      workspaceId: r.workspaceId,
      createdDateTime: r.created,
      permissions: r.name === "Viewer" ? ["can_view_workspace"] : ["can_view_workspace", "can_edit_data"],
      description: null
    }
  }

  private directJson(workspaceId: string): Array<unknown> {
    const s = this.state
    return s.memberships
      .filter((m) => m.workspaceId === workspaceId)
      .map((m) => {
        const role = s.roles.find((r) => r.id === m.roleId)!
        return {
          role: this.roleJson(role),
          userId: m.userId,
          workspaceId: m.workspaceId,
          _links: { self: { href: `/workspaces/${workspaceId}/memberships/${m.userId}` } }
        }
      })
  }

  /** Pinned: an entry not in the direct list is inherited from the org admin/owner role; its role.type is ORGANIZATION. */
  private inheritedJson(workspaceId: string): Array<unknown> {
    const s = this.state
    const direct = new Set(s.memberships.filter((m) => m.workspaceId === workspaceId).map((m) => m.userId))
    return s.users
      .filter((u) => (u.orgRole === "owner" || u.orgRole === "admin") && u.status !== "TERMINATED" && !direct.has(u.id))
      .map((u) => ({
        workspaceId,
        userId: u.id,
        role: {
          id: ORG_ROLE[u.orgRole],
          name: u.orgRole === "owner" ? "Organization Owner" : "Organization Administrator",
          workspaceId,
          createdDateTime: this.orgCreated,
          type: "ORGANIZATION"
        },
        inheritedFrom: { kind: "organizationRole" }
      }))
  }

  private userJson(u: User): unknown {
    return {
      id: u.id,
      email: u.email,
      ...(u.idpId === undefined ? {} : { idpId: u.idpId }),
      roleId: ORG_ROLE[u.orgRole],
      profile: { ...u.profile, ...(u.profile["firstName"] === undefined ? {} : { avatarUrl: null }) },
      createdDateTime: u.created,
      ...(u.status === undefined ? {} : { status: u.status }),
      ...(u.lastLogin === undefined ? {} : { lastLoginDateTime: u.lastLogin }),
      locale: "en-GB",
      mfaEnabled: u.id.endsWith("1")
    }
  }

  private enrollmentJson(e: Enrollment): unknown {
    return {
      status: e.status,
      email: e.email,
      enrollmentId: e.enrollmentId,
      lastInvitationSentAt: e.lastInvitationSentAt,
      ...(e.roleId === undefined ? {} : { roleId: e.roleId }),
      ...(e.createdDateTime === undefined ? {} : { createdDateTime: e.createdDateTime }),
      ...(e.expiresAt === undefined ? {} : { expiresAt: e.expiresAt }),
      invitedBy: { userId: U.adam },
      resendCount: 0
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------------------------

const makeToken = (): string => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
  const bytes = randomBytes(52)
  return `tot_${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("")}`
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const listFiles = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? listFiles(p) : [p]
  })

type Row = Record<string, unknown>

const key = (...parts: ReadonlyArray<unknown>): string => parts.map(String).join(" | ")
const sorted = (xs: Iterable<string>): Array<string> => [...xs].sort()

describe("the CLI against an independent TransactionLink server (written from the reference alone)", () => {
  const started = Date.now()
  const token = makeToken()
  const server = new IndependentTransactionLink(token)
  // State A is built at the first request of the first run (t0): nina's enrollment expires 8 seconds later, after
  // that run's started_at and before the second run's.
  let t0 = 0
  let ninaExpiresAt = 0
  let tB = 0
  let a: OrgState = { workspaces: [], roles: [], users: [], memberships: [], enrollments: [] }
  let b: OrgState = a
  server.serve(() => {
    t0 = Date.now()
    ninaExpiresAt = t0 + 8_000
    a = stateA(t0, ninaExpiresAt)
    return a
  })

  let dir = ""
  let runA: CliResult
  let runB: CliResult
  let requestsA: Array<RecordedRequest> = []
  let requestsB: Array<RecordedRequest> = []
  const outputs: Array<string> = []
  const stored = {
    runs: [] as Array<Row>,
    changes: [] as Array<Row>,
    findings: [] as Array<Row>,
    members: [] as Array<Row>,
    invitations: [] as Array<Row>
  }
  let runIdsA: Record<string, number> = {}
  let runIdsB: Record<string, number> = {}
  const inA = (r: Row) => Object.values(runIdsA).includes(Number(r["run_id"]))
  const inB = (r: Row) => Object.values(runIdsB).includes(Number(r["run_id"]))
  const lc = (v: unknown) => String(v).toLowerCase()

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ptolemy-audit-tl-independent-"))
    const url = await server.listen()
    const config = {
      targets: [{ source: "transactionlink", token_env: "TRANSACTIONLINK_API_TOKEN", api_url: url }],
      thresholds: { max_admins: 2 },
      allowed_email_domains: ["acme.com"]
    }
    writeFileSync(join(dir, "audit.config.json"), JSON.stringify(config, null, 2))
    const env = {
      TRANSACTIONLINK_API_TOKEN: token,
      TRANSACTIONLINK_API_URL: url,
      PTOLEMY_AUDIT_DB: join(dir, "audit.duckdb"),
      PTOLEMY_AUDIT_REPORTS: join(dir, "reports")
    }
    const args = ["run", "--source", "transactionlink", "--config", join(dir, "audit.config.json")]

    runA = await runCli(args, { env, cwd: dir })
    outputs.push(runA.stdout, runA.stderr)
    requestsA = server.requests.splice(0)

    // nina's enrollment expires between the runs: wait until its expiresAt has passed, then swap to state B.
    const wait = ninaExpiresAt + 1000 - Date.now()
    if (wait > 0) await sleep(wait)
    tB = Date.now()
    server.serve(() => (b = stateB(a, tB)))
    runB = await runCli(args, { env, cwd: dir })
    outputs.push(runB.stdout, runB.stderr)
    requestsB = server.requests.splice(0)

    // Everything the assertions need, read through `ptolemy-audit sql --format json` (read-only: in parallel).
    const sql = async (query: string): Promise<Array<Row>> => {
      const r = await runCli(["sql", query, "--format", "json"], { env, cwd: dir })
      outputs.push(r.stdout, r.stderr)
      if (r.code !== 0) throw new Error(`sql exited ${r.code}: ${r.stderr}\n${query}`)
      return JSON.parse(r.stdout) as Array<Row>
    }
    const tl = "WHERE source = 'transactionlink' ORDER BY ALL"
    const [runs, changes, findings, members, invitations] = await Promise.all([
      sql(
        "SELECT run_id, workspace_id, status, coverage['members'] AS members, coverage['invitations'] AS invitations, " +
          "coverage['robots'] AS robots, coverage['robot_tokens'] AS robot_tokens, coverage['webhooks'] AS webhooks " +
          `FROM runs ${tl}`
      ),
      sql(
        `SELECT run_id, previous_run_id, workspace_id, change_type, entity_id, old_value, new_value FROM changes ${tl}`
      ),
      sql(`SELECT run_id, workspace_id, rule_id, entity_id, severity, is_new, suppressed, detail FROM findings ${tl}`),
      sql(
        "SELECT run_id, workspace_id, user_id, user_type, role, email, access, org_role, user_status, created_at, " +
          `raw->'user'->>'createdDateTime' AS sent_created FROM members ${tl}`
      ),
      sql(
        `SELECT run_id, workspace_id, id, status, expires_at, raw->>'expiresAt' AS sent_expires FROM invitations ${tl}`
      )
    ])
    Object.assign(stored, { runs, changes, findings, members, invitations })
    const byWs = (rows: Array<Row>) =>
      Object.fromEntries(rows.map((r) => [String(r["workspace_id"]), Number(r["run_id"])]))
    // Each run: the two workspaces, then the organisation (its enrollments).
    runIdsA = byWs(runs.slice(0, 3))
    runIdsB = byWs(runs.slice(3, 6))
  }, 240_000)

  afterAll(async () => {
    await server.close()
    if (dir !== "") rmSync(dir, { recursive: true, force: true })
    console.log(`transactionlink-independent: ${((Date.now() - started) / 1000).toFixed(1)} s`)
  })

  it("the test server itself follows the reference: Bearer, missing and wrong tokens get ErrorResponse 401", async () => {
    for (const authorization of [`Bearer ${token}`, "", "tot_wrong"]) {
      const res = await fetch(`${server.url}/organizations/workspaces`, {
        headers: authorization === "" ? {} : { Authorization: authorization }
      })
      expect(res.status).toBe(401)
      expect(res.headers.get("content-type")).toBe("application/json;charset=UTF-8")
      const body = (await res.json()) as { fingerprint: unknown; errors: Array<{ code: unknown; message: unknown }> }
      expect(typeof body.fingerprint).toBe("string")
      expect(body.errors[0]?.code).toBe("UNAUTHORIZED")
      expect(typeof body.errors[0]?.message).toBe("string")
    }
    server.requests.splice(0)
  })

  it("both runs exit 0 and store one complete run per workspace, and one for the organisation's enrollments", () => {
    expect({ code: runA.code, stderr: runA.stderr }).toMatchObject({ code: 0 })
    expect({ code: runB.code, stderr: runB.stderr }).toMatchObject({ code: 0 })
    const runs = stored.runs
    expect(runs).toHaveLength(6)
    expect(new Set(runs.slice(0, 3).map((r) => r["workspace_id"]))).toEqual(new Set([W1, W2, ORGANIZATION_ID]))
    expect(new Set(runs.slice(3).map((r) => r["workspace_id"]))).toEqual(new Set([W1, W2, ORGANIZATION_ID]))
    for (const r of runs) {
      const organisation = r["workspace_id"] === ORGANIZATION_ID
      expect(r).toMatchObject({
        status: "complete",
        // Enrollments name no workspace: they are the organisation's, stored once.
        members: organisation ? "not_applicable" : "complete",
        invitations: organisation ? "complete" : "not_applicable",
        robots: "not_applicable",
        robot_tokens: "not_applicable",
        webhooks: "not_applicable"
      })
    }
  })

  it("sends only GETs, always the raw tot_ token (never Bearer), and reads every page of users and enrollments", () => {
    for (const requests of [requestsA, requestsB]) {
      expect(requests.length).toBeGreaterThan(0)
      for (const r of requests) {
        expect(r.method).toBe("GET")
        expect(r.authorization).toBe(token)
        expect(r.authorization ?? "").not.toMatch(/bearer/i)
        expect(r.status, `${r.method} ${r.path}${r.query} answered ${r.status}`).toBe(200)
        if (r.accept !== undefined) expect(r.accept).toMatch(/application\/json|\*\/\*/)
      }
      const paths = new Set(requests.map((r) => r.path))
      expect(paths).toContain("/organizations/workspaces")
      for (const w of [W1, W2]) expect(paths).toContain(`/organizations/workspaces/${w}/memberships`)
      expect(paths).toContain("/organizations/users")
      expect(paths).toContain("/organizations/enrollments")

      // more than one page each, and every page of the list read (0 .. totalPages-1 for the size asked)
      const state = requests === requestsA ? a : b
      const lists = [
        ["/organizations/users", (status: string | null) => (status === null ? state.users.length : -1)],
        [
          "/organizations/enrollments",
          (status: string | null) =>
            state.enrollments.filter((e) => status === null || e.status === status.toUpperCase()).length
        ]
      ] as const
      for (const [path, total] of lists) {
        const read = new Map<string, Set<number>>() // "status size" -> pages read
        for (const r of requests.filter((x) => x.path === path)) {
          const q = new URLSearchParams(r.query)
          const size = q.get("size") === null ? 20 : Number(q.get("size"))
          expect(size).toBeLessThanOrEqual(100)
          const k = `${q.get("status") ?? ""} ${size}`
          read.set(k, (read.get(k) ?? new Set()).add(q.get("page") === null ? 0 : Number(q.get("page"))))
        }
        expect(read.size, path).toBeGreaterThan(0)
        let pagesInAll = 0
        for (const [k, pages] of read) {
          const [status, size] = [k.split(" ")[0] || null, Number(k.split(" ")[1])]
          const totalPages = Math.ceil(total(status) / size)
          pagesInAll += totalPages
          for (let p = 0; p < totalPages; p++) expect(pages, `${path} page ${p} (${k})`).toContain(p)
        }
        expect(pagesInAll, `${path}: more than one page read`).toBeGreaterThan(1)
      }
    }
  })

  it("records exactly the hand-computed changes of the second run, nothing more", () => {
    const rows = stored.changes.filter(inB)
    const expected = [
      // The enrollments' changes, once, at the organisation.
      key(ORGANIZATION_ID, "invitation_accepted", E.daveInvite),
      key(ORGANIZATION_ID, "invitation_expired", E.ninaExpiring),
      key(ORGANIZATION_ID, "invitation_sent", E.vicNew),
      key(W1, "member_added", U.henry), // promoted to org admin: inherited access
      key(W1, "member_added", U.dave),
      key(W1, "role_changed", U.frank),
      key(W2, "member_added", U.henry),
      key(W2, "member_removed", U.erin),
      key(W2, "member_added", U.ivan)
    ]
    expect(sorted(rows.map((r) => key(r["workspace_id"], r["change_type"], lc(r["entity_id"]))))).toEqual(
      sorted(expected)
    )
    // docs/sql.md: `role` is lower case (for TransactionLink, the workspace role's name): compare without case
    const frank = rows.find((r) => r["change_type"] === "role_changed")
    expect([lc(frank?.["old_value"]), lc(frank?.["new_value"])]).toEqual(["viewer", "editor"])
    for (const r of rows) expect(r["previous_run_id"]).toBe(runIdsA[String(r["workspace_id"])])
    // the first run is the baseline: no changes
    expect(stored.changes.filter(inA)).toEqual([])
  })

  it("finds exactly the hand-computed findings in both runs", () => {
    const inherited = (w: string, who: ReadonlyArray<string>) => who.map((u) => key(w, "access.inherited_admin", u))
    // State A: zed outside the domains; owner and admin inherit both workspaces (2 admins: not above max_admins 2);
    // an old expired enrollment; nina's pending enrollment expires within 48 hours.
    const expectedA = [
      key(W1, "access.external_domain", U.zed),
      ...inherited(W1, [U.olivia, U.adam]),
      ...inherited(W2, [U.olivia, U.adam]),
      key(ORGANIZATION_ID, "invitation.expired", E.oldExpired),
      key(ORGANIZATION_ID, "invitation.expiring", E.ninaExpiring)
    ]
    // State B: henry a third admin (above 2) in both; grace terminated with access; ivan and vic outside; nina expired.
    const expectedB = [
      key(W1, "access.external_domain", U.zed),
      key(W1, "access.admin_count", W1),
      key(W1, "access.terminated_member", U.grace),
      ...inherited(W1, [U.olivia, U.adam, U.henry]),
      key(W2, "access.external_domain", U.ivan),
      key(W2, "access.admin_count", W2),
      ...inherited(W2, [U.olivia, U.adam, U.henry]),
      key(ORGANIZATION_ID, "access.external_domain", E.vicNew),
      key(ORGANIZATION_ID, "invitation.expired", E.oldExpired),
      key(ORGANIZATION_ID, "invitation.expired", E.ninaExpiring)
    ]
    // lena's enrollment is judged in the date-time test below (it isolates the reading of UTC offsets)
    const notLena = (r: Row) => lc(r["entity_id"]) !== E.lenaPending
    const rowsA = stored.findings.filter(inA).filter(notLena)
    const rowsB = stored.findings.filter(inB).filter(notLena)
    const keyOf = (r: Row) => key(r["workspace_id"], r["rule_id"], lc(r["entity_id"]))
    expect(sorted(rowsA.map(keyOf))).toEqual(sorted(expectedA))
    expect(sorted(rowsB.map(keyOf))).toEqual(sorted(expectedB))

    expect(Object.fromEntries(rowsB.map((r) => [String(r["rule_id"]), r["severity"]]))).toEqual({
      "access.external_domain": "medium",
      "access.admin_count": "low",
      "access.terminated_member": "high",
      "access.inherited_admin": "medium",
      "invitation.expired": "low"
    })
    for (const r of [...rowsA, ...rowsB]) expect(r["suppressed"]).toBe(false)
    // new in B: exactly those absent from A
    const seenInA = new Set(rowsA.map(keyOf))
    for (const r of rowsB) expect(r["is_new"], keyOf(r)).toBe(!seenInA.has(keyOf(r)))
  })

  it("stores members with direct or inherited access, the organisation role and the account status", () => {
    const rows = stored.members.filter(inB)
    expect(sorted(rows.map((r) => key(r["workspace_id"], r["user_id"], r["access"], r["org_role"])))).toEqual(
      sorted([
        key(W1, U.olivia, "inherited", "owner"),
        key(W1, U.adam, "inherited", "admin"),
        key(W1, U.henry, "inherited", "admin"),
        key(W1, U.frank, "direct", "member"),
        key(W1, U.grace, "direct", "member"),
        key(W1, U.carol, "direct", "member"),
        key(W1, U.paul, "direct", "member"),
        key(W1, U.zed, "direct", "member"),
        key(W1, U.dave, "direct", "member"),
        key(W2, U.olivia, "inherited", "owner"),
        key(W2, U.adam, "inherited", "admin"),
        key(W2, U.henry, "inherited", "admin"),
        key(W2, U.carol, "direct", "member"),
        key(W2, U.ivan, "direct", "member")
      ])
    )
    for (const r of rows) expect(r["user_type"]).toBe("human")
    // docs/sql.md: `role` is lower case (for TransactionLink, the workspace role's name): compare without case
    const find = (w: string, u: string): Row => {
      const r = rows.find((x) => x["workspace_id"] === w && x["user_id"] === u) ?? {}
      return { ...r, role: lc(r["role"]), email: lc(r["email"]) }
    }
    expect(find(W1, U.grace)).toMatchObject({ user_status: "terminated", role: "editor", email: "grace@acme.com" })
    expect(find(W1, U.frank)).toMatchObject({ user_status: "active", role: "editor" })
    expect(find(W1, U.zed)).toMatchObject({ user_status: "active", role: "approver", email: "zed@notacme.com" })
    expect(find(W1, U.dave)).toMatchObject({ user_status: "active", role: "viewer", email: "dave@acme.com" })
    expect(find(W1, U.carol)).toMatchObject({ role: "viewer", email: "carol@acme.com" })
    expect(find(W2, U.carol)).toMatchObject({ role: "editor" })
    expect(find(W2, U.ivan)).toMatchObject({ role: "viewer", email: "ivan@contractor.example" })
    // state A: before the promotion and the joins, with erin still in Treasury Ops
    expect(sorted(stored.members.filter(inA).map((r) => key(r["workspace_id"], r["user_id"], r["access"])))).toEqual(
      sorted([
        ...[U.olivia, U.adam].flatMap((u) => [key(W1, u, "inherited"), key(W2, u, "inherited")]),
        ...[U.frank, U.grace, U.carol, U.paul, U.zed].map((u) => key(W1, u, "direct")),
        ...[U.erin, U.carol].map((u) => key(W2, u, "direct"))
      ])
    )
  })

  it("stores the enrollments as invitations with their statuses, once, at the organisation", () => {
    expect(new Set(stored.invitations.map((r) => r["workspace_id"]))).toEqual(new Set([ORGANIZATION_ID]))
    for (const w of [ORGANIZATION_ID]) {
      const rows = stored.invitations.filter((r) => r["run_id"] === runIdsB[w])
      expect(Object.fromEntries(rows.map((r) => [lc(r["id"]), r["status"]]))).toEqual({
        [E.daveInvite]: "accepted",
        [E.oldExpired]: "expired",
        [E.ninaExpiring]: "expired",
        [E.kimCancelled]: "revoked",
        [E.lenaPending]: "pending",
        [E.vicNew]: "pending",
        ...Object.fromEntries(Array.from({ length: FILLER_ENROLLMENTS }, (_, i) => [uuid(9, i + 1), "revoked"]))
      })
    }
  })

  it("reads date-times as instants whatever their UTC offset (RFC 3339 date-time), and judges expiry by them", () => {
    const iso = (v: unknown): string => new Date(Date.parse(String(v))).toISOString()
    const invitation = (id: string): Row =>
      stored.invitations.find((r) => r["run_id"] === runIdsA[ORGANIZATION_ID] && lc(r["id"]) === id) ?? {}
    const member = (id: string): Row =>
      stored.members.find((r) => r["run_id"] === runIdsB[W1] && r["user_id"] === id) ?? {}
    const cases: Array<[string, Row, string, string, number]> = [
      ["nina's enrollment expiresAt (+02:00)", invitation(E.ninaExpiring), "expires_at", "sent_expires", ninaExpiresAt],
      [
        "lena's enrollment expiresAt (-05:00)",
        invitation(E.lenaPending),
        "expires_at",
        "sent_expires",
        lenaExpiresAt(t0)
      ],
      ["adam's createdDateTime (+02:00)", member(U.adam), "created_at", "sent_created", t0 - 600 * DAY],
      ["dave's createdDateTime (-05:00)", member(U.dave), "created_at", "sent_created", tB - 3000]
    ]
    for (const [what, row, column, sent, expected] of cases) {
      expect.soft(iso(row[column]), `${what}: sent ${String(row[sent])}, stored ${String(row[column])}`).toBe(
        new Date(expected).toISOString()
      )
    }
    // lena's pending enrollment expires 50 hours after the first run: not within the 48 hours of invitation.expiring
    expect.soft(stored.findings.filter((r) => lc(r["entity_id"]) === E.lenaPending)).toEqual([])
  })

  it("writes audit.md and findings.json for each workspace of both runs, and the token appears nowhere", async () => {
    const files = listFiles(join(dir, "reports"))
    const report = (runId: number, name: string) => files.filter((f) => f.endsWith(join(`run-${runId}`, name)))
    for (const runId of [...Object.values(runIdsA), ...Object.values(runIdsB)]) {
      for (const name of ["audit.md", "findings.json"]) {
        expect(report(runId, name), `${name} of run ${runId}`).toHaveLength(1)
      }
    }
    for (const [w, runId] of Object.entries(runIdsB)) {
      const json = JSON.parse(readFileSync(report(runId, "findings.json")[0]!, "utf8")) as {
        workspace: { source: string; id: string }
        findings: Array<{ rule_id: string }>
        changes: Array<unknown>
      }
      expect(json.workspace).toMatchObject({ source: "transactionlink", id: w })
      expect(json.findings.some((f) => f.rule_id === "access.terminated_member")).toBe(w === W1)
      expect(json.changes).toHaveLength(stored.changes.filter((r) => r["run_id"] === runId).length)
      expect(readFileSync(report(runId, "audit.md")[0]!, "utf8")).toMatch(/transactionlink/i)
    }
    // Through SQL, unzipped XML and Parquet, not raw bytes: compression would hide a token from a byte search.
    expect(await findLeaks([...files, join(dir, "audit.duckdb")], [token.slice(4)])).toEqual([])
    for (const text of outputs) expect(text.includes(token.slice(4))).toBe(false)
  })
})
