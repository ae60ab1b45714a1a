import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import { Readable } from 'node:stream';
import { createSecureContext } from 'node:tls';
import { caSecureContext } from './ca-context.js';

export interface PlatformRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /**
   * The last request of a device's exchange (an update's target download): the connection closes
   * once its answer is read (`Connection: close`) instead of idling at the server for
   * `idleConnectionMs`. A device's later request opens a new connection, resuming the TLS session.
   */
  closeAfter?: boolean;
}

export type PlatformFetch = (url: string, init?: PlatformRequest) => Promise<Response>;

/** The device's certificate and key (PEM), asked for at each request: a renewal replaces them on disk, and a new pair is a new object. */
export type ClientIdentity = () => Promise<{ cert: string; key: string } | undefined>;

/**
 * An idle connection is closed after this long: below the platform's HTTP servers' keep-alive
 * timeout (Node's default, 5 s, which they keep and announce as `Keep-Alive: timeout=5`), so the
 * agent never sends a request on a connection the server is closing.
 */
export const idleConnectionMs = 4_000;

/**
 * The connection of one (CA, client identity): kept alive between requests, so a device's TUF
 * refresh and download share one TLS handshake (and later connections resume its session). One
 * socket: a device's requests go one after the other, and every open TLS connection costs the
 * server ~100 KiB of memory. An agent presents one certificate for its whole life: the identity is
 * part of its key.
 */
class Connections {
  private current: { pair: { cert: string; key: string } | undefined; identity: string; agent: Agent } | undefined;

  constructor(private readonly ca: string | undefined) {}

  agentFor(identity: { cert: string; key: string } | undefined): Agent {
    // The identity keeps the pair it read (device-tls-identity.ts): the same object, the same
    // identity, without joining the PEMs into a new key string at every request.
    if (identity && this.current?.pair === identity) return this.current.agent;
    const key = `${identity?.cert ?? ''}\0${identity?.key ?? ''}`;
    if (this.current?.identity === key) {
      this.current.pair = identity;
      return this.current.agent;
    }
    if (this.current) retire(this.current.agent);
    // One secure context for the agent's connections: the CA, certificate and key are parsed once, not per connection.
    // Without a client certificate, the process's one context for the CA (ca-context.ts).
    const secureContext =
      !identity && this.ca ? caSecureContext(this.ca) : createSecureContext({ ...(this.ca ? { ca: this.ca } : {}), ...identity });
    const agent = new Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, timeout: idleConnectionMs, secureContext });
    this.current = { pair: identity, identity: key, agent };
    return agent;
  }
}

/**
 * A renewed or re-enrolled identity replaces the agent: the old one's idle connections close now,
 * and the ones still answering a request close when it is done, so no new request goes out under
 * the old certificate.
 */
function retire(agent: Agent): void {
  agent.keepSocketAlive = () => false;
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
}

/** Sends one request on the agent of (CA, identity): the answer as Node's own stream, not yet converted. */
async function httpsRequest(
  url: string,
  init: PlatformRequest,
  connections: Connections,
  clientIdentity?: ClientIdentity,
): Promise<IncomingMessage> {
  const agent = connections.agentFor(await clientIdentity?.());
  return new Promise((resolve, reject) => {
    const sentHeaders = init.closeAfter ? { ...init.headers, connection: 'close' } : init.headers;
    const req = request(url, { method: init.method ?? 'GET', headers: sentHeaders, agent, signal: init.signal }, resolve);
    req.on('error', reject);
    req.end(init.body);
  });
}

const hasNoBody = (status: number, method: string | undefined): boolean => status === 204 || status === 304 || method === 'HEAD';

async function httpsFetch(
  url: string,
  init: PlatformRequest,
  connections: Connections,
  clientIdentity?: ClientIdentity,
): Promise<Response> {
  const res = await httpsRequest(url, init, connections, clientIdentity);
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  const status = res.statusCode ?? 502;
  const empty = hasNoBody(status, init.method);
  if (empty) res.resume();
  return new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, headers });
}

/**
 * `fetch` towards the platform (gateway, facade): with the platform CA, an https URL is verified
 * against that CA alone; without it, against the machine's trust store. With `clientIdentity`, the
 * device presents its certificate to a server that asks for one (mutual TLS: how the facade knows
 * the device), whichever CA the server chains to. Node's fetch takes neither a per-request CA nor a
 * client certificate, so https.request does that work and answers a standard Response; plain
 * http:// (and https:// with neither) goes through the global fetch. One PlatformFetch keeps its
 * connections alive: make one per device and keep it.
 */
export function platformFetch(ca: string | undefined, clientIdentity?: ClientIdentity): PlatformFetch {
  const connections = new Connections(ca);
  return (url, init = {}) =>
    (ca || clientIdentity) && url.startsWith('https:') ? httpsFetch(url, init, connections, clientIdentity) : fetch(url, init);
}

/**
 * An answer read as it arrives: its status and its body chunk by chunk. A body left half-read
 * takes its connection down (`cancel`, or leaving a `for await` over it), as cancelling a fetch
 * body does.
 */
export interface StreamedResponse {
  status: number;
  ok: boolean;
  /** The answer's `Retry-After` header (a 503 names how long to wait before asking again). */
  retryAfter: string | undefined;
  body: AsyncIterable<Uint8Array> | null;
  /** A response header's value (`name` in lower case), or undefined. */
  header(name: string): string | undefined;
  /**
   * For a body not read to its end: drops it with its connection when part of it is still to come,
   * drains it when it has all arrived (the kept-alive connection serves the next request); nothing
   * once it was read.
   */
  cancel(): void;
}

export type PlatformStream = (url: string, init?: PlatformRequest) => Promise<StreamedResponse>;

function streamedFromNode(res: IncomingMessage, method: string | undefined): StreamedResponse {
  const status = res.statusCode ?? 502;
  const empty = hasNoBody(status, method);
  if (empty) res.resume();
  const cancel = (): void => {
    if (res.readableEnded || res.destroyed) return;
    if (res.complete)
      res.resume(); // all received: drained, the connection stays for the next request
    else res.destroy();
  };
  const header = (name: string): string | undefined => {
    const value = res.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return { status, ok: status >= 200 && status < 300, retryAfter: header('retry-after'), body: empty ? null : res, header, cancel };
}

function streamedFromFetch(res: Response): StreamedResponse {
  const body = res.body;
  return {
    status: res.status,
    ok: res.ok,
    retryAfter: res.headers.get('retry-after') ?? undefined,
    body,
    header: (name) => res.headers.get(name) ?? undefined,
    cancel: () => void (body && !body.locked && body.cancel().catch(() => undefined)),
  };
}

/**
 * `platformFetch` for a caller that reads bodies as chunks (the TUF fetcher: six requests per
 * update): over HTTPS the answer is Node's own response stream, with no Web stream, Response or
 * Headers built around it. Same connections, certificate and trust as `platformFetch`.
 */
export function platformStream(ca: string | undefined, clientIdentity?: ClientIdentity): PlatformStream {
  const connections = new Connections(ca);
  return async (url, init = {}) =>
    (ca || clientIdentity) && url.startsWith('https:')
      ? streamedFromNode(await httpsRequest(url, init, connections, clientIdentity), init.method)
      : streamedFromFetch(await fetch(url, init));
}
