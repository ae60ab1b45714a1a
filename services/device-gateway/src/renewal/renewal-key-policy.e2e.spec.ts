import 'reflect-metadata';
import { deviceKeys } from '../test-fixtures/device-keys.js';
import { startRenewalApp, type RenewalApp } from '../test-fixtures/renewal-app.js';

// A gateway that insists on a new key at every renewal (KEELSON_DEVICE_RENEWAL_KEY=rotate).
describe('POST /v1/renew when the key must be rotated', () => {
  let gw: RenewalApp;

  beforeAll(async () => {
    gw = await startRenewalApp({ KEELSON_DEVICE_RENEWAL_KEY: 'rotate' });
  });

  afterAll(async () => {
    await gw?.close();
  });

  it('refuses a renewal that keeps the key (409, nothing written), and renews one with a new key', async () => {
    const { keys, enrolled } = await gw.enroll();
    const before = await gw.eventsOf(enrolled.deviceId);
    const kept = await gw.post('/v1/renew', await gw.renewal(enrolled.certificate, keys));
    expect([kept.status, kept.body.error.code]).toEqual([409, 'renewal.key-not-rotated']);
    expect(await gw.eventsOf(enrolled.deviceId)).toEqual(before);

    const rotated = await gw.post('/v1/renew', await gw.renewal(enrolled.certificate, keys, { next: await deviceKeys() }));
    expect(rotated.status).toBe(201);
    expect((await gw.eventsOf(enrolled.deviceId)).at(-1)).toMatchObject({ type: 'DeviceCertificateRenewed', data: { keyRotated: true } });
  });
});
