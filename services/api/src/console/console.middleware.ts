import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadConsoleAssets, type ConsoleAsset } from './console-assets.js';

/** Where the console lives; `/` and `/console` send the browser there. */
export const consolePath = '/console/';

/**
 * What every console answer carries: scripts and styles from this origin only (no inline code, so
 * an injected `<script>` or `onerror=` does not run), no framing, no sniffing, no referrer.
 */
export const consoleSecurityHeaders: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};

type Next = () => void;

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string, head: boolean): void {
  res.writeHead(status, { ...consoleSecurityHeaders, ...headers });
  res.end(head ? undefined : body);
}

/** The path as the client sent it, without the query; never decoded or normalised. */
function rawPathOf(req: IncomingMessage & { originalUrl?: string }): string {
  const url = req.originalUrl ?? req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function answer(assets: Map<string, ConsoleAsset>, path: string, res: ServerResponse, head: boolean): void {
  if (path === '/' || path === '/console') {
    send(res, 302, { location: consolePath, 'content-type': 'text/plain; charset=utf-8' }, `see ${consolePath}\n`, head);
    return;
  }
  const name = path === consolePath ? 'index.html' : path.slice(consolePath.length);
  const asset = assets.get(name);
  if (!asset) {
    send(res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'no such console file\n', head);
    return;
  }
  send(res, 200, { 'content-type': asset.contentType, 'content-length': String(asset.body.length) }, asset.body, head);
}

/**
 * The operator console as static files, before Nest's routes and without auth: the pages hold no
 * data; every call they make goes to `/v1` with the operator's bearer token. Only the files read at
 * start are served, each by its exact path.
 */
export function consoleMiddleware(assets: Map<string, ConsoleAsset> = loadConsoleAssets()) {
  return (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    const path = rawPathOf(req);
    const ours = path === '/' || path === '/console' || path.startsWith(consolePath);
    if (!ours || (req.method !== 'GET' && req.method !== 'HEAD')) {
      next();
      return;
    }
    answer(assets, path, res, req.method === 'HEAD');
  };
}
