import { UpstreamRefused } from './upstream-errors.js';
import { readSmallBody, sendUpstream } from './upstream-http.js';

/** A token request to a registry's realm (distribution's token authentication specification). */
export interface BearerTokenRequest {
  /** Already checked by `checkRealm` when credentials go with it. */
  realm: URL;
  service?: string | undefined;
  scope?: string | undefined;
  credentials?: { username: string; password: string } | undefined;
  caPem?: string | undefined;
}

/**
 * Asks the realm for a token (`GET realm?service=…&scope=…`, Basic credentials when there are
 * some) and returns it. The realm's answer holds `token` or `access_token`; a 401 or 403 there is a
 * refusal of the credentials.
 */
export async function fetchBearerToken(req: BearerTokenRequest): Promise<string> {
  const url = new URL(req.realm);
  if (req.service) url.searchParams.set('service', req.service);
  if (req.scope) url.searchParams.set('scope', req.scope);
  const headers: Record<string, string> = { 'user-agent': 'keelson-registry-facade' };
  if (req.credentials)
    headers.authorization = `Basic ${Buffer.from(`${req.credentials.username}:${req.credentials.password}`).toString('base64')}`;
  const res = await sendUpstream({ url, headers, caPem: req.caPem });
  const body = await readSmallBody(res.body);
  if (res.status === 401 || res.status === 403)
    throw new UpstreamRefused('registry.credentials-refused', `the token realm ${req.realm.origin} refused the credentials`);
  if (res.status !== 200)
    throw new UpstreamRefused('registry.not-a-registry', `the token realm ${req.realm.origin} answered HTTP ${res.status}`);
  let parsed: { token?: unknown; access_token?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch {
    throw new UpstreamRefused('registry.not-a-registry', `the token realm ${req.realm.origin} did not answer with JSON`);
  }
  const token = typeof parsed.token === 'string' ? parsed.token : parsed.access_token;
  if (typeof token !== 'string' || token.length === 0)
    throw new UpstreamRefused('registry.not-a-registry', `the token realm ${req.realm.origin} answered without a token`);
  return token;
}
