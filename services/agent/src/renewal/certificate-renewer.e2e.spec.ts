import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import * as x509 from '@peculiar/x509';
import { eventually } from '@keelson/testing';
import type { DataDirLayout } from '../data-dir/layout.js';
import { startRenewingGateway, type RenewingGateway } from '../test-fixtures/renewing-gateway.js';
import { CertificateRenewer } from './certificate-renewer.js';
import { certifiesKey } from './pending-renewal.js';
import type { RenewKey } from './renew-certificate.js';

const certSeconds = 6;
const graceSeconds = 3;

// The real gateway process with certificates of 6 s and a grace of 3 s, and the agent's renewer.
describe('the agent renewing its certificate', () => {
  let platform: RenewingGateway;
  const logs: { event: string; fields: Record<string, unknown> }[] = [];

  const certOf = (layout: DataDirLayout) => new x509.X509Certificate(readFileSync(layout.deviceCertificate, 'utf8'));
  const keyOf = (layout: DataDirLayout) => readFileSync(layout.deviceKey, 'utf8');
  const renewerFor = (layout: DataDirLayout, renewKey?: RenewKey) =>
    new CertificateRenewer({
      layout,
      gatewayUrl: platform.gatewayUrl,
      maxWaitMs: 500,
      ...(renewKey ? { renewKey } : {}),
      log: (event, fields) => logs.push({ event, fields: { ...fields, dir: layout.identityDir } }),
    });
  const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

  beforeAll(async () => {
    platform = await startRenewingGateway({ certSeconds, graceSeconds });
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('renews once less than a third of the lifetime is left, with a new key by default, and again on the new certificate', async () => {
    const layout = await platform.enrolled('steady');
    const first = certOf(layout);
    const firstKey = keyOf(layout);
    const renewer = renewerFor(layout);
    renewer.start();
    try {
      await eventually(() => certOf(layout).serialNumber !== first.serialNumber);
      const renewedAt = Date.now();
      const lifetime = first.notAfter.getTime() - first.notBefore.getTime();
      expect(first.notAfter.getTime() - renewedAt).toBeLessThanOrEqual(lifetime / 3 + 500); // not before it was due
      const second = certOf(layout);
      expect(second.subject).toBe(first.subject);
      expect(keyOf(layout)).not.toBe(firstKey);
      expect(certifiesKey(second.toString('pem'), keyOf(layout))).toBe(true); // the live pair matches
      expect(Buffer.from(second.publicKey.rawData)).not.toEqual(Buffer.from(first.publicKey.rawData));
      await eventually(() => certOf(layout).serialNumber !== second.serialNumber); // the renewed one renews too, with its new key
      expect(certifiesKey(certOf(layout).toString('pem'), keyOf(layout))).toBe(true);
    } finally {
      await renewer.stop();
    }
  }, 30_000);

  it('keeps its key when told to (--renew-key keep)', async () => {
    const layout = await platform.enrolled('keeper');
    const first = certOf(layout);
    const key = keyOf(layout);
    const renewer = renewerFor(layout, 'keep');
    renewer.start();
    try {
      await eventually(() => certOf(layout).serialNumber !== first.serialNumber);
      expect(keyOf(layout)).toBe(key);
      expect(Buffer.from(certOf(layout).publicKey.rawData)).toEqual(Buffer.from(first.publicKey.rawData));
    } finally {
      await renewer.stop();
    }
  }, 30_000);

  it('renews on its return after being offline past expiry, within the grace period', async () => {
    const layout = await platform.enrolled('traveller');
    const first = certOf(layout);
    await sleepUntil(first.notAfter.getTime() + 1_000);
    const renewer = renewerFor(layout);
    renewer.start();
    try {
      await eventually(() => certOf(layout).serialNumber !== first.serialNumber);
      expect(certOf(layout).notAfter.getTime()).toBeGreaterThan(Date.now());
    } finally {
      await renewer.stop();
    }
  }, 30_000);

  it('is refused after the grace period and says the device must enroll again', async () => {
    const layout = await platform.enrolled('hermit');
    const first = certOf(layout);
    await sleepUntil(first.notAfter.getTime() + graceSeconds * 1000 + 1_000);
    const renewer = renewerFor(layout);
    renewer.start();
    try {
      await eventually(() => logs.some((l) => l.event === 'certificate-renewal-refused' && l.fields.dir === layout.identityDir));
      expect(logs.find((l) => l.event === 'certificate-renewal-refused' && l.fields.dir === layout.identityDir)?.fields.code).toBe(
        'renewal.expired',
      );
      expect(certOf(layout).serialNumber).toBe(first.serialNumber);
    } finally {
      await renewer.stop();
    }
  }, 30_000);
});
