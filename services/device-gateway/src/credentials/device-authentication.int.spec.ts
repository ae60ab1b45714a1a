import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { gateway } from '@keelson/commands';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { callCommand, serveCommands, ServiceError } from '@keelson/service-kit';
import { connectTestNats, createTestDatabase, testNamespace, type TestDatabase } from '@keelson/testing';
import { credentialsMigrations } from './credentials.migrations.js';
import { authenticateDeviceHandler } from './device-authentication.js';
import { DeviceCredentialsStore } from './device-credentials.store.js';
import { mintDevicePassword } from './device-password.js';

const naming = testNamespace();

describe('cmd.gateway.authenticate-device against real NATS and PostgreSQL', () => {
  let nc: NatsConnection;
  let testDb: TestDatabase;
  let db: Database;
  let subscriptions: Subscription[];
  const passwords: Record<string, string> = {};

  const authenticate = (deviceId: string, password: string) => callCommand(nc, naming, gateway.authenticateDevice, { deviceId, password });
  const refusalOf = (deviceId: string, password: string) =>
    authenticate(deviceId, password).then(
      () => 'accepted',
      (err: unknown) => (err instanceof ServiceError ? `${err.kind} ${err.code} ${err.message}` : String(err)),
    );

  beforeAll(async () => {
    nc = await connectTestNats();
    testDb = await createTestDatabase();
    db = await openDatabase({ url: testDb.url });
    await migrate(db, credentialsMigrations);
    const credentials = new DeviceCredentialsStore(db);
    for (const [deviceId, fleet] of [['d-cam-1', 'plant-7'], ['d-cam-2', 'plant-9'], ['d-retired', 'plant-7']] as const) {
      const { password, stored } = mintDevicePassword();
      passwords[deviceId] = password;
      await credentials.record({ deviceId, fleet, password: stored, issuedAt: new Date() });
    }
    await db.transaction((sql) => DeviceCredentialsStore.revoke(sql, 'd-retired', new Date()));
    subscriptions = serveCommands(nc, naming, [authenticateDeviceHandler(credentials)]);
    await nc.flush();
  });

  afterAll(async () => {
    await Promise.all(subscriptions.map((s) => s.drain()));
    await nc.close();
    await db.close();
    await testDb.drop();
  });

  it("accepts a device's own password and names its fleet", async () => {
    await expect(authenticate('d-cam-1', passwords['d-cam-1']!)).resolves.toEqual({ fleet: 'plant-7', deviceId: 'd-cam-1' });
    await expect(authenticate('d-cam-2', passwords['d-cam-2']!)).resolves.toEqual({ fleet: 'plant-9', deviceId: 'd-cam-2' });
  });

  it('refuses a wrong password, an unknown device, revoked credentials and a malformed id alike, without saying which', async () => {
    const refusals = await Promise.all([
      refusalOf('d-cam-1', passwords['d-cam-2']!),
      refusalOf('d-nobody', passwords['d-cam-1']!),
      refusalOf('d-retired', passwords['d-retired']!),
      refusalOf('D-CAM-1', passwords['d-cam-1']!),
    ]);
    expect(new Set(refusals)).toEqual(new Set(['Unauthorized device.unauthenticated gateway: the device credentials were not accepted']));
  });

  it('never echoes the presented password in the refusal', async () => {
    const secret = 'correct-horse-battery-staple-0123456789';
    await expect(refusalOf('d-cam-1', secret)).resolves.not.toContain(secret);
  });
});
