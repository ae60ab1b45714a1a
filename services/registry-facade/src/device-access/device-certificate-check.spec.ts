import { X509Certificate } from 'node:crypto';
import { TestDeviceCa } from '@keelson/testing';
import { DeviceCertificateCheck, type CurrentCertificate } from './device-certificate-check.js';

/** The gateway's answers in memory, with a log of the devices it was asked about. */
function gatewayOf(current: Record<string, CurrentCertificate>) {
  const asked: string[] = [];
  return { asked, current, currentOf: async (_fleet: string, deviceId: string) => (asked.push(deviceId), current[deviceId] ?? null) };
}

describe('DeviceCertificateCheck', () => {
  let now = new Date();
  const clock = { now: () => now };
  let ca: TestDeviceCa;
  let cas: X509Certificate[];

  beforeAll(async () => {
    ca = await TestDeviceCa.create('plant-7');
    cas = [new X509Certificate(ca.certPem)];
  });

  it('asks the gateway once per device while its answer is fresh, again once it is 30 s old', async () => {
    const device = await ca.issue('d-1');
    const gw = gatewayOf({ 'd-1': { status: 'active', certificateFingerprint: device.fingerprint } });
    const check = new DeviceCertificateCheck({ casOf: async () => cas, currentOf: gw.currentOf, clock });
    for (let i = 0; i < 3; i++) await expect(check.admit(new X509Certificate(device.cert), 'plant-7')).resolves.toEqual({ fleet: 'plant-7', deviceId: 'd-1' });
    expect(gw.asked).toEqual(['d-1']);
    now = new Date(now.getTime() + 30_001);
    await check.admit(new X509Certificate(device.cert), 'plant-7');
    expect(gw.asked).toEqual(['d-1', 'd-1']);
  });

  it('never answers another certificate of the same device from memory, and remembers no refusal', async () => {
    const [current, old] = [await ca.issue('d-2'), await ca.issue('d-2')];
    const gw = gatewayOf({ 'd-2': { status: 'active', certificateFingerprint: current.fingerprint } });
    const check = new DeviceCertificateCheck({ casOf: async () => cas, currentOf: gw.currentOf, clock });
    await check.admit(new X509Certificate(current.cert), 'plant-7');
    for (let i = 0; i < 2; i++) await expect(check.admit(new X509Certificate(old.cert), 'plant-7')).rejects.toMatchObject({ status: 401, body: { code: 'device.certificate-superseded' } });
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
    const check = new DeviceCertificateCheck({ casOf: async () => cas, currentOf: slow, clock });
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
});
