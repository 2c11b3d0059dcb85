/**
 * The HTTP harness both simulators serve through: `node:http` on 127.0.0.1, a request body read whole, and a close
 * that ends every open connection (keep-alive and hanging ones too) so a test's teardown never waits on a socket.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

export interface Listening {
  readonly port: number
  /** Closes the server and every open connection; safe to call more than once. */
  close(): Promise<void>
}

/** Serves `handle` on 127.0.0.1 (`port` 0: any free port). A handler that throws gets a bare 500. */
export const listen = async (handle: Handler, port = 0): Promise<Listening> => {
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end()
    })
  })
  const sockets = new Set<Socket>()
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  let closing: Promise<void> | undefined
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        for (const socket of sockets) socket.destroy()
      })
      return closing
    }
  }
}

/** The whole request body as text ("" when there is none). */
export const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString("utf8")
}

/** A body parsed as JSON: `undefined` when empty, `bad` when it is not JSON. */
export const parseBody = (text: string): { readonly body: unknown; readonly bad: boolean } => {
  if (text === "") return { body: undefined, bad: false }
  try {
    return { body: JSON.parse(text), bad: false }
  } catch {
    return { body: undefined, bad: true }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** The path and query of a request target, the query without its `?`. */
export const splitTarget = (target: string): { readonly path: string; readonly query: string } => {
  const q = target.indexOf("?")
  return q < 0 ? { path: target, query: "" } : { path: target.slice(0, q), query: target.slice(q + 1) }
}
