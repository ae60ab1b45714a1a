import { request } from 'node:https';
import { Readable } from 'node:stream';

export interface PlatformRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export type PlatformFetch = (url: string, init?: PlatformRequest) => Promise<Response>;

/** The device's certificate and key (PEM), read at each request: a renewal replaces them on disk. */
export type ClientIdentity = () => Promise<{ cert: string; key: string } | undefined>;

async function httpsFetch(url: string, init: PlatformRequest, ca: string | undefined, clientIdentity?: ClientIdentity): Promise<Response> {
  const identity = await clientIdentity?.();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, ...(ca ? { ca } : {}), signal: init.signal, ...identity }, (res) => {
      const headers = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
      const status = res.statusCode ?? 502;
      const empty = status === 204 || status === 304 || init.method === 'HEAD';
      if (empty) res.resume();
      resolve(new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, headers }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * `fetch` towards the platform (gateway, facade): with the platform CA, an https URL is verified
 * against that CA alone; without it, against the machine's trust store. With `clientIdentity`, the
 * device presents its certificate to a server that asks for one (mutual TLS: how the facade knows
 * the device), whichever CA the server chains to. Node's fetch takes neither a per-request CA nor a
 * client certificate, so https.request does that work and answers a standard Response; plain
 * http:// (and https:// with neither) goes through the global fetch.
 */
export function platformFetch(ca: string | undefined, clientIdentity?: ClientIdentity): PlatformFetch {
  return (url, init = {}) => ((ca || clientIdentity) && url.startsWith('https:') ? httpsFetch(url, init, ca, clientIdentity) : fetch(url, init));
}
