import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startDockerRegistry, type RunningDockerRegistry } from '../../test-fixtures/docker-registry.js';
import { startTokenRealm, type RunningTokenRealm } from '../../test-fixtures/token-realm.js';
import { UpstreamRefused } from './upstream-errors.js';
import { sendUpstream } from './upstream-http.js';
import { UpstreamRegistry, type UpstreamConnection } from './upstream-registry.js';

const user = { username: 'ci', password: 'the right password' };

async function refusalOf(connection: UpstreamConnection): Promise<UpstreamRefused> {
  const err = await new UpstreamRegistry(connection).ping().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamRefused);
  return err as UpstreamRefused;
}

describe('pinging a real docker-registry', () => {
  describe('with htpasswd (Basic) auth over TLS with its own CA', () => {
    let registry: RunningDockerRegistry;
    beforeAll(async () => (registry = await startDockerRegistry({ kind: 'htpasswd', ...user })));
    afterAll(() => registry?.stop());

    it('answers with the right credentials and the CA given', async () => {
      const ping = await new UpstreamRegistry({ url: new URL(registry.url), caPem: registry.caPem, credentials: user }).ping();
      expect(ping).toEqual({ auth: 'basic', apiVersion: 'registry/2.0' });
    });

    it('says the credentials were refused, naming the user and not the password', async () => {
      const err = await refusalOf({
        url: new URL(registry.url),
        caPem: registry.caPem,
        credentials: { username: 'ci', password: 'wrong' },
      });
      expect(err.code).toBe('registry.credentials-refused');
      expect(err.message).toContain("user 'ci'");
      expect(err.message).not.toContain('wrong');
    });

    it('says credentials are required when none are stored', async () => {
      expect((await refusalOf({ url: new URL(registry.url), caPem: registry.caPem })).code).toBe('registry.credentials-required');
    });

    it('refuses a certificate the system does not trust when no CA is given, or another CA is', async () => {
      expect((await refusalOf({ url: new URL(registry.url), credentials: user })).code).toBe('registry.tls-untrusted');
      const other = await startDockerRegistry({ kind: 'none' });
      try {
        expect((await refusalOf({ url: new URL(registry.url), caPem: other.caPem, credentials: user })).code).toBe(
          'registry.tls-untrusted',
        );
      } finally {
        await other.stop();
      }
    });

    it('says a stopped registry is unreachable', async () => {
      const gone = await startDockerRegistry({ kind: 'none' }, { tls: false });
      await gone.stop();
      const err = await refusalOf({ url: new URL(gone.url) });
      expect(err.code).toBe('registry.unreachable');
      expect(err.message).toContain('ECONNREFUSED');
    });
  });

  describe('with a token realm (Bearer)', () => {
    let tlsDir: string;
    let realm: RunningTokenRealm;
    let registry: RunningDockerRegistry;
    beforeAll(async () => {
      tlsDir = mkdtempSync(join(tmpdir(), 'keelson-registry-tls-'));
      realm = await startTokenRealm(user, tlsDir);
      registry = await startDockerRegistry(
        { kind: 'token', realm: realm.realm, service: realm.service, issuer: realm.issuer, rootCertBundle: realm.rootCertBundle },
        { tlsDir },
      );
    });
    afterAll(async () => {
      await registry?.stop();
      await realm?.close();
      rmSync(tlsDir, { recursive: true, force: true });
    });

    const realmOrigin = () => new URL(realm.realm).origin;

    it('gets a token from an allowed realm and is let in with it', async () => {
      const ping = await new UpstreamRegistry({
        url: new URL(registry.url),
        caPem: registry.caPem,
        credentials: user,
        allowedRealmOrigins: [realmOrigin()],
      }).ping();
      expect(ping.auth).toBe('bearer');
    });

    it('sends no credentials to a realm on another origin that was not allowed', async () => {
      const before = realm.received.length;
      const err = await refusalOf({ url: new URL(registry.url), caPem: registry.caPem, credentials: user });
      expect(err.code).toBe('registry.realm-refused');
      expect(realm.received.length).toBe(before);
    });

    it('says the realm refused wrong credentials', async () => {
      const err = await refusalOf({
        url: new URL(registry.url),
        caPem: registry.caPem,
        credentials: { ...user, password: 'wrong' },
        allowedRealmOrigins: [realmOrigin()],
      });
      expect(err.code).toBe('registry.credentials-refused');
    });
  });
});

describe('following redirects', () => {
  let seen: IncomingHttpHeaders[];
  let target: Server;
  let redirector: Server;
  beforeAll(async () => {
    seen = [];
    target = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'docker-distribution-api-version': 'registry/2.0' }).end('{}');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const targetPort = (target.address() as AddressInfo).port;
    redirector = createServer((req, res) => res.writeHead(307, { location: `http://localhost:${targetPort}${req.url}` }).end());
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const s of [target, redirector]) await new Promise((r) => s.close(r));
  });

  it('follows a redirect to another host without the Authorization header', async () => {
    const url = new URL(`http://127.0.0.1:${(redirector.address() as AddressInfo).port}/v2/blobs/x`);
    const res = await sendUpstream({ url, headers: { authorization: 'Basic c2VjcmV0', accept: 'application/json' } });
    res.body.resume();
    expect(res.status).toBe(200);
    expect(res.url.host).toBe(`localhost:${(target.address() as AddressInfo).port}`);
    expect(seen.at(-1)!.authorization).toBeUndefined();
    expect(seen.at(-1)!.accept).toBe('application/json');
  });
});
