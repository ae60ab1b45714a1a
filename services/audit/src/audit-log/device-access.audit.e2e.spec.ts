import { audit } from '@keelson/requests';
import type { AuditCloudEvent, KeelsonEvent } from '@keelson/events';
import { sendRequest } from '@keelson/service-kit';
import { eventually } from '@keelson/testing';
import { auditHarness, type AuditHarness } from '../test-fixtures/audit-app.js';
import * as ev from '../test-fixtures/sample-events.js';

const facade = { kind: 'service', id: 'registry-facade' } as const;
const at = '2026-11-23T09:14:02.518Z';
const crossFleet: KeelsonEvent = {
  type: 'DeviceAccessRefused',
  schemaVersion: 1,
  data: {
    fleet: 'plant-7',
    reason: 'device.wrong-fleet',
    deviceId: 'd-intruder',
    requestedFleet: 'plant-9',
    certificateFingerprint: ev.sha('a'),
    path: '/v1/fleets/plant-9/tuf/timestamp.json',
    at,
  },
};
const forged: KeelsonEvent = {
  type: 'DeviceAccessRefused',
  schemaVersion: 1,
  data: {
    fleet: 'plant-7',
    reason: 'device.certificate-untrusted',
    claimedDeviceId: 'd-victim',
    certificateFingerprint: ev.sha('b'),
    path: '/v1/fleets/plant-7/tuf/timestamp.json',
    at,
  },
};
const flood: KeelsonEvent = {
  type: 'DeviceAccessRefusalsSuppressed',
  schemaVersion: 1,
  data: {
    fleet: 'plant-7',
    reason: 'device.wrong-fleet',
    refusals: 1842,
    deviceIds: ['d-intruder', 'd-other'],
    firstAt: at,
    lastAt: '2026-11-23T09:14:59.871Z',
  },
};

// Issue 4: "audited where an operator would want to know" — the facade's refused device reads are
// entries of the fleet's audit log, found by the device they name.
describe("the audit of the registry-facade's device-access log (EV_ARTIFACTS, ev.registry.<fleet>.device-refusals)", () => {
  let h: AuditHarness;
  const query = (input: { fleet: string; deviceId?: string }) => sendRequest(h.nc, h.naming, audit.queryAudit, input).then((r) => r.items);
  const brief = (items: AuditCloudEvent[]) => items.map((e) => [e.type, e.keelsonfleet, e.keelsonactor]);

  beforeAll(async () => {
    h = await auditHarness();
    await h.start();
    const log = h.stores.registry.subject('registry', 'plant-7', 'device-refusals');
    for (const event of [crossFleet, forged, flood]) await h.append('registry', log, [event], facade);
    await eventually(async () => (await query({ fleet: 'plant-7' })).length === 3);
  });
  afterAll(() => h?.close());

  it('records each refusal in the fleet the certificate proves, recognised, with the facade as actor and the data as written', async () => {
    const items = await query({ fleet: 'plant-7' });
    expect(brief(items)).toEqual([
      ['io.keelson.registry.DeviceAccessRefused', 'plant-7', 'service:registry-facade'],
      ['io.keelson.registry.DeviceAccessRefused', 'plant-7', 'service:registry-facade'],
      ['io.keelson.registry.DeviceAccessRefusalsSuppressed', 'plant-7', 'service:registry-facade'],
    ]);
    expect(items.map((e) => e.data)).toEqual([crossFleet.data, forged.data, flood.data]);
    const recognised = await h.db.query<{ recognised: boolean }>(`SELECT recognised FROM audit_log WHERE event_type LIKE 'DeviceAccess%'`);
    expect(recognised.map((r) => r.recognised)).toEqual([true, true, true]);
    expect(await query({ fleet: 'plant-9' })).toEqual([]); // the fleet asked for does not get the entry
  });

  it('finds them by the device they prove (one by one and in summaries), never by a device a forged certificate only claims', async () => {
    expect(brief(await query({ fleet: 'plant-7', deviceId: 'd-intruder' })).map(([type]) => type)).toEqual([
      'io.keelson.registry.DeviceAccessRefused',
      'io.keelson.registry.DeviceAccessRefusalsSuppressed',
    ]);
    expect((await query({ fleet: 'plant-7', deviceId: 'd-other' })).map((e) => e.data)).toEqual([flood.data]);
    expect(await query({ fleet: 'plant-7', deviceId: 'd-victim' })).toEqual([]);
  });
});
