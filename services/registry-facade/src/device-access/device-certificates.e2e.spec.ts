import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { applyStreams, eventStreams } from '@keelson/event-store';
import { eventually, selfSignedDevice, TestDeviceCa, type TestDeviceCertificate } from '@keelson/testing';
import { KeyedRepository } from '@keelson/tuf/testing';
import { deviceGet, keptAliveDevice } from '../test-fixtures/device-tls.js';
import { startFacade, type FacadeApp } from '../test-fixtures/facade-app.js';
import { startGatewayResponder, type GatewayKnowledge } from '../test-fixtures/gateway-responder.js';
import { appendSigned } from '../test-fixtures/signer-stream.js';

const [a, b] = ['plant-7', 'plant-9'];

// Issue 4, trust chain: the facade knows a device only by the certificate it presents in the TLS
// handshake, checked against the fleet's device CA and the gateway's word on the current certificate.
describe('device authentication by certificate (whole facade on HTTPS, real NATS, real TLS handshakes)', () => {
  let facade: FacadeApp;
  let gateway: ReturnType<typeof startGatewayResponder>;
  let caA: TestDeviceCa;
  let caB: TestDeviceCa;
  const knowledge: GatewayKnowledge = { cas: {}, devices: {} };

  const pull = (identity: TestDeviceCertificate | undefined, fleet = a) =>
    deviceGet(`${facade.url}/v1/fleets/${fleet}/tuf/timestamp.json`, facade.ca!, identity);
  const refusal = async (identity: TestDeviceCertificate | undefined, fleet = a) => {
    const res = await pull(identity, fleet);
    return [res.status, res.status === 200 ? 'ok' : res.json().error.code];
  };
  const enrolled = async (ca: TestDeviceCa, deviceId: string): Promise<TestDeviceCertificate> => {
    const identity = await ca.issue(deviceId);
    knowledge.devices[deviceId] = { fleet: ca.fleet, certificateFingerprint: identity.fingerprint };
    return identity;
  };
  /** What the gateway appends, as far as the facade's revocation feed reads it. */
  const deviceEvent = (type: string, fleet: string, deviceId: string) =>
    jetstream(facade.nc).publish(
      `${facade.naming.subjectPrefix}ev.device.${fleet}.${deviceId}`,
      JSON.stringify({ type, schemaVersion: 1, data: { fleet, deviceId } }),
    );
  /**
   * Appends `type` until `identity` is refused with `code`: the feed follows only new events and may
   * still be (re)connecting to a stream created after the facade started. Well inside the 30 s the
   * facade would otherwise trust a remembered device.
   */
  const refusedAfter = (type: string, identity: TestDeviceCertificate, deviceId: string, code: string) =>
    eventually(async () => {
      await deviceEvent(type, a, deviceId);
      return (await refusal(identity))[1] === code;
    }, 8_000);
  const refusalsCounted = async (reason: string) => {
    const text = (await deviceGet(`${facade.url}/metrics`, facade.ca!)).body.toString('utf8');
    return Number(new RegExp(`^keelson_registry_device_refusals_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  };

  beforeAll(async () => {
    facade = await startFacade({}, { tls: true });
    await applyStreams(await jetstreamManager(facade.nc), facade.naming, [eventStreams.gateway]);
    [caA, caB] = [await TestDeviceCa.create(a), await TestDeviceCa.create(b)];
    knowledge.cas = { [a]: [caA.certPem], [b]: [caB.certPem] };
    gateway = startGatewayResponder(facade.nc, facade.naming, knowledge);
    for (const fleet of [a, b]) await appendSigned(facade, fleet, new KeyedRepository());
    const probe = await enrolled(caA, 'd-probe');
    await eventually(async () => (await pull(probe)).status === 200);
  });
  afterAll(async () => {
    await gateway?.stop();
    await facade?.close();
  });

  it('serves a device presenting its current certificate from its fleet CA, and asks the gateway once while it is remembered', async () => {
    const cam = await enrolled(caA, 'd-cam-1');
    const before = gateway.calls();
    for (let i = 0; i < 3; i++) expect(await refusal(cam)).toEqual([200, 'ok']);
    expect(gateway.calls()).toBe(before + 1);
  });

  it('refuses a request without a certificate (401 device.certificate-required), and counts the refusal', async () => {
    const counted = await refusalsCounted('device.certificate-required');
    expect(await refusal(undefined)).toEqual([401, 'device.certificate-required']);
    expect(await refusalsCounted('device.certificate-required')).toBe(counted + 1);
  });

  it("refuses a self-signed certificate and one from another fleet's CA naming this fleet (401 device.certificate-untrusted), without asking about the device", async () => {
    knowledge.devices['d-forged'] = { fleet: a, certificateFingerprint: 'ab'.repeat(32) };
    const before = gateway.calls();
    expect(await refusal(await selfSignedDevice(a, 'd-forged'))).toEqual([401, 'device.certificate-untrusted']);
    expect(await refusal(await caB.issue('d-forged', { fleet: a }))).toEqual([401, 'device.certificate-untrusted']);
    expect(gateway.calls()).toBe(before);
  });

  it('refuses an expired certificate and one not valid yet (401 device.certificate-expired), even when it is the current one', async () => {
    for (const period of [
      { notBefore: new Date(Date.now() - 7_200_000), notAfter: new Date(Date.now() - 60_000) },
      { notBefore: new Date(Date.now() + 3_600_000), notAfter: new Date(Date.now() + 7_200_000) },
    ]) {
      const stale = await caA.issue('d-stale', period);
      knowledge.devices['d-stale'] = { fleet: a, certificateFingerprint: stale.fingerprint };
      expect(await refusal(stale)).toEqual([401, 'device.certificate-expired']);
    }
  });

  it('answers 403 device.wrong-fleet to a device of fleet B pulling fleet A, serves it its own fleet, and counts the refusals', async () => {
    const far = await enrolled(caB, 'd-far-1');
    const counted = await refusalsCounted('device.wrong-fleet');
    expect(await refusal(far, a)).toEqual([403, 'device.wrong-fleet']);
    expect((await deviceGet(`${facade.url}/v1/fleets/${a}/targets/model/m/1/${'ab'.repeat(32)}.m.onnx`, facade.ca!, far)).status).toBe(403);
    expect(await refusal(far, b)).toEqual([200, 'ok']);
    expect(await refusalsCounted('device.wrong-fleet')).toBe(counted + 2);
  });

  it('refuses a decommissioned device at once, though it was remembered (401 device.decommissioned)', async () => {
    const retired = await enrolled(caA, 'd-retired');
    expect(await refusal(retired)).toEqual([200, 'ok']);
    knowledge.devices['d-retired']!.status = 'decommissioned';
    await refusedAfter('DeviceDecommissioned', retired, 'd-retired', 'device.decommissioned');
  });

  it("refuses a re-enrolled device's old certificate (401 device.certificate-superseded) and accepts its new one", async () => {
    const old = await enrolled(caA, 'd-wiped');
    expect(await refusal(old)).toEqual([200, 'ok']);
    const fresh = await enrolled(caA, 'd-wiped'); // a new key and certificate under the same device id
    await refusedAfter('DeviceReenrolled', old, 'd-wiped', 'device.certificate-superseded');
    expect(await refusal(fresh)).toEqual([200, 'ok']);
    expect(await refusal(old)).toEqual([401, 'device.certificate-superseded']);
  });

  it('accepts a renewed certificate at once, before any event reached the facade', async () => {
    const first = await enrolled(caA, 'd-renews');
    expect(await refusal(first)).toEqual([200, 'ok']);
    const renewed = await enrolled(caA, 'd-renews');
    expect(await refusal(renewed)).toEqual([200, 'ok']);
    await refusedAfter('DeviceCertificateRenewed', first, 'd-renews', 'device.certificate-superseded');
    expect(await refusal(renewed)).toEqual([200, 'ok']);
  });

  // The check is per request, not per connection: a device keeping its connection alive (as the
  // agent does) is refused on it at its next request once its certificate is no longer good,
  // whether the facade read the connection's certificate once (TLS 1.3) or reads it each time (1.2).
  it.each([
    ['DeviceDecommissioned', 'device.decommissioned', 'd-kept-retired', undefined],
    ['DeviceCertificateRenewed', 'device.certificate-superseded', 'd-kept-renews', undefined],
    ['DeviceDecommissioned', 'device.decommissioned', 'd-kept-retired-12', 'TLSv1.2' as const],
  ])(
    'refuses a device on its kept-alive connection at its next request after %s (401 %s): %s',
    async (type, code, deviceId, maxVersion) => {
      const device = keptAliveDevice(facade.ca!, await enrolled(caA, deviceId), maxVersion);
      try {
        const url = `${facade.url}/v1/fleets/${a}/tuf/timestamp.json`;
        const first = await device.get(url);
        expect([first.status, first.protocol]).toEqual([200, maxVersion ?? 'TLSv1.3']);
        if (type === 'DeviceDecommissioned') knowledge.devices[deviceId]!.status = 'decommissioned';
        else await enrolled(caA, deviceId);
        let last = first;
        await eventually(async () => {
          await deviceEvent(type, a, deviceId);
          last = await device.get(url);
          return last.status !== 200;
        }, 8_000);
        expect([last.status, last.json().error.code]).toEqual([401, code]);
        expect(last.socket).toBe(first.socket);
      } finally {
        device.close();
      }
    },
  );

  it('serves a device it saw enroll without asking the gateway, and refuses it at once when decommissioned', async () => {
    const cam = await caA.issue('d-seen-enrolling'); // not in the gateway's knowledge: asking it would refuse the device
    const enrolledEvent = {
      type: 'DeviceEnrolled',
      schemaVersion: 1,
      data: { fleet: a, deviceId: 'd-seen-enrolling', certificateFingerprint: cam.fingerprint },
    };
    // Published until the feed follows (it may still be connecting to the stream made after the facade started).
    await eventually(async () => {
      await jetstream(facade.nc).publish(`${facade.naming.subjectPrefix}ev.device.${a}.d-seen-enrolling`, JSON.stringify(enrolledEvent));
      return (await refusal(cam))[0] === 200;
    }, 8_000);
    const asked = gateway.calls();
    for (let i = 0; i < 3; i++) expect(await refusal(cam)).toEqual([200, 'ok']);
    expect(gateway.calls()).toBe(asked);
    await deviceEvent('DeviceDecommissioned', a, 'd-seen-enrolling');
    await eventually(async () => (await refusal(cam))[1] === 'device.certificate-untrusted', 8_000);
  });

  it('answers 503 with Retry-After when the gateway cannot be asked about a device it does not remember', async () => {
    const unknown = await enrolled(caA, 'd-unasked');
    await gateway.stop();
    try {
      const res = await pull(unknown);
      expect([res.status, res.json().error.kind]).toEqual([503, 'Unavailable']);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0); // the agent waits that long before asking again
    } finally {
      gateway = startGatewayResponder(facade.nc, facade.naming, knowledge);
    }
  });
});

describe('a facade without TLS', () => {
  it('serves no device at all (401 device.tls-required): plain HTTP is no way around the certificate', async () => {
    const facade = await startFacade();
    try {
      const res = await fetch(`${facade.url}/v1/fleets/${a}/tuf/timestamp.json`);
      expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([401, 'device.tls-required']);
    } finally {
      await facade.close();
    }
  });
});
