import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
// The device side is the agent's own code: the same TLS trust and client certificate it uses.
import { DataDirLayout, deviceTlsIdentity, platformFetch } from '../../index.js';

/** Rewrites the body of a 200 answer for `path` (the URL path) on its way to the device. */
export type Rewrite = (path: string, body: Buffer) => Buffer;

/** Where the proxy gets its answers: the real facade's URL, or an in-memory repository's files. */
export type Origin = string | ((path: string) => Buffer | undefined);

/**
 * Whom the proxy speaks as towards a real facade (mutual TLS): the device whose data dir this is,
 * trusting the platform CA it pinned. A man in the middle cannot do this without the device's key;
 * the specs hand it over to test what the device itself checks.
 */
export interface ProxyIdentity {
  dataDir: string;
  ca: string;
}

/**
 * A man in the middle between a device and the facade (`node:http`): passes every GET through,
 * as the device (its certificate, `ProxyIdentity`), unless `rewrite` is set, in which case each 200 body goes
 * through it first. It remembers every `timestamp.json` it passed, for replays.
 */
export interface MetadataProxy {
  url: string;
  rewrite: Rewrite | undefined;
  /** Answers a path itself (200) without asking the origin, e.g. a root version the origin does not have. */
  inject: ((path: string) => Buffer | undefined) | undefined;
  /** Every distinct timestamp.json body the origin answered, oldest first. */
  timestamps: Buffer[];
  /** Paths asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

async function fromOrigin(
  origin: Origin,
  path: string,
  url: string,
  as: ProxyIdentity | undefined,
): Promise<{ status: number; body: Buffer }> {
  if (typeof origin === 'function') {
    const body = origin(path);
    return body
      ? { status: 200, body }
      : { status: 404, body: Buffer.from('{"error":{"kind":"NotFound","code":"not-found","message":"no such file"}}') };
  }
  const fetchAs = as ? platformFetch(as.ca, deviceTlsIdentity(new DataDirLayout(as.dataDir))) : fetch;
  const res = await fetchAs(`${origin}${url}`);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

export async function startMetadataProxy(origin: Origin, options: { as?: ProxyIdentity } = {}): Promise<MetadataProxy> {
  const server = createServer((req, res) => {
    void (async () => {
      const url = req.url ?? '/';
      const path = decodeURIComponent(new URL(url, 'http://proxy').pathname);
      proxy.requests.push(path);
      try {
        const injected = proxy.inject?.(path);
        const answer = injected ? { status: 200, body: injected } : await fromOrigin(origin, path, url, options.as);
        let body = answer.body;
        if (answer.status === 200 && path.endsWith('/timestamp.json') && !proxy.timestamps.some((t) => t.equals(body)))
          proxy.timestamps.push(body);
        if (answer.status === 200 && proxy.rewrite) body = proxy.rewrite(path, body);
        res.writeHead(answer.status, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
      } catch (err) {
        res.writeHead(502).end((err as Error).message);
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: MetadataProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    rewrite: undefined,
    inject: undefined,
    timestamps: [],
    requests: [],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
