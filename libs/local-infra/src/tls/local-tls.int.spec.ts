import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ensureLocalTls } from './local-tls.js';

describe('the local platform CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const get = (port: number, ca: string | undefined, host = '127.0.0.1') =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host, port, path: '/', ca, servername: host === '127.0.0.1' ? undefined : host }, (res) =>
        resolve(res.statusCode ?? 0),
      );
      req.on('error', reject);
      req.end();
    });

  it('makes a CA and a loopback server certificate once, that a client trusting the CA accepts', async () => {
    const tls = await ensureLocalTls(dir);
    expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(tls.keyFile).mode & 0o777).toBe(0o600);
    expect(tls.caFingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    const again = await ensureLocalTls(dir);
    expect(again.caFingerprint).toBe(tls.caFingerprint); // reused: pinned devices keep trusting it

    const server = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await get(port, tls.caPem)).toBe(200);
      expect(await get(port, tls.caPem, 'localhost')).toBe(200);
      await expect(get(port, undefined)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
      const stranger = await ensureLocalTls(join(dir, 'other'));
      await expect(get(port, stranger.caPem)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    } finally {
      server.close();
    }
  });
});
