import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ensureLocalTls } from '@keelson/local-infra';

/** A token server for a registry's Bearer realm, over HTTPS, as distribution's token auth expects one. */
export interface RunningTokenRealm {
  /** `https://127.0.0.1:<port>/token`. */
  realm: string;
  service: string;
  issuer: string;
  /** The CA file the registry checks token signatures against (`rootcertbundle`); it also issued the server's certificate. */
  rootCertBundle: string;
  caPem: string;
  /** Authorization headers the realm received, in order (for tests that check what was sent). */
  received: (string | undefined)[];
  close(): Promise<void>;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * Serves `GET /token?service=…&scope=…`: with the right Basic credentials, a JWT (ES256, `x5c`
 * chain of the realm's own certificate under its CA) granting what the scope asks; else 401.
 * The certificate that signs tokens is the one the realm serves HTTPS with.
 */
export async function startTokenRealm(credentials: { username: string; password: string }, tlsDir?: string): Promise<RunningTokenRealm> {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-token-realm-'));
  const tls = await ensureLocalTls(tlsDir ?? dir);
  const key = createPrivateKey(readFileSync(tls.keyFile));
  const chain = readFileSync(tls.certFile, 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)!;
  const x5c = chain.map((pem) => new X509Certificate(pem).raw.toString('base64'));
  const service = 'keelson-test-registry';
  const issuer = 'keelson-test-realm';
  const received: (string | undefined)[] = [];
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;

  const server: Server = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://realm');
    received.push(req.headers.authorization);
    if (url.pathname !== '/token' || req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    const access = (url.searchParams.getAll('scope') ?? []).flatMap((scope) => {
      const [type, name, actions] = scope.split(':');
      return type && name && actions ? [{ type, name, actions: actions.split(',') }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c }));
    const claims = b64url(
      JSON.stringify({
        iss: issuer,
        sub: credentials.username,
        aud: service,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomUUID(),
        access,
      }),
    );
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' });
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token: `${header}.${claims}.${b64url(signature)}`, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `https://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundle: tls.caFile,
    caPem: tls.caPem,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
