import { X509Certificate } from 'node:crypto';
import { TestClock, TestDeviceCa, type TestDeviceCertificate } from '@keelson/testing';
import { DeviceCertificateCheck, type CurrentCertificate } from './device-certificate-check.js';
import { FleetDeviceCas } from './fleet-device-cas.js';

const fleet = 'plant-7';
const hour = 3_600_000;

/**
 * The check as the facade wires it, the gateway's answers in memory: a real FleetDeviceCas over the
 * gateway's CA list, a TestClock, and the gateway's word on devices remembered for an hour (so any
 * refusal below comes from a per-request check, not from the memory running out).
 */
function facadeCheck(clock: TestClock, gateway: { cas: string[] | null; devices: Record<string, CurrentCertificate> }, capacity?: number) {
  const cas = new FleetDeviceCas({ fetch: async () => gateway.cas, clock });
  return new DeviceCertificateCheck({
    casOf: (f) => cas.of(f),
    currentOf: async (_f, deviceId) => gateway.devices[deviceId] ?? null,
    clock,
    ttlMs: hour,
    ...(capacity ? { capacity } : {}),
  });
}

describe('DeviceCertificateCheck: a verified certificate is remembered, what can change is checked each request', () => {
  let ca: TestDeviceCa;
  let device: TestDeviceCertificate;
  const start = new Date();
  const notAfter = start.getTime() + 2 * hour;
  const active = (d: TestDeviceCertificate): CurrentCertificate => ({ status: 'active', certificateFingerprint: d.fingerprint });
  const admit = (check: DeviceCertificateCheck, d: TestDeviceCertificate = device) => check.admit(new X509Certificate(d.cert), fleet);
  const refusalOf = (check: DeviceCertificateCheck, d: TestDeviceCertificate = device) =>
    admit(check, d).then(
      () => 'admitted',
      (err: { code?: string }) => err.code,
    );

  beforeAll(async () => {
    ca = await TestDeviceCa.create(fleet);
    device = await ca.issue('d-1', { notBefore: new Date(start.getTime() - 60_000), notAfter: new Date(notAfter) });
  });

  it('refuses a decommissioned device on its very next request, its certificate still remembered as verified', async () => {
    const clock = new TestClock();
    clock.set(start);
    const gateway = { cas: [ca.certPem], devices: { 'd-1': active(device) } };
    const check = facadeCheck(clock, gateway);
    expect([await refusalOf(check), await refusalOf(check), check.verifiedCount]).toEqual(['admitted', 'admitted', 1]);
    gateway.devices['d-1'] = { ...active(device), status: 'decommissioned' };
    check.forget('d-1'); // the revocation feed's word
    expect([await refusalOf(check), check.verifiedCount]).toEqual(['device.decommissioned', 1]);
  });

  it('refuses a remembered certificate outside its validity period, and forgets it after its notAfter', async () => {
    const clock = new TestClock();
    clock.set(start);
    const check = facadeCheck(clock, { cas: [ca.certPem], devices: { 'd-1': active(device) } });
    expect(await refusalOf(check)).toBe('admitted');
    clock.set(notAfter - 1_000);
    expect(await refusalOf(check)).toBe('admitted');
    clock.set(start.getTime() - 120_000); // a clock set back before notBefore
    expect([await refusalOf(check), check.verifiedCount]).toEqual(['device.certificate-expired', 1]);
    clock.set(notAfter + 1_000);
    expect([await refusalOf(check), check.verifiedCount]).toEqual(['device.certificate-expired', 0]);
  });

  it("checks a remembered certificate again when the fleet's CAs change: refused once its CA is rotated out or removed", async () => {
    const clock = new TestClock();
    clock.set(start);
    const successor = await TestDeviceCa.create(fleet); // same CA name, another key
    const gateway: { cas: string[] | null; devices: Record<string, CurrentCertificate> } = {
      cas: [ca.certPem],
      devices: { 'd-1': active(device) },
    };
    const check = facadeCheck(clock, gateway);
    expect(await refusalOf(check)).toBe('admitted');
    gateway.cas = [ca.certPem, successor.certPem]; // rotation begins: both CAs trusted
    clock.set(start.getTime() + 5 * 60_000 + 1); // FleetDeviceCas asks the gateway again
    expect(await refusalOf(check)).toBe('admitted');
    gateway.cas = [successor.certPem]; // the old CA is rotated out
    clock.set(start.getTime() + 10 * 60_000 + 2);
    expect(await refusalOf(check)).toBe('device.certificate-untrusted');
    gateway.cas = [ca.certPem];
    clock.set(start.getTime() + 15 * 60_000 + 3);
    expect(await refusalOf(check)).toBe('admitted');
    gateway.cas = null; // the fleet has no CA any more
    clock.set(start.getTime() + 20 * 60_000 + 4);
    expect(await refusalOf(check)).toBe('device.certificate-untrusted');
  });

  it('remembers at most its capacity of certificates', async () => {
    const clock = new TestClock();
    clock.set(start);
    const devices = [device, await ca.issue('d-2'), await ca.issue('d-3')];
    const check = facadeCheck(
      clock,
      { cas: [ca.certPem], devices: Object.fromEntries(devices.map((d, i) => [`d-${i + 1}`, active(d)])) },
      2,
    );
    for (const d of devices) expect(await refusalOf(check, d)).toBe('admitted');
    expect(check.verifiedCount).toBe(2);
  });
});
