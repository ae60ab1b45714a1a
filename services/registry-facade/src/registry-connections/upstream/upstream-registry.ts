import { parseAuthChallenges, type AuthChallenge } from './auth-challenge.js';
import { checkRealm } from './realm-policy.js';
import { fetchBearerToken } from './bearer-token.js';
import { UpstreamRefused } from './upstream-errors.js';
import { readSmallBody, sendUpstream, type UpstreamResponse } from './upstream-http.js';

/** A username and password (or token) for an upstream registry: only ever held opened in memory. */
export interface UpstreamCredentials {
  username: string;
  password: string;
}

/** How to reach one upstream registry: its base URL, an extra CA, credentials, token realms allowed beside its own origin. */
export interface UpstreamConnection {
  url: URL;
  caPem?: string | undefined;
  credentials?: UpstreamCredentials | undefined;
  allowedRealmOrigins?: readonly string[] | undefined;
}

/** What a `/v2/` ping found: how the registry authenticated us and the API version it states. */
export interface PingResult {
  auth: 'anonymous' | 'basic' | 'bearer';
  apiVersion?: string;
}

/** A request through the registry's authentication: `scope` is the token scope (`repository:<name>:pull`). */
export interface UpstreamGet {
  path: string;
  accept?: readonly string[];
  scope?: string;
  method?: 'GET' | 'HEAD';
}

const pick = (challenges: AuthChallenge[]) => challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');

/**
 * A client of one upstream registry over the OCI distribution API. It answers the registry's
 * `WWW-Authenticate` challenge (Basic, or a Bearer token from the realm, checked before any
 * credential is sent there) and keeps the Authorization per scope for later requests. Tag
 * resolution and blob copies are built on `get`.
 */
export class UpstreamRegistry {
  private readonly authorizations = new Map<string, { header: string; auth: PingResult['auth'] }>();

  constructor(private readonly connection: UpstreamConnection) {}

  /** `GET /v2/`: reachable, trusted, and (with credentials) the credentials accepted. */
  async ping(): Promise<PingResult> {
    const res = await this.get({ path: '/v2/' });
    const body = await readSmallBody(res.body);
    if (res.status !== 200) {
      throw new UpstreamRefused(
        'registry.not-a-registry',
        `${this.origin} answered /v2/ with HTTP ${res.status}: not an OCI registry at this URL (${snippet(body)})`,
      );
    }
    const apiVersion = header(res, 'docker-distribution-api-version');
    return { auth: this.authorizations.get('')?.auth ?? 'anonymous', ...(apiVersion ? { apiVersion } : {}) };
  }

  /** Sends one request, answering a 401 challenge once; the response is the caller's to read. */
  async get(req: UpstreamGet): Promise<UpstreamResponse> {
    const scope = req.scope ?? '';
    const first = await this.send(req, this.authorizations.get(scope)?.header);
    if (first.status !== 401) return first;
    first.body.resume();
    const challenge = pick(parseAuthChallenges(header(first, 'www-authenticate')));
    if (!challenge) throw new UpstreamRefused('registry.not-a-registry', `${this.origin} answered 401 without a Basic or Bearer challenge`);
    const authorization = await this.authorize(challenge, req.scope);
    const second = await this.send(req, authorization.header);
    if (second.status === 401) {
      second.body.resume();
      throw this.refused();
    }
    this.authorizations.set(scope, authorization);
    return second;
  }

  private get origin(): string {
    return this.connection.url.origin;
  }

  private refused(): UpstreamRefused {
    return this.connection.credentials
      ? new UpstreamRefused(
          'registry.credentials-refused',
          `${this.origin} refused the credentials of user '${this.connection.credentials.username}'`,
        )
      : new UpstreamRefused('registry.credentials-required', `${this.origin} requires credentials (--username and --password-stdin)`);
  }

  private async authorize(challenge: AuthChallenge, scope: string | undefined): Promise<{ header: string; auth: PingResult['auth'] }> {
    const credentials = this.connection.credentials;
    if (challenge.scheme === 'basic') {
      if (!credentials) throw this.refused();
      return { header: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`, auth: 'basic' };
    }
    // Anonymous tokens (public images) need no check; stored credentials go only to an allowed realm.
    const realm = credentials
      ? checkRealm(challenge.params.realm, {
          registryUrl: this.connection.url,
          allowedRealmOrigins: this.connection.allowedRealmOrigins ?? [],
        })
      : checkRealm(challenge.params.realm, { registryUrl: this.connection.url, allowedRealmOrigins: [safeOrigin(challenge.params.realm)] });
    const token = await fetchBearerToken({
      realm,
      service: challenge.params.service,
      scope: scope ?? challenge.params.scope,
      credentials,
      caPem: this.connection.caPem,
    }).catch((err: unknown) => {
      throw err instanceof UpstreamRefused && err.code === 'registry.credentials-refused' ? this.refused() : err;
    });
    return { header: `Bearer ${token}`, auth: 'bearer' };
  }

  private send(req: UpstreamGet, authorization: string | undefined): Promise<UpstreamResponse> {
    const url = new URL(
      req.path.replace(/^\//, ''),
      this.connection.url.href.endsWith('/') ? this.connection.url : `${this.connection.url.href}/`,
    );
    const headers: Record<string, string> = { 'user-agent': 'keelson-registry-facade' };
    if (req.accept?.length) headers.accept = req.accept.join(', ');
    if (authorization) headers.authorization = authorization;
    return sendUpstream({ url, method: req.method ?? 'GET', headers, caPem: this.connection.caPem });
  }
}

function header(res: UpstreamResponse, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function safeOrigin(realm: string | undefined): string {
  try {
    return new URL(realm ?? '').origin;
  } catch {
    return '';
  }
}

const snippet = (body: Buffer) => body.toString('utf8', 0, Math.min(body.length, 120)).replace(/\s+/g, ' ').trim() || 'empty body';
