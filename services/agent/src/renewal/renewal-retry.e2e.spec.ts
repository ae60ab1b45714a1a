import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import type { DataDirLayout } from '../data-dir/layout.js';
import { platformFetch } from '../link/platform-fetch.js';
import { startFlakyHttpsFront, type FlakyHttpsFront } from '../test-fixtures/flaky-https-front.js';
import { startRenewingGateway, type RenewingGateway } from '../test-fixtures/renewing-gateway.js';
import { certifiesKey } from './pending-renewal.js';
import { renewCertificate, RenewalRefused } from './renew-certificate.js';

// The real gateway behind a real HTTPS front that answers 503 (with Retry-After) or cuts the
// connection first, as a platform does while its broker restarts: the renewal POST is asked again
// with the downloads' backoff, each time with a fresh proof, and a refusal is still final.
describe('a certificate renewal while the gateway is briefly away', () => {
  let platform: RenewingGateway;
  let front: FlakyHttpsFront;
  const live = (layout: DataDirLayout) => ({
    key: readFileSync(layout.deviceKey, 'utf8'),
    certificate: readFileSync(layout.deviceCertificate, 'utf8'),
  });
  const renew = (layout: DataDirLayout, attempts = 4) =>
    renewCertificate(layout, front.url, { fetch: platformFetch(front.caPem), retry: { attempts, pauseMs: 50 } });

  beforeAll(async () => {
    platform = await startRenewingGateway({ certSeconds: 3600, graceSeconds: 60 });
    front = await startFlakyHttpsFront(platform.gatewayUrl);
  }, 60_000);
  afterAll(async () => {
    await front?.stop();
    await platform?.stop();
  });
  beforeEach(() => {
    front.script = [];
    front.requests = [];
  });

  it('renews after a 503 and a reset connection, waiting as long as Retry-After asked, with a fresh proof each time', async () => {
    const layout = await platform.enrolled('patient');
    const before = live(layout);
    front.script = [{ unavailable: 1 }, 'reset'];
    const renewed = await renew(layout);
    expect(certifiesKey(renewed.toString('pem'), live(layout).key)).toBe(true);
    expect(front.requests).toHaveLength(3);
    expect(front.requests[1]!.at - front.requests[0]!.at).toBeGreaterThanOrEqual(950); // Retry-After: 1, not the 50 ms backoff
    expect(new Set(front.requests.map((r) => r.body.signedAt)).size).toBe(3); // the gateway refuses a replayed proof
    const after = live(layout);
    expect(after.key).not.toBe(before.key);
    expect(certifiesKey(after.certificate, after.key)).toBe(true);
  }, 30_000);

  it('gives up after the bounded attempts with the 503, leaving the working pair untouched', async () => {
    const layout = await platform.enrolled('given-up');
    const before = live(layout);
    front.script = [{ unavailable: 0 }, { unavailable: 0 }, { unavailable: 0 }];
    const failed = await renew(layout, 3).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(RenewalRefused);
    expect([(failed as RenewalRefused).status, (failed as RenewalRefused).code, front.requests.length]).toEqual([
      503,
      'broker.unavailable',
      3,
    ]);
    expect(live(layout)).toEqual(before);
    expect(certifiesKey(before.certificate, before.key)).toBe(true);
  }, 30_000);

  it('does not ask again after a refusal (4xx): renewing cannot help', async () => {
    const layout = await platform.enrolled('refused');
    const before = live(layout);
    const stranger = await platform.enrolled('stranger');
    // Another device's certificate with this device's key: the gateway refuses the proof.
    writeFileSync(layout.deviceCertificate, readFileSync(stranger.deviceCertificate));
    await expect(renew(layout)).rejects.toBeInstanceOf(RenewalRefused);
    expect(front.requests).toHaveLength(1);
    writeFileSync(layout.deviceCertificate, before.certificate);
  }, 30_000);
});
