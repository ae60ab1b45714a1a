import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import type { DataDirLayout } from '../data-dir/layout.js';
import { deviceTlsIdentity } from '../link/platform-trust.js';
import { startRenewingGateway, type RenewingGateway } from '../test-fixtures/renewing-gateway.js';
import {
  certifiesKey,
  completePendingRenewal,
  nextKey,
  pendingCertificatePath,
  pendingKeyPath,
  storePendingCertificate,
} from './pending-renewal.js';
import { renewCertificate } from './renew-certificate.js';
import { renewalRequest, sendRenewal } from './renewal-request.js';

// A renewal with a new key killed between its steps, against the real gateway: whatever the step,
// the device is left with a matching key and certificate that the platform accepts, and renews again.
describe('a key-rotating renewal interrupted by a crash', () => {
  let platform: RenewingGateway;

  const live = (layout: DataDirLayout) => ({
    key: readFileSync(layout.deviceKey, 'utf8'),
    certificate: readFileSync(layout.deviceCertificate, 'utf8'),
  });
  const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase();
  const deviceIdOf = (layout: DataDirLayout) => /CN=([^\n,]+)/.exec(new X509Certificate(live(layout).certificate).subject)![1]!;
  /** The platform takes the live certificate as the device's current one, and it matches the live key. */
  const expectWorkingPair = async (layout: DataDirLayout) => {
    const { key, certificate } = live(layout);
    expect(certifiesKey(certificate, key)).toBe(true);
    expect(await platform.currentFingerprint(deviceIdOf(layout))).toBe(fingerprintOf(certificate));
  };
  /** The steps of a rotating renewal up to the answer kept aside, the swap not done (the crash). */
  const renewUpToTheSwap = async (layout: DataDirLayout) => {
    const { key, certificate } = live(layout);
    const next = await nextKey(layout);
    const answer = await sendRenewal(platform.gatewayUrl, await renewalRequest(certificate, key, next, new Date()));
    await storePendingCertificate(layout, answer.certificate);
    return { next, renewed: answer.certificate };
  };

  beforeAll(async () => {
    platform = await startRenewingGateway({ certSeconds: 3600, graceSeconds: 60 });
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('before the gateway answered: the old key and certificate go on working, and the retry certifies the key set aside', async () => {
    const layout = await platform.enrolled('unplugged');
    const before = live(layout);
    const cut = () => Promise.reject(new Error('power cut before the request left'));
    await expect(renewCertificate(layout, platform.gatewayUrl, { fetch: cut })).rejects.toThrow('power cut');
    expect(live(layout)).toEqual(before);
    await expectWorkingPair(layout);
    const aside = readFileSync(pendingKeyPath(layout), 'utf8');

    await renewCertificate(layout, platform.gatewayUrl);
    expect(live(layout).key).toBe(aside);
    await expectWorkingPair(layout);
    expect(existsSync(layout.renewalDir)).toBe(false);
  });

  it('after the gateway answered, before the answer was kept: the retry with the old key gets the certificate issued for the key aside', async () => {
    const layout = await platform.enrolled('cut-off');
    const before = live(layout);
    const answerLost = async (...args: Parameters<typeof fetch>) => {
      await (await fetch(...args)).text(); // the gateway renewed...
      throw new Error('power cut before the answer was read'); // ...but the device never heard
    };
    await expect(renewCertificate(layout, platform.gatewayUrl, { fetch: answerLost })).rejects.toThrow('power cut');
    expect(live(layout)).toEqual(before);
    const aside = readFileSync(pendingKeyPath(layout), 'utf8');
    expect(await platform.currentFingerprint(deviceIdOf(layout))).not.toBe(fingerprintOf(before.certificate)); // superseded at the gateway

    await renewCertificate(layout, platform.gatewayUrl);
    expect(live(layout).key).toBe(aside);
    await expectWorkingPair(layout);
  });

  it('after the answer was kept, before the swap: the old pair is untouched, and the next start swaps the new one in', async () => {
    const layout = await platform.enrolled('answered');
    const before = live(layout);
    const { next, renewed } = await renewUpToTheSwap(layout);
    expect(live(layout)).toEqual(before);
    expect(certifiesKey(before.certificate, before.key)).toBe(true);

    expect(await completePendingRenewal(layout)).toBe(true); // what startAgent does first
    expect(live(layout)).toEqual({ key: next, certificate: renewed });
    await expectWorkingPair(layout);
    await renewCertificate(layout, platform.gatewayUrl); // and it renews again
    await expectWorkingPair(layout);
  });

  it('between swapping the key and the certificate: the next start finishes the swap', async () => {
    const layout = await platform.enrolled('halfway');
    const { next, renewed } = await renewUpToTheSwap(layout);
    renameSync(pendingKeyPath(layout), layout.deviceKey); // the first rename happened, then the crash
    expect(certifiesKey(live(layout).certificate, live(layout).key)).toBe(false);

    // A request made meanwhile (mutual TLS to the facade) waits for the pair to match again: its
    // retry tells when it found the mismatch, and is held until the next start finished the swap.
    let found!: () => void;
    const mismatchFound = new Promise<'waiting'>((r) => (found = () => r('waiting')));
    let finished!: () => void;
    const swapFinished = new Promise<void>((r) => (finished = r));
    const presented = deviceTlsIdentity(layout, async () => {
      found();
      await swapFinished;
    })();
    expect(await Promise.race([mismatchFound, presented.then(() => 'presented at once')])).toBe('waiting');
    expect(await completePendingRenewal(layout)).toBe(true);
    finished();
    expect(await presented).toEqual({ key: next, cert: renewed });
    expect(live(layout)).toEqual({ key: next, certificate: renewed });
    expect(existsSync(pendingCertificatePath(layout))).toBe(false);
    await expectWorkingPair(layout);
    await renewCertificate(layout, platform.gatewayUrl);
    await expectWorkingPair(layout);
  });
});
