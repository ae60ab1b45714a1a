import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ensureLocalTls, type LocalTls } from '@keelson/local-infra';
import { platformFetch } from './platform-fetch.js';
import { fingerprintOf, resolvePlatformCa } from './platform-trust.js';

describe('the platform CA a device trusts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-trust-'));
  let tls: LocalTls;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    tls = await ensureLocalTls(join(dir, 'tls'));
    server = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization ?? null }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the CA in the gateway chain by its pin, and refuses a pin nothing in the chain has', async () => {
    expect(tls.caFingerprint).toBe(fingerprintOf(tls.caPem));
    expect(await resolvePlatformCa({ url, caFingerprint: tls.caFingerprint })).toBe(tls.caPem);
    expect(await resolvePlatformCa({ url, caFingerprint: tls.caFingerprint.replace('sha256:', '').toUpperCase() })).toBe(tls.caPem);
    await expect(resolvePlatformCa({ url, caFingerprint: `sha256:${'0'.repeat(64)}` })).rejects.toThrow(/refusing to trust/);
    const leaf = readFileSync(tls.certFile, 'utf8').split(/(?<=-----END CERTIFICATE-----\n)/)[0]!;
    await expect(resolvePlatformCa({ url, caFingerprint: fingerprintOf(leaf) })).rejects.toThrow(/not a CA/);
    await expect(resolvePlatformCa({ url: url.replace('https', 'http'), caFingerprint: tls.caFingerprint })).rejects.toThrow(/https/);
    await expect(resolvePlatformCa({ url, caFingerprint: 'sha1:abc' })).rejects.toThrow(/sha256/);
  });

  it('reads a CA file, which must match the pin when both are given', async () => {
    expect(await resolvePlatformCa({ url, caFile: tls.caFile })).toBe(tls.caPem);
    expect(await resolvePlatformCa({ url, caFile: tls.caFile, caFingerprint: tls.caFingerprint })).toBe(tls.caPem);
    const other = await ensureLocalTls(join(dir, 'other'));
    await expect(resolvePlatformCa({ url, caFile: other.caFile, caFingerprint: tls.caFingerprint })).rejects.toThrow(/has fingerprint/);
    expect(await resolvePlatformCa({ url })).toBeUndefined();
  });

  it('fetches over HTTPS trusting that CA alone', async () => {
    const res = await platformFetch(tls.caPem)(`${url}/x`, { method: 'POST', headers: { authorization: 'Basic abc' }, body: '{}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ method: 'POST', auth: 'Basic abc' });
    await expect(platformFetch(undefined)(`${url}/x`)).rejects.toThrow();
    const other = await ensureLocalTls(join(dir, 'other'));
    await expect(platformFetch(other.caPem)(`${url}/x`)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('presents the device certificate to a server that asks for one', async () => {
    const mutual = createServer(
      { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        res.end(JSON.stringify({ cn: peer.subject?.CN ?? null }));
      },
    );
    await new Promise<void>((r) => mutual.listen(0, '127.0.0.1', r));
    const mutualUrl = `https://127.0.0.1:${(mutual.address() as AddressInfo).port}/x`;
    try {
      const device = await ensureLocalTls(join(dir, 'device')); // any certificate and key will do: the server only echoes it
      const identity = async () => ({ cert: readFileSync(device.certFile, 'utf8'), key: readFileSync(device.keyFile, 'utf8') });
      expect(await (await platformFetch(tls.caPem, identity)(mutualUrl)).json()).toEqual({ cn: 'Keelson platform' });
      expect(await (await platformFetch(tls.caPem)(mutualUrl)).json()).toEqual({ cn: null });
    } finally {
      mutual.close();
    }
  });
});
