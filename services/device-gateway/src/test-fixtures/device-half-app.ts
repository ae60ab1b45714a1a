import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent, type DeviceHardware } from '@keelson/events';
import { openDatabase, type Database } from '@keelson/postgres';
import { createServiceApp, InfrastructureModule, loadServiceConfig, type InfrastructureOptions } from '@keelson/service-kit';
import { connectTestNats, createTestDatabase, testEnv, testNamespace, type TestDatabase, type TestNamespace } from '@keelson/testing';
import { deviceModules } from '../app.module.js';

/** The device half of the gateway running against the run's NATS and a database of its own. */
export interface DeviceHalfApp {
  app: INestApplication;
  nc: NatsConnection;
  db: Database;
  naming: TestNamespace;
  devices: EventStore<DeviceEvent>;
  /** Appends `DeviceEnrolled` at sequence 0, as enrollment does (labels `line: 7` and no hardware unless given). */
  enroll(
    fleet: string,
    deviceId: string,
    name: string,
    profile?: { labels?: Record<string, string>; hardware?: DeviceHardware },
  ): Promise<void>;
  eventsOf(fleet: string, deviceId: string): Promise<DeviceEvent[]>;
  /** The devices read model's `last_seen_at` in epoch ms; NaN while the projection has no row for it yet. */
  lastSeenAt(deviceId: string): Promise<number>;
  close(): Promise<void>;
}

/** `infrastructure.clock` is the time it hears devices and judges their silence by (default: the system clock). */
export async function startDeviceHalf(
  env: Record<string, string> = {},
  infrastructure: InfrastructureOptions = {},
): Promise<DeviceHalfApp> {
  const naming = testNamespace();
  const nc = await connectTestNats();
  const testDb: TestDatabase = await createTestDatabase();
  const db = await openDatabase({ url: testDb.url });
  const dataDir = mkdtempSync(join(tmpdir(), 'keelson-gw-devices-'));
  const { natsUrl, natsUser, natsPass } = testEnv();
  const config = loadServiceConfig('device-gateway', {
    KEELSON_NATS_URL: natsUrl,
    KEELSON_NATS_USER: natsUser,
    KEELSON_NATS_PASSWORD: natsPass,
    KEELSON_DATABASE_URL: testDb.url,
    KEELSON_DATA_DIR: dataDir,
    KEELSON_STREAM_PREFIX: naming.streamPrefix,
    KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
    ...env,
  });
  @Module({ imports: [InfrastructureModule.forRoot(config, infrastructure), ...deviceModules] })
  class DeviceHalfModule {}
  const app = await createServiceApp(DeviceHalfModule, config);
  await app.init();
  const devices = new EventStore<DeviceEvent>({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
  let n = 0;
  return {
    app,
    nc,
    db,
    naming,
    devices,
    async enroll(fleet, deviceId, name, profile = {}) {
      await devices.append(
        devices.subject('device', fleet, deviceId),
        0,
        [
          {
            type: 'DeviceEnrolled',
            schemaVersion: 1,
            data: {
              fleet,
              deviceId,
              name,
              certificateSerial: '0a',
              certificateFingerprint: 'c'.repeat(64),
              labels: profile.labels ?? { line: '7' },
              hardware: profile.hardware ?? {},
              enrolledWith: 'et-1',
            },
          },
        ],
        { actor: { kind: 'device', id: deviceId }, correlationId: 'enroll', commandId: `enroll-${deviceId}-${++n}` },
      );
    },
    async eventsOf(fleet, deviceId) {
      return (await devices.load(devices.subject('device', fleet, deviceId))).events.map((r) => r.event);
    },
    async lastSeenAt(deviceId) {
      const row = (await db.query<{ last_seen_at: string | Date }>('SELECT last_seen_at FROM devices WHERE device_id = $1', [deviceId]))[0];
      return row ? new Date(row.last_seen_at).getTime() : Number.NaN;
    },
    async close() {
      await app.close();
      await nc.close();
      await db.close();
      await testDb.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
