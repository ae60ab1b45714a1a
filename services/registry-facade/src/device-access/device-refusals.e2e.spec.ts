import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { applyStreams, EventStore, eventStreams } from '@keelson/event-store';
import { parseRegistryEvent, type RegistryEvent } from '@keelson/events';
import { eventually, selfSignedDevice, TestDeviceCa, type TestDeviceCertificate } from '@keelson/testing';
import { KeyedRepository } from '@keelson/tuf/testing';
import { deviceGet } from '../test-fixtures/device-tls.js';
import { startFacade, type FacadeApp } from '../test-fixtures/facade-app.js';
import { startGatewayResponder, type GatewayKnowledge } from '../test-fixtures/gateway-responder.js';
import { appendSigned } from '../test-fixtures/signer-stream.js';
import { DeviceRefusalLog } from './device-refusal-log.js';

const [a, b, hq] = ['plant-7', 'plant-9', 'plant-hq'];
const perMinute = 10;

// Issue 4, attack tests: a refused device read changes nothing and is audited where an operator
// would look, in a log nobody can flood (one event per refusal within a budget, then summaries).
describe('refused device reads, audited on the fleet device-access log (whole facade on HTTPS, real NATS)', () => {
  let facade: FacadeApp;
  let gateway: ReturnType<typeof startGatewayResponder>;
  let store: EventStore<RegistryEvent>;
  let caA: TestDeviceCa;
  let caB: TestDeviceCa;
  const knowledge: GatewayKnowledge = { cas: {}, devices: {} };

  const logOf = (fleet: string) => `${facade.naming.subjectPrefix}ev.registry.${fleet}.device-refusals`;
  const get = (identity: TestDeviceCertificate | undefined, path: string) => deviceGet(`${facade.url}${path}`, facade.ca!, identity);
  const enrolled = async (ca: TestDeviceCa, deviceId: string) => {
    const identity = await ca.issue(deviceId);
    knowledge.devices[deviceId] = { fleet: ca.fleet, certificateFingerprint: identity.fingerprint };
    return identity;
  };
  /** Every message count by subject in the facade's and the signer's streams, the blob files and the read-model rows. */
  const everything = async () => {
    const jsm = await jetstreamManager(facade.nc);
    const subjects: Record<string, number> = {};
    for (const decl of [eventStreams.registry, eventStreams.signer]) {
      Object.assign(
        subjects,
        (await jsm.streams.info(`${facade.naming.streamPrefix}${decl.name}`, { subjects_filter: '>' })).state.subjects ?? {},
      );
    }
    const blobs = (() => {
      try {
        return readdirSync(join(facade.dataDir, 'blobs', 'sha256'));
      } catch {
        return [];
      }
    })();
    const [rows] = await facade.db.query<{ artifacts: string; metadata: string }>(
      'SELECT (SELECT count(*) FROM artifacts) AS artifacts, (SELECT count(*) FROM tuf_metadata) AS metadata',
    );
    return { subjects, blobs, rows };
  };
  /** What was written since `before`: the subjects that grew, and the events on the device-access logs. */
  const writtenSince = async (before: Awaited<ReturnType<typeof everything>>) => {
    await facade.app.get(DeviceRefusalLog).flush();
    const after = await everything();
    expect([after.blobs, after.rows]).toEqual([before.blobs, before.rows]);
    const grown = Object.keys(after.subjects).filter((s) => after.subjects[s] !== before.subjects[s]);
    const events = await Promise.all(grown.map(async (s) => (await store.load(s, 0)).events.slice(before.subjects[s] ?? 0)));
    return { grown, events: events.flat() };
  };

  beforeAll(async () => {
    facade = await startFacade(
      { KEELSON_DEVICE_REFUSAL_AUDIT_FLEET: hq, KEELSON_DEVICE_REFUSALS_PER_MINUTE: String(perMinute) },
      { tls: true },
    );
    await applyStreams(await jetstreamManager(facade.nc), facade.naming, [eventStreams.gateway]);
    store = new EventStore<RegistryEvent>({
      nc: facade.nc,
      naming: facade.naming,
      stream: eventStreams.registry,
      parse: parseRegistryEvent,
    });
    [caA, caB] = [await TestDeviceCa.create(a), await TestDeviceCa.create(b)];
    knowledge.cas = { [a]: [caA.certPem], [b]: [caB.certPem] };
    gateway = startGatewayResponder(facade.nc, facade.naming, knowledge);
    for (const fleet of [a, b]) await appendSigned(facade, fleet, new KeyedRepository());
    const probe = await enrolled(caA, 'd-probe');
    await eventually(async () => (await get(probe, `/v1/fleets/${a}/tuf/timestamp.json`)).status === 200);
  });
  afterAll(async () => {
    await gateway?.stop();
    await facade?.close();
  });

  it("refuses a device of fleet A pulling fleet B's artifact (403), writes nothing but one DeviceAccessRefused on A's log", async () => {
    const intruder = await enrolled(caA, 'd-intruder');
    const path = `/v1/fleets/${b}/targets/model/segmenter/1.0.0/${'cd'.repeat(32)}.segmenter.onnx`;
    const before = await everything();
    const res = await get(intruder, `${path}?sig=whatever`);
    expect([res.status, res.json().error.code]).toEqual([403, 'device.wrong-fleet']);
    const { grown, events } = await writtenSince(before);
    expect(grown).toEqual([logOf(a)]);
    expect(events.map((e) => [e.event, e.meta.actor])).toEqual([
      [
        {
          type: 'DeviceAccessRefused',
          schemaVersion: 1,
          data: {
            fleet: a,
            reason: 'device.wrong-fleet',
            deviceId: 'd-intruder',
            requestedFleet: b,
            certificateFingerprint: intruder.fingerprint,
            path,
            at: expect.any(String),
          },
        },
        { kind: 'service', id: 'registry-facade' },
      ],
    ]);
    expect(JSON.stringify(events)).not.toContain(intruder.key);
  });

  it('refuses a superseded certificate (401) and a decommissioned device, each an event naming the device', async () => {
    const old = await enrolled(caA, 'd-wiped');
    await enrolled(caA, 'd-wiped'); // re-enrolled: a new key and certificate under the same id
    const retired = await enrolled(caA, 'd-retired');
    knowledge.devices['d-retired']!.status = 'decommissioned';
    const before = await everything();
    const path = `/v1/fleets/${a}/tuf/timestamp.json`;
    const superseded = await get(old, path);
    expect([superseded.status, superseded.json().error.code]).toEqual([401, 'device.certificate-superseded']);
    expect((await get(retired, path)).json().error.code).toBe('device.decommissioned');
    const { grown, events } = await writtenSince(before);
    expect(grown).toEqual([logOf(a)]);
    expect(events.map((e) => e.event.data)).toEqual([
      expect.objectContaining({
        fleet: a,
        reason: 'device.certificate-superseded',
        deviceId: 'd-wiped',
        certificateFingerprint: old.fingerprint,
        path,
      }),
      expect.objectContaining({
        fleet: a,
        reason: 'device.decommissioned',
        deviceId: 'd-retired',
        certificateFingerprint: retired.fingerprint,
      }),
    ]);
  });

  it("logs a foreign CA's certificate as a claim: in the fleet it names if that fleet exists, else in the audit fleet; no certificate, nothing", async () => {
    const [forged, stranger] = [await caB.issue('d-probe', { fleet: a }), await selfSignedDevice('ghost-fleet', 'd-x')];
    const before = await everything();
    for (const identity of [forged, stranger])
      expect((await get(identity, `/v1/fleets/${a}/tuf/timestamp.json`)).json().error.code).toBe('device.certificate-untrusted');
    expect((await get(undefined, `/v1/fleets/${a}/tuf/timestamp.json`)).json().error.code).toBe('device.certificate-required');
    const { grown, events } = await writtenSince(before);
    expect(grown.sort()).toEqual([logOf(a), logOf(hq)].sort());
    expect(Object.fromEntries(events.map((e) => [e.event.data.fleet, e.event.data]))).toEqual({
      [a]: expect.objectContaining({
        reason: 'device.certificate-untrusted',
        claimedDeviceId: 'd-probe',
        certificateFingerprint: forged.fingerprint,
      }),
      [hq]: expect.objectContaining({
        reason: 'device.certificate-untrusted',
        claimedFleet: 'ghost-fleet',
        claimedDeviceId: 'd-x',
        requestedFleet: a,
      }),
    });
    expect(events.some((e) => 'deviceId' in e.event.data)).toBe(false); // a claim is never indexed as the device
  });

  it('keeps a flood within the budget: at most the one-by-one entries, then one summary per fleet and reason counting every refusal', async () => {
    const flooders = [await enrolled(caA, 'd-flood-1'), await enrolled(caA, 'd-flood-2')];
    await facade.app.get(DeviceRefusalLog).flush();
    const before = await everything();
    const attempts = 40;
    for (let i = 0; i < attempts; i += 10) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, j) => get(flooders[(i + j) % 2], `/v1/fleets/${b}/tuf/timestamp.json`)),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(10).fill(403));
    }
    const { grown, events } = await writtenSince(before);
    expect(grown).toEqual([logOf(a)]);
    const one = events.filter((e) => e.event.type === 'DeviceAccessRefused');
    const summaries = events.map((e) => e.event).filter((e) => e.type === 'DeviceAccessRefusalsSuppressed');
    expect(one.length).toBeLessThanOrEqual(perMinute);
    expect(summaries).toEqual([
      {
        type: 'DeviceAccessRefusalsSuppressed',
        schemaVersion: 1,
        data: {
          fleet: a,
          reason: 'device.wrong-fleet',
          refusals: attempts - one.length,
          deviceIds: expect.arrayContaining(['d-flood-1', 'd-flood-2']),
          firstAt: expect.any(String),
          lastAt: expect.any(String),
        },
      },
    ]);
  });
});
