import { request } from 'node:https';
import { Readable } from 'node:stream';

export interface PlatformRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export type PlatformFetch = (url: string, init?: PlatformRequest) => Promise<Response>;

function httpsFetch(url: string, init: PlatformRequest, ca: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, ca, signal: init.signal }, (res) => {
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
 * against that CA alone (Node's fetch takes no per-request CA, so https.request does the work and
 * answers a standard Response); without it, the global fetch and the machine's trust store.
 */
export function platformFetch(ca: string | undefined): PlatformFetch {
  return (url, init = {}) => (ca && url.startsWith('https:') ? httpsFetch(url, init, ca) : fetch(url, init));
}
