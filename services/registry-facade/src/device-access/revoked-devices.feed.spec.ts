import { certificateNewsIn } from './revoked-devices.feed.js';

const fingerprint = 'ab'.repeat(32);
const event = (type: string, data: Record<string, unknown>) => new TextEncoder().encode(JSON.stringify({ type, schemaVersion: 1, data }));

describe('certificateNewsIn (what a device event says of its certificate)', () => {
  it('names the device of each revoking event, by the envelope alone', () => {
    for (const type of ['DeviceDecommissioned', 'DeviceReenrolled', 'DeviceCertificateRenewed']) {
      expect(certificateNewsIn(event(type, { fleet: 'plant-7', deviceId: 'd-1' }))).toEqual({ revoked: 'd-1' });
    }
  });

  it('reads an enrollment only whole: fleet, device and fingerprint well formed', () => {
    const whole = { fleet: 'plant-7', deviceId: 'd-1', certificateFingerprint: fingerprint, name: 'cam' };
    expect(certificateNewsIn(event('DeviceEnrolled', whole))).toEqual({ enrolled: { fleet: 'plant-7', deviceId: 'd-1', fingerprint } });
    expect(certificateNewsIn(event('DeviceEnrolled', { ...whole, certificateFingerprint: `sha256:${fingerprint}` }))).toBeUndefined();
    expect(certificateNewsIn(event('DeviceEnrolled', { ...whole, fleet: 'Plant 7' }))).toBeUndefined();
    expect(certificateNewsIn(event('DeviceEnrolled', { fleet: 'plant-7', deviceId: 'd-1' }))).toBeUndefined();
  });

  it('says nothing of other events, of a device id that is no subject token, or of what is not JSON', () => {
    expect(
      certificateNewsIn(event('DeviceReportedProgress', { fleet: 'plant-7', deviceId: 'd-1', certificateFingerprint: fingerprint })),
    ).toBeUndefined();
    expect(certificateNewsIn(event('DeviceDecommissioned', { fleet: 'plant-7', deviceId: 'd.1>' }))).toBeUndefined();
    expect(certificateNewsIn(new TextEncoder().encode('{not json'))).toBeUndefined();
  });
});
