import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ensureLocalTls } from '@keelson/local-infra';
import { TestDeviceCa, type TestDeviceCertificate } from '@keelson/testing';
import { DataDirLayout } from '../data-dir/layout.js';
import { completePendingRenewal, pendingKeyPath, storePendingCertificate } from '../renewal/pending-renewal.js';
import { deviceTlsIdentity } from './device-tls-identity.js';
import { platformFetch } from './platform-fetch.js';

// Issue 11: the device certificate and key are read once, not for each request, and a renewal's
// new pair is presented at the next request (real HTTPS server asking for a client certificate).
describe('the device TLS identity kept in memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-tls-identity-'));
  let server: Server;
  let url: string;
  let ca: string;
  let deviceCa: TestDeviceCa;
  const seen: { fingerprint: string; socket: TLSSocket }[] = [];

  beforeAll(async () => {
    const tls = await ensureLocalTls(join(dir, 'tls'));
    ca = tls.caPem;
    deviceCa = await TestDeviceCa.create('plant-7');
    server = createServer(
      { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        seen.push({ fingerprint: socket.getPeerX509Certificate()?.fingerprint256.replaceAll(':', '').toLowerCase() ?? '-', socket });
        res.end('ok');
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
  });
  beforeEach(() => void (seen.length = 0));
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const enrolledAs = (name: string, device: TestDeviceCertificate): DataDirLayout => {
    const layout = new DataDirLayout(join(dir, name));
    mkdirSync(layout.identityDir, { recursive: true });
    writeFileSync(layout.deviceKey, device.key, { mode: 0o600 });
    writeFileSync(layout.deviceCertificate, device.cert);
    return layout;
  };
  const get = async (fetch: ReturnType<typeof platformFetch>) => {
    const res = await fetch(url);
    expect([res.status, await res.text()]).toEqual([200, 'ok']);
  };

  it('reads the files once: later requests present the pair in memory without reading them again', async () => {
    const [enrolled, other] = [await deviceCa.issue('d-1'), await deviceCa.issue('d-other')];
    const layout = enrolledAs('read-once', enrolled);
    const identity = deviceTlsIdentity(layout);
    expect(await identity()).toEqual({ cert: enrolled.cert, key: enrolled.key });
    // Written behind the agent's back (not by a renewal): were the files read per request, this pair would be presented.
    writeFileSync(layout.deviceKey, other.key);
    writeFileSync(layout.deviceCertificate, other.cert);
    expect(await identity()).toEqual({ cert: enrolled.cert, key: enrolled.key });
    const fetch = platformFetch(ca, identity);
    await get(fetch);
    await get(fetch);
    expect(seen.map((s) => s.fingerprint)).toEqual([enrolled.fingerprint, enrolled.fingerprint]);
  });

  it('presents the renewed certificate and key at the first request after a renewal swapped them in, on a new connection', async () => {
    const [enrolled, renewed] = [await deviceCa.issue('d-2'), await deviceCa.issue('d-2')];
    const layout = enrolledAs('renewed', enrolled);
    const fetch = platformFetch(ca, deviceTlsIdentity(layout));
    await get(fetch);
    await get(fetch);
    // What renew-certificate.ts does once the gateway answered: the new key and certificate aside, then swapped in.
    mkdirSync(layout.renewalDir, { recursive: true });
    writeFileSync(pendingKeyPath(layout), renewed.key, { mode: 0o600 });
    await storePendingCertificate(layout, renewed.cert);
    expect(await completePendingRenewal(layout)).toBe(true);
    await get(fetch);
    await get(fetch);
    expect(seen.map((s) => s.fingerprint)).toEqual([enrolled.fingerprint, enrolled.fingerprint, renewed.fingerprint, renewed.fingerprint]);
    expect(seen[1]!.socket).toBe(seen[0]!.socket);
    expect(seen[2]!.socket).not.toBe(seen[1]!.socket);
    expect(seen[3]!.socket).toBe(seen[2]!.socket);
  });
});
