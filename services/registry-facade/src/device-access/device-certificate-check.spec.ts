import { X509Certificate } from 'node:crypto';
import { TestDeviceCa } from '@keelson/testing';
import { DeviceCertificateCheck, type CurrentCertificate } from './device-certificate-check.js';

/** The gateway's answers in memory, with a log of the devices it was asked about. */
function gatewayOf(current: Record<string, CurrentCertificate>) {
  const asked: string[] = [];
  return { asked, current, currentOf: async (_fleet: string, deviceId: string) => (asked.push(deviceId), current[deviceId] ?? null) };
}

/** A clock of the test's own, moved by hand. */
function clockAt(start: Date) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now = new Date(now.getTime() + ms)) };
}

describe('DeviceCertificateCheck', () => {
  let ca: TestDeviceCa;
  let cas: X509Certificate[];

  beforeAll(async () => {
    ca = await TestDeviceCa.create('plant-7');
    cas = [new X509Certificate(ca.certPem)];
  });

  it('asks the gateway once per device while its answer is fresh, again once it is 30 s old', async () => {
    const device = await ca.issue('d-1');
    const gw = gatewayOf({ 'd-1': { status: 'active', certificateFingerprint: device.fingerprint } });
    const clock = clockAt(new Date());
    const check = new DeviceCertificateCheck({ casOf: async () => cas, currentOf: gw.currentOf, clock });
    for (let i = 0; i < 3; i++)
      await expect(check.admit(new X509Certificate(device.cert), 'plant-7')).resolves.toEqual({ fleet: 'plant-7', deviceId: 'd-1' });
    expect(gw.asked).toEqual(['d-1']);
    clock.advance(30_001);
    await check.admit(new X509Certificate(device.cert), 'plant-7');
    expect(gw.asked).toEqual(['d-1', 'd-1']);
  });

  it('never answers another certificate of the same device from memory, and remembers no refusal', async () => {
    const [current, old] = [await ca.issue('d-2'), await ca.issue('d-2')];
    const gw = gatewayOf({ 'd-2': { status: 'active', certificateFingerprint: current.fingerprint } });
    const check = new DeviceCertificateCheck({ casOf: async () => cas, currentOf: gw.currentOf, clock: clockAt(new Date()) });
    await check.admit(new X509Certificate(current.cert), 'plant-7');
    for (let i = 0; i < 2; i++)
      await expect(check.admit(new X509Certificate(old.cert), 'plant-7')).rejects.toMatchObject({
        status: 401,
        body: { code: 'device.certificate-superseded' },
      });
    expect(gw.asked).toEqual(['d-2', 'd-2', 'd-2']);
  });

  it('does not remember an answer the gateway gave before the device was forgotten', async () => {
    const device = await ca.issue('d-3');
    const gw = gatewayOf({ 'd-3': { status: 'active', certificateFingerprint: device.fingerprint } });
    let answer!: () => void;
    const slow = async (fleet: string, deviceId: string) => {
      await new Promise<void>((r) => (answer = r));
      return gw.currentOf(fleet, deviceId);
    };
    const check = new DeviceCertificateCheck({ casOf: async () => cas, currentOf: slow, clock: clockAt(new Date()) });
    const inFlight = check.admit(new X509Certificate(device.cert), 'plant-7');
    await new Promise((r) => setImmediate(r));
    check.forget('d-3'); // decommissioned while the question was on its way
    answer();
    await inFlight;
    gw.current['d-3'] = { status: 'decommissioned', certificateFingerprint: device.fingerprint };
    const next = check.admit(new X509Certificate(device.cert), 'plant-7');
    await new Promise((r) => setImmediate(r));
    answer();
    await expect(next).rejects.toMatchObject({ body: { code: 'device.decommissioned' } });
  });

  it('names the certificate behind each refusal: proven when the fleet CA issued it, only claimed otherwise', async () => {
    const now = new Date();
    const other = await TestDeviceCa.create('plant-9');
    const period = { notBefore: new Date(now.getTime() - 7_200_000), notAfter: new Date(now.getTime() - 60_000) };
    const [expired, foreignExpired, retired] = [
      await ca.issue('d-4', period),
      await other.issue('d-5', { ...period, fleet: 'plant-7' }),
      await ca.issue('d-6'),
    ];
    const gw = gatewayOf({
      'd-4': { status: 'active', certificateFingerprint: expired.fingerprint },
      'd-6': { status: 'decommissioned', certificateFingerprint: retired.fingerprint },
    });
    const check = new DeviceCertificateCheck({ casOf: async () => cas, currentOf: gw.currentOf, clock: clockAt(now) });
    const refusal = (cert: string, fleet = 'plant-7') =>
      check.admit(new X509Certificate(cert), fleet).then(
        () => undefined,
        (err: { code: string; certificate: unknown }) => [err.code, err.certificate],
      );
    expect(await refusal(expired.cert)).toEqual([
      'device.certificate-expired',
      { fingerprint: expired.fingerprint, claim: { fleet: 'plant-7', deviceId: 'd-4' }, issuedByFleetCa: true },
    ]);
    // Another CA's certificate is untrusted before it is anything else: it proves no device, expired or not.
    expect(await refusal(foreignExpired.cert)).toEqual([
      'device.certificate-untrusted',
      { fingerprint: foreignExpired.fingerprint, claim: { fleet: 'plant-7', deviceId: 'd-5' }, issuedByFleetCa: false },
    ]);
    expect(await refusal(retired.cert)).toEqual(['device.decommissioned', expect.objectContaining({ issuedByFleetCa: true })]);
    gw.current['d-6'] = { status: 'active', certificateFingerprint: retired.fingerprint };
    expect(await refusal(retired.cert, 'plant-9')).toEqual([
      'device.wrong-fleet',
      { fingerprint: retired.fingerprint, claim: { fleet: 'plant-7', deviceId: 'd-6' }, issuedByFleetCa: true },
    ]);
  });
});
