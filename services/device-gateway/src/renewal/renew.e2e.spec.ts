import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { gateway } from '@keelson/requests';
import { sendRequest } from '@keelson/service-kit';
import { TestClock } from '@keelson/testing';
import { deviceKeys } from '../test-fixtures/device-keys.js';
import { startRenewalApp, type RenewalApp } from '../test-fixtures/renewal-app.js';

const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase();
const signing = { name: 'ECDSA', hash: 'SHA-256' } as const;

// Certificates of 30 days and a grace of 7. The gateway issues and judges them by its clock, which
// reads the system clock except where a spec stops it at an instant of its choosing (and the device
// signs its proof at that instant too): expiry and grace are judged to the millisecond, not waited for.
const day = 86_400_000;
const graceDays = 7;

describe('POST /v1/renew', () => {
  const clock = new TestClock();
  let gw: RenewalApp;
  const post = (path: string, body: unknown) => gw.post(path, body);
  const enroll = () => gw.enroll();
  const renewal = (...args: Parameters<RenewalApp['renewal']>) => gw.renewal(...args);
  const eventsOf = (deviceId: string) => gw.eventsOf(deviceId);

  beforeAll(async () => {
    gw = await startRenewalApp({ KEELSON_DEVICE_CERT_DAYS: '30', KEELSON_DEVICE_CERT_GRACE_DAYS: String(graceDays) }, { clock });
  });

  afterEach(() => clock.release());

  afterAll(async () => {
    await gw?.close();
  });

  it('issues a fresh certificate for the same device id, with the same or a new key, and records it', async () => {
    const { keys, enrolled } = await enroll();
    const renewed = await post('/v1/renew', await renewal(enrolled.certificate, keys));
    expect(renewed.status).toBe(201);
    const cert = new x509.X509Certificate(renewed.body.certificate);
    expect(await cert.verify({ publicKey: new x509.X509Certificate(enrolled.caCertificate).publicKey })).toBe(true);
    expect(cert.subject).toBe(`CN=${enrolled.deviceId}, OU=plant-7, O=Keelson`);
    expect(cert.notAfter.getTime()).toBeGreaterThan(new x509.X509Certificate(enrolled.certificate).notAfter.getTime() - 1_000);
    const events = await eventsOf(enrolled.deviceId);
    expect(events.at(-1)).toMatchObject({
      type: 'DeviceCertificateRenewed',
      data: { deviceId: enrolled.deviceId, certificateFingerprint: expect.stringMatching(/^[0-9a-f]{64}$/), keyRotated: false },
    });

    const nextKeys = await deviceKeys();
    const rotated = await post('/v1/renew', await renewal(renewed.body.certificate, keys, { next: nextKeys }));
    expect(rotated.status).toBe(201);
    const rotatedCert = new x509.X509Certificate(rotated.body.certificate);
    expect(Buffer.from(rotatedCert.publicKey.rawData)).toEqual(Buffer.from(await webcrypto.subtle.exportKey('spki', nextKeys.publicKey)));
    expect(rotatedCert.subject).toBe(`CN=${enrolled.deviceId}, OU=plant-7, O=Keelson`);
    expect((await eventsOf(enrolled.deviceId)).at(-1)).toMatchObject({
      type: 'DeviceCertificateRenewed',
      data: { previousFingerprint: fingerprintOf(renewed.body.certificate), keyRotated: true },
    });
    // The new key renews next; the old one no longer can.
    expect((await post('/v1/renew', await renewal(rotated.body.certificate, nextKeys))).status).toBe(201);
  });

  describe('with a new key', () => {
    it('takes only the key from a CSR that asks for another identity: the certificate keeps the old one', async () => {
      const { keys, enrolled } = await enroll();
      const other = await enroll();
      const next = await deviceKeys();
      const res = await post(
        '/v1/renew',
        await renewal(enrolled.certificate, keys, { next, csrSubject: `CN=${other.enrolled.deviceId}, OU=plant-8, O=Keelson` }),
      );
      expect(res.status).toBe(201);
      const cert = new x509.X509Certificate(res.body.certificate);
      expect(cert.subject).toBe(`CN=${enrolled.deviceId}, OU=plant-7, O=Keelson`);
      expect(cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items.map((n) => n.value)).toEqual([
        `urn:keelson:device:plant-7:${enrolled.deviceId}`,
      ]);
      expect(Buffer.from(cert.publicKey.rawData)).toEqual(Buffer.from(await webcrypto.subtle.exportKey('spki', next.publicKey)));
    });

    it("refuses a proof signed by the new key instead of the current certificate's, and writes nothing", async () => {
      const { keys, enrolled } = await enroll();
      const next = await deviceKeys();
      const before = await eventsOf(enrolled.deviceId);
      const res = await post('/v1/renew', await renewal(enrolled.certificate, keys, { next, signer: next }));
      expect([res.status, res.body.error.code]).toEqual([401, 'renewal.bad-proof']);
      expect(await eventsOf(enrolled.deviceId)).toEqual(before);
      expect((await post('/v1/renew', await renewal(enrolled.certificate, keys, { next }))).status).toBe(201); // the device still can
    });

    it('refuses a replayed rotation, and a second new key for the certificate it superseded', async () => {
      const { keys, enrolled } = await enroll();
      const request = await renewal(enrolled.certificate, keys, { next: await deviceKeys() });
      expect((await post('/v1/renew', request)).status).toBe(201);
      const after = await eventsOf(enrolled.deviceId);
      const replay = await post('/v1/renew', request);
      expect([replay.status, replay.body.error.code]).toEqual([401, 'renewal.superseded']);
      const thief = await post('/v1/renew', await renewal(enrolled.certificate, keys, { next: await deviceKeys() }));
      expect([thief.status, thief.body.error.code]).toEqual([401, 'renewal.superseded']);
      expect(await eventsOf(enrolled.deviceId)).toEqual(after);
    });

    it('answers a retry whose answer was lost with the certificate it issued, writing nothing, until that one renews', async () => {
      const { keys, enrolled } = await enroll();
      const next = await deviceKeys();
      const lost = await post('/v1/renew', await renewal(enrolled.certificate, keys, { next, signedAt: new Date(Date.now() - 1_000) }));
      expect(lost.status).toBe(201); // the device crashed before it read this
      const after = await eventsOf(enrolled.deviceId);
      const retry = await post('/v1/renew', await renewal(enrolled.certificate, keys, { next }));
      expect([retry.status, retry.body.certificate]).toEqual([201, lost.body.certificate]);
      const otherKey = await post('/v1/renew', await renewal(enrolled.certificate, keys, { next: await deviceKeys() }));
      expect([otherKey.status, otherKey.body.error.code]).toEqual([401, 'renewal.superseded']);
      expect(await eventsOf(enrolled.deviceId)).toEqual(after);
      expect((await post('/v1/renew', await renewal(lost.body.certificate, next))).status).toBe(201);
      const late = await post('/v1/renew', await renewal(enrolled.certificate, keys, { next }));
      expect([late.status, late.body.error.code]).toEqual([401, 'renewal.superseded']);
    });
  });

  it('refuses an old certificate once it was renewed (a replay too), and a decommissioned device', async () => {
    const { keys, enrolled } = await enroll();
    const request = await renewal(enrolled.certificate, keys);
    expect((await post('/v1/renew', request)).status).toBe(201);
    const replay = await post('/v1/renew', request);
    expect([replay.status, replay.body.error.code]).toEqual([401, 'renewal.superseded']);
    const again = await post('/v1/renew', await renewal(enrolled.certificate, keys, { next: await deviceKeys() }));
    expect([again.status, again.body.error.code]).toEqual([401, 'renewal.superseded']);

    const other = await enroll();
    const subject = gw.devices.subject('device', 'plant-7', other.enrolled.deviceId);
    const { lastSeq } = await gw.devices.load(subject);
    await gw.devices.append(
      subject,
      lastSeq,
      [{ type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet: 'plant-7', deviceId: other.enrolled.deviceId } }],
      { actor: { kind: 'operator', id: 'ada' }, correlationId: 'c', commandId: `decom-${other.enrolled.deviceId}` },
    );
    const retired = await post('/v1/renew', await renewal(other.enrolled.certificate, other.keys));
    expect([retired.status, retired.body.error.code]).toEqual([401, 'renewal.decommissioned']);
  });

  it('tells relying parties the fleet CA and which certificate of a device is current, the renewed one at once', async () => {
    const { keys, enrolled } = await enroll();
    const ca = await sendRequest(gw.nc, gw.naming, gateway.getDeviceCa, { fleet: 'plant-7' });
    expect(ca).toEqual({ fleet: 'plant-7', certificates: [enrolled.caCertificate] });
    expect(ca.certificates.join('')).not.toMatch(/PRIVATE/);
    const current = () => sendRequest(gw.nc, gw.naming, gateway.getDeviceCertificate, { fleet: 'plant-7', deviceId: enrolled.deviceId });
    await expect(current()).resolves.toEqual({
      fleet: 'plant-7',
      deviceId: enrolled.deviceId,
      status: 'active',
      certificateFingerprint: fingerprintOf(enrolled.certificate),
    });
    const renewed = await post('/v1/renew', await renewal(enrolled.certificate, keys));
    await expect(current()).resolves.toMatchObject({ status: 'active', certificateFingerprint: fingerprintOf(renewed.body.certificate) });

    await expect(sendRequest(gw.nc, gw.naming, gateway.getDeviceCa, { fleet: 'no-such-fleet' })).rejects.toMatchObject({
      code: 'device-ca.not-found',
    });
    expect(existsSync(join(gw.dataDir, 'ca', 'no-such-fleet'))).toBe(false); // asking created no CA
    await expect(
      sendRequest(gw.nc, gw.naming, gateway.getDeviceCertificate, { fleet: 'plant-7', deviceId: 'd-never' }),
    ).rejects.toMatchObject({ code: 'device.not-found' });
  });

  it('refuses a proof by another key, an old proof, a certificate the fleet CA never issued, and garbage', async () => {
    const { keys, enrolled } = await enroll();
    const stranger = await deviceKeys();
    const before = (await eventsOf(enrolled.deviceId)).length;
    const byStranger = await post('/v1/renew', await renewal(enrolled.certificate, keys, { signer: stranger, next: stranger }));
    expect([byStranger.status, byStranger.body.error.code]).toEqual([401, 'renewal.bad-proof']);
    const stale = await post('/v1/renew', await renewal(enrolled.certificate, keys, { signedAt: new Date(Date.now() - 10 * 60_000) }));
    expect([stale.status, stale.body.error.code]).toEqual([401, 'renewal.stale-proof']);
    // A self-made CA issuing itself a certificate with the same device id.
    const fakeCaKeys = await deviceKeys();
    const forged = await x509.X509CertificateGenerator.create({
      serialNumber: '01',
      subject: `CN=${enrolled.deviceId}, OU=plant-7, O=Keelson`,
      issuer: 'CN=Keelson device CA plant-7',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 60_000),
      publicKey: stranger.publicKey,
      signingKey: fakeCaKeys.privateKey,
      signingAlgorithm: signing,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `urn:keelson:device:plant-7:${enrolled.deviceId}` }])],
    });
    const untrusted = await post('/v1/renew', await renewal(forged.toString('pem'), stranger));
    expect([untrusted.status, untrusted.body.error.code]).toEqual([401, 'renewal.untrusted-certificate']);
    const garbage = await post('/v1/renew', { certificate: 'nope', csr: 'nope', signedAt: new Date().toISOString(), signature: 'AA==' });
    expect([garbage.status, garbage.body.error.code]).toEqual([400, 'renew.invalid']);
    expect((await eventsOf(enrolled.deviceId)).length).toBe(before);
  });

  it('renews an expired certificate up to the last millisecond of the grace period, and refuses it one after', async () => {
    clock.set(Math.floor(Date.now() / 1_000) * 1_000); // a whole second, as a certificate writes its notAfter
    const [inGrace, pastGrace] = [await enroll(), await enroll()]; // issued at the same instant: the same notAfter
    const notAfter = new x509.X509Certificate(inGrace.enrolled.certificate).notAfter.getTime();
    expect(new x509.X509Certificate(pastGrace.enrolled.certificate).notAfter.getTime()).toBe(notAfter);

    clock.set(notAfter + graceDays * day); // offline past expiry, back on the grace period's last instant
    const late = await post('/v1/renew', await renewal(inGrace.enrolled.certificate, inGrace.keys));
    expect(late.status).toBe(201);
    expect(new x509.X509Certificate(late.body.certificate).notAfter.getTime()).toBe(notAfter + (graceDays + 30) * day);

    clock.set(notAfter + graceDays * day + 1);
    const before = await eventsOf(pastGrace.enrolled.deviceId);
    const tooLate = await post('/v1/renew', await renewal(pastGrace.enrolled.certificate, pastGrace.keys));
    expect(tooLate).toMatchObject({ status: 401, body: { error: { code: 'renewal.expired' } } });
    expect(await eventsOf(pastGrace.enrolled.deviceId)).toEqual(before);
  });
});
