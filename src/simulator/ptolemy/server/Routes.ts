/**
 * The routes of the simulated API, relative to `/v1/workspaces/{workspace}`: what each serves for reading, what it
 * serves for writing, and the documented writes it does not simulate (405 with `Allow`).
 */
import { retainedEvent, retainedFrom } from "../AccessLog.js"
import type { EndpointName } from "../Faults.js"
import type { AccessEvent, Membership, Token, Webhook } from "../Model.js"
import { type Context, one } from "./Context.js"
import { countOf, filterPage, type FilterSource } from "./FilterPage.js"
import { keyPage } from "./Pagination.js"
import { deleteInvitation, deleteMembership, deleteToken, patchMembership } from "./Writes.js"

export type Handler = (ctx: Context) => unknown
export type ReadMethod = "GET" | "POST"
export type WriteMethod = "POST" | "PUT" | "PATCH" | "DELETE"

export interface RouteDef {
  /** Segments relative to the workspace; ":x" is a parameter. */
  readonly path: ReadonlyArray<string>
  readonly endpoint: EndpointName
  /** Reads (POST for the filter and count bodies). */
  readonly reads?: Partial<Record<ReadMethod, Handler>>
  /** Writes: a handler, or null for a documented write the simulator does not serve. */
  readonly writes?: Partial<Record<WriteMethod, Handler | null>>
}

const sources = {
  memberships: (ctx: Context): FilterSource<Membership> => ({
    items: ctx.ws.memberships.items,
    bare: (m) => ctx.world.render.membership(m, false),
    dress: (json) => ctx.world.render.present("membership", json)
  }),
  events: (ctx: Context): FilterSource<AccessEvent> => ({
    items: ctx.ws.events.items,
    from: retainedFrom(ctx.ws, ctx.world.nowMs()),
    bare: (e) => ctx.world.render.event(e, false),
    dress: (json) => ctx.world.render.present("event", json)
  }),
  webhooks: (ctx: Context): FilterSource<Webhook> => ({
    items: ctx.ws.webhooks.items,
    bare: (w) => ctx.world.render.webhook(w, false),
    dress: (json) => ctx.world.render.present("webhook", json)
  })
}

/** Cursor scopes name the workspace and the list, so a cursor is only good where it was made. */
const scope = (ctx: Context, name: string) => `${ctx.ws.id}/${name}`

const routes: ReadonlyArray<RouteDef> = [
  { path: [], endpoint: "workspace", reads: { GET: (ctx) => ctx.world.render.workspace(ctx.ws) } },
  {
    path: ["memberships"],
    endpoint: "memberships",
    reads: {
      GET: (ctx) =>
        keyPage(ctx, scope(ctx, "memberships"), ctx.ws.memberships.items, (m) => ctx.world.render.membership(m))
    }
  },
  {
    path: ["memberships", "filter"],
    endpoint: "memberships",
    reads: { POST: (ctx) => filterPage(ctx, scope(ctx, "memberships/filter"), sources.memberships(ctx)) }
  },
  {
    path: ["memberships", "robots"],
    endpoint: "robots",
    reads: { GET: (ctx) => keyPage(ctx, scope(ctx, "robots"), ctx.ws.robots.items, (r) => ctx.world.render.robot(r)) },
    writes: { POST: null }
  },
  {
    path: ["memberships", "robots", ":userId"],
    endpoint: "robots",
    reads: { GET: (ctx) => ctx.world.render.robot(one(ctx.ws.robots.get(ctx.params[0]!), "robot")) }
  },
  {
    path: ["memberships", "robots", ":userId", "tokens"],
    endpoint: "tokens",
    reads: {
      GET: (ctx) => {
        const id = ctx.params[0]!
        const list = one(ctx.ws.tokens.get(id), "robot")
        return keyPage(ctx, scope(ctx, `tokens/${id}`), list.items, (t: Token) => ctx.world.render.token(t))
      }
    },
    writes: { POST: null }
  },
  {
    path: ["memberships", "robots", ":userId", "tokens", ":tokenId"],
    endpoint: "tokens",
    writes: { DELETE: deleteToken }
  },
  {
    path: ["memberships", ":membershipId"],
    endpoint: "memberships",
    reads: { GET: (ctx) => ctx.world.render.membership(one(ctx.ws.memberships.get(ctx.params[0]!), "membership")) },
    writes: { PATCH: patchMembership, DELETE: deleteMembership }
  },
  {
    path: ["invitations"],
    endpoint: "invitations",
    reads: {
      GET: (ctx) =>
        keyPage(ctx, scope(ctx, "invitations"), ctx.ws.invitations.items, (i) => ctx.world.render.invitation(i))
    },
    writes: { POST: null }
  },
  {
    path: ["invitations", ":invitationId"],
    endpoint: "invitations",
    reads: { GET: (ctx) => ctx.world.render.invitation(one(ctx.ws.invitations.get(ctx.params[0]!), "invitation")) },
    writes: { DELETE: deleteInvitation }
  },
  { path: ["plan"], endpoint: "plan", reads: { GET: (ctx) => ctx.world.render.plan(ctx.ws) } },
  {
    path: ["events"],
    endpoint: "events",
    reads: {
      GET: (ctx) =>
        keyPage(
          ctx,
          scope(ctx, "events"),
          ctx.ws.events.items,
          (e) => ctx.world.render.event(e),
          retainedFrom(ctx.ws, ctx.world.nowMs())
        )
    }
  },
  {
    path: ["events", "filter"],
    endpoint: "events",
    reads: { POST: (ctx) => filterPage(ctx, scope(ctx, "events/filter"), sources.events(ctx)) }
  },
  { path: ["events", "count"], endpoint: "events", reads: { POST: (ctx) => countOf(ctx, sources.events(ctx)) } },
  {
    path: ["events", ":eventId"],
    endpoint: "events",
    reads: {
      GET: (ctx) => ctx.world.render.event(one(retainedEvent(ctx.ws, ctx.params[0]!, ctx.world.nowMs()), "event"))
    }
  },
  {
    path: ["webhooks"],
    endpoint: "webhooks",
    reads: {
      GET: (ctx) => keyPage(ctx, scope(ctx, "webhooks"), ctx.ws.webhooks.items, (w) => ctx.world.render.webhook(w))
    },
    writes: { POST: null }
  },
  {
    path: ["webhooks", "filter"],
    endpoint: "webhooks",
    reads: { POST: (ctx) => filterPage(ctx, scope(ctx, "webhooks/filter"), sources.webhooks(ctx)) }
  },
  {
    path: ["webhooks", ":webhookId"],
    endpoint: "webhooks",
    reads: { GET: (ctx) => ctx.world.render.webhook(one(ctx.ws.webhooks.get(ctx.params[0]!), "webhook")) },
    writes: { PATCH: null, DELETE: null }
  },
  { path: ["webhooks", ":webhookId", "rotate-secret"], endpoint: "webhooks", writes: { POST: null } },
  {
    path: ["webhooks", ":webhookId", "subscriptions"],
    endpoint: "subscriptions",
    reads: {
      GET: (ctx) => {
        const id = ctx.params[0]!
        const hook = one(ctx.ws.webhooks.get(id), "webhook")
        // Subscriptions have no timestamp of their own: they are listed in the order they were added (a key a second
        // apart each, since list keys compare whole seconds).
        const subs = hook.subscriptions.map((s, i) => ({ ...s, created_at: hook.created_at + i * 1000 }))
        return keyPage(ctx, scope(ctx, `subscriptions/${id}`), subs, (s) => ctx.world.render.subscription(s))
      }
    },
    writes: { POST: null, PUT: null }
  },
  {
    path: ["webhooks", ":webhookId", "subscriptions", ":subscriptionId"],
    endpoint: "subscriptions",
    writes: { DELETE: null }
  }
]

export interface Resolved {
  readonly route: RouteDef
  readonly params: Array<string>
}

/** The first route whose literal segments match (literals are listed before parameters where both could match). */
export const resolve = (rel: string): Resolved | null => {
  let parts: Array<string>
  try {
    parts = rel.split("/").filter((p) => p !== "").map(decodeURIComponent)
  } catch {
    return null
  }
  for (const route of routes) {
    if (route.path.length !== parts.length) continue
    const params: Array<string> = []
    if (route.path.every((seg, i) => (seg.startsWith(":") ? (params.push(parts[i]!), true) : seg === parts[i]))) {
      return { route, params }
    }
  }
  return null
}

/** A request is a write when its route lists the method as one (served or not). */
export const isWrite = (found: Resolved | null, method: string): boolean =>
  found !== null && found.route.writes !== undefined && method in found.route.writes

/** How a route answers a method: a read, a write, a documented write it does not serve, or nothing. */
export const handlerFor = (
  route: RouteDef,
  method: string
): { readonly handler: Handler; readonly write: boolean } | "unserved" | undefined => {
  const read = route.reads?.[method as ReadMethod]
  if (read !== undefined) return { handler: read, write: false }
  const write = route.writes?.[method as WriteMethod]
  if (write === null) return "unserved"
  return write === undefined ? undefined : { handler: write, write: true }
}

/** The methods a route serves, for the `Allow` header. */
export const served = (route: RouteDef): Array<string> => [
  ...Object.keys(route.reads ?? {}),
  ...Object.entries(route.writes ?? {}).filter(([, h]) => h !== null).map(([m]) => m)
]
