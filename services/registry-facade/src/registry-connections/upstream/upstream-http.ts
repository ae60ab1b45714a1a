import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { UpstreamRefused } from './upstream-errors.js';

/** One request to an upstream registry (or its token realm), as `sendUpstream` makes it. */
export interface UpstreamRequest {
  url: URL;
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** A CA (PEM) trusted beside the system's roots: a registry with a private CA. */
  caPem?: string | undefined;
  timeoutMs?: number;
}

/** The answer after redirects: status, headers, the URL that answered, and the body as a stream. */
export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  url: URL;
  body: IncomingMessage;
}

const maxRedirects = 5;
const redirects = new Set([301, 302, 303, 307, 308]);
const tlsCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** Maps a socket-level failure to what an operator can act on: the CA, or the address. */
function failureOf(err: NodeJS.ErrnoException, url: URL): UpstreamRefused {
  if (err.code && tlsCodes.has(err.code)) {
    return new UpstreamRefused(
      'registry.tls-untrusted',
      `${url.origin} presented a certificate that is not trusted (${err.code}): give its CA with --ca-file`,
      { cause: err },
    );
  }
  if (err.code === 'EPROTO' || err.code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return new UpstreamRefused('registry.unreachable', `${url.origin} did not speak TLS (${err.code}): check the URL's scheme`, {
      cause: err,
    });
  }
  return new UpstreamRefused('registry.unreachable', `${url.origin} is unreachable: ${err.code ?? err.message}`, { cause: err });
}

function sendOnce(req: UpstreamRequest, url: URL, headers: Record<string, string>): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const ca = req.caPem ? [...rootCertificates, req.caPem] : undefined;
  const timeoutMs = req.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const r = send(url, { method: req.method ?? 'GET', headers, ...(ca ? { ca } : {}), timeout: timeoutMs }, resolve);
    r.on('timeout', () => r.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    r.on('error', (err: NodeJS.ErrnoException) => reject(failureOf(err, url)));
    r.end();
  });
}

/**
 * Sends a request and follows redirects (blob stores answer with them). The Authorization header
 * goes to the first URL only: a redirect may lead to another host (a CDN, a bucket with a signed
 * URL) that must never see the registry's credentials. A redirect from https to http is refused.
 */
export async function sendUpstream(req: UpstreamRequest): Promise<UpstreamResponse> {
  let url = req.url;
  let headers = { ...req.headers };
  for (let hop = 0; ; hop++) {
    const res = await sendOnce(req, url, headers);
    const location = res.headers.location;
    if (!redirects.has(res.statusCode ?? 0) || !location) return { status: res.statusCode ?? 0, headers: res.headers, url, body: res };
    res.resume();
    if (hop >= maxRedirects)
      throw new UpstreamRefused('registry.redirect-refused', `${req.url.origin} redirected more than ${maxRedirects} times`);
    const next = new URL(location, url);
    if (url.protocol === 'https:' && next.protocol !== 'https:') {
      throw new UpstreamRefused(
        'registry.redirect-refused',
        `${url.origin} redirected to ${next.protocol}//${next.host}: not following https to plain http`,
      );
    }
    url = next;
    headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
  }
}

/** Reads a small body (a token answer, an error document) whole; refuses more than `limit` bytes. */
export async function readSmallBody(body: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    length += (chunk as Buffer).length;
    if (length > limit) {
      body.destroy();
      throw new UpstreamRefused('registry.not-a-registry', `the answer is larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
