import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseOperatorEvent, type OperatorEvent } from '@keelson/events';
import { SealedKeyRefused } from '@keelson/service-kit';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { DeviceCertificateAuthority } from './device-ca.js';
import { rotateDeviceCaKeys } from './device-ca-key-rotation.js';

const oldSecret = 'the device CA secret before the rotation';
const newSecret = 'the device CA secret after the rotation';
const now = new Date('2026-11-23T11:00:00.000Z');

// KEELSON_DEVICE_CA_KEY_SECRET rotated: the gateway starts with the new secret and the old one as _PREVIOUS.
describe('rotating the device CA key secret', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let store: EventStore<OperatorEvent>;
  let dir: string;

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.gateway]);
    store = new EventStore({ nc, naming, stream: eventStreams.gateway, parse: parseOperatorEvent });
    dir = mkdtempSync(join(tmpdir(), 'keelson-ca-rotation-'));
  });
  afterAll(async () => {
    await nc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("re-seals every fleet's CA key under the new secret, keeps each CA, and audits it once without a secret", async () => {
    const before = new DeviceCertificateAuthority({ dir, keySecret: oldSecret });
    const certs = { 'plant-7': await before.caCertificatePem('plant-7'), 'plant-8': await before.caCertificatePem('plant-8') };

    const rotating = new DeviceCertificateAuthority({ dir, keySecret: newSecret, previousKeySecret: oldSecret });
    expect(await rotateDeviceCaKeys(rotating, store, 'default', now)).toBe(2);

    const after = new DeviceCertificateAuthority({ dir, keySecret: newSecret });
    expect(await after.caCertificatePem('plant-7')).toBe(certs['plant-7']);
    expect(await after.caCertificatePem('plant-8')).toBe(certs['plant-8']);
    await expect(new DeviceCertificateAuthority({ dir, keySecret: oldSecret }).caCertificatePem('plant-7')).rejects.toThrow(
      SealedKeyRefused,
    );

    const { events } = await store.load(store.subject('enrollment', 'default', 'device-ca-key'));
    expect(events.map((r) => ({ event: r.event, actor: r.meta.actor }))).toEqual([
      {
        event: {
          type: 'PlatformSecretRotated',
          schemaVersion: 1,
          data: {
            fleet: 'default',
            credential: 'KEELSON_DEVICE_CA_KEY_SECRET',
            service: 'device-gateway',
            keys: 2,
            rotatedAt: now.toISOString(),
          },
        },
        actor: { kind: 'service', id: 'device-gateway' },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(oldSecret);
    expect(JSON.stringify(events)).not.toContain(newSecret);

    // A restart with _PREVIOUS still set finds nothing left to re-seal and records nothing.
    expect(await rotateDeviceCaKeys(rotating, store, 'default', now)).toBe(0);
    expect((await store.load(store.subject('enrollment', 'default', 'device-ca-key'))).events).toHaveLength(1);
  });

  it('opens a key still under the previous secret on first use, re-sealing it then', async () => {
    const fleetDir = join(dir, 'plant-9');
    await new DeviceCertificateAuthority({ dir, keySecret: oldSecret }).caCertificatePem('plant-9');
    const sealedBefore = readFileSync(join(fleetDir, 'ca.key.sealed'), 'utf8');
    await new DeviceCertificateAuthority({ dir, keySecret: newSecret, previousKeySecret: oldSecret }).caCertificatePem('plant-9');
    expect(readFileSync(join(fleetDir, 'ca.key.sealed'), 'utf8')).not.toBe(sealedBefore);
    await expect(new DeviceCertificateAuthority({ dir, keySecret: newSecret }).caCertificatePem('plant-9')).resolves.toContain(
      'BEGIN CERTIFICATE',
    );
  });

  it('refuses to start with a key neither secret opens, naming both variables', async () => {
    const wrong = new DeviceCertificateAuthority({
      dir,
      keySecret: 'a third secret, of some length',
      previousKeySecret: 'a fourth secret, also long enough',
    });
    await expect(rotateDeviceCaKeys(wrong, store, 'default', now)).rejects.toThrow(
      /neither KEELSON_DEVICE_CA_KEY_SECRET nor KEELSON_DEVICE_CA_KEY_SECRET_PREVIOUS opens device-ca\/plant-7/,
    );
  });
});
