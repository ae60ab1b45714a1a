import { refusalRecordOf, requestPathOf, type RefusalSeen } from './refusal-record.js';

const fingerprint = 'ab'.repeat(32);
const at = new Date('2026-11-23T09:14:02.518Z');
const seen = (over: Partial<RefusalSeen>): RefusalSeen => ({
  reason: 'device.wrong-fleet',
  requestedFleet: 'plant-9',
  url: '/v1/fleets/plant-9/tuf/timestamp.json',
  at,
  certificate: { fingerprint, claim: { fleet: 'plant-7', deviceId: 'd-cam-1' }, issuedByFleetCa: true },
  ...over,
});
const audit = { auditFleet: 'default', claimedFleetExists: false };

describe('which fleet logs a refused device read, and what it says', () => {
  it("logs a device of fleet A asking for fleet B in A's log, with its device and the fleet it asked for", () => {
    expect(refusalRecordOf(seen({}), audit)).toEqual({
      fleet: 'plant-7',
      reason: 'device.wrong-fleet',
      deviceId: 'd-cam-1',
      requestedFleet: 'plant-9',
      certificateFingerprint: fingerprint,
      path: '/v1/fleets/plant-9/tuf/timestamp.json',
      at: '2026-11-23T09:14:02.518Z',
    });
  });

  it('logs a superseded certificate of the fleet CA in its own fleet, naming the device, with no requested fleet', () => {
    const record = refusalRecordOf(
      seen({ reason: 'device.certificate-superseded', requestedFleet: 'plant-7', url: '/v1/fleets/plant-7/tuf/timestamp.json' }),
      audit,
    );
    expect(record).toMatchObject({ fleet: 'plant-7', deviceId: 'd-cam-1', reason: 'device.certificate-superseded' });
    expect(record).not.toHaveProperty('requestedFleet');
  });

  it('keeps an untrusted certificate naming an existing fleet in that fleet, its device only as a claim', () => {
    const forged = seen({
      reason: 'device.certificate-untrusted',
      requestedFleet: 'plant-7',
      certificate: { fingerprint, claim: { fleet: 'plant-7', deviceId: 'd-cam-1' }, issuedByFleetCa: false },
    });
    const record = refusalRecordOf(forged, { ...audit, claimedFleetExists: true });
    expect(record).toMatchObject({ fleet: 'plant-7', claimedDeviceId: 'd-cam-1' });
    expect(record).not.toHaveProperty('deviceId');
    expect(record).not.toHaveProperty('claimedFleet');
  });

  it('logs a certificate naming no existing fleet, or no device at all, in the audit fleet', () => {
    const madeUp = seen({
      reason: 'device.certificate-untrusted',
      requestedFleet: 'ghost',
      certificate: { fingerprint, claim: { fleet: 'ghost', deviceId: 'd-x' }, issuedByFleetCa: false },
    });
    expect(refusalRecordOf(madeUp, audit)).toMatchObject({
      fleet: 'default',
      claimedFleet: 'ghost',
      claimedDeviceId: 'd-x',
      requestedFleet: 'ghost',
    });
    const stranger = refusalRecordOf(
      seen({ reason: 'device.certificate-untrusted', requestedFleet: 'default', certificate: { fingerprint, issuedByFleetCa: false } }),
      audit,
    );
    expect(Object.keys(stranger).sort()).toEqual(['at', 'certificateFingerprint', 'fleet', 'path', 'reason']);
  });

  it('never keeps a requested fleet that is not a fleet id, and bounds the path an attacker chose', () => {
    const odd = refusalRecordOf(seen({ requestedFleet: 'PLANT 9', url: `/v1/fleets/PLANT%209/${'x'.repeat(400)}?token=secret` }), audit);
    expect(odd).not.toHaveProperty('requestedFleet');
    expect(odd.path).toHaveLength(256);
    expect(requestPathOf('/v1/a b\u0000c?q=secret')).toBe('/v1/a_b_c');
    expect(requestPathOf('*')).toBe('/*');
  });
});
