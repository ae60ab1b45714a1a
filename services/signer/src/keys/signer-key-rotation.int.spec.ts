import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Metadata, MetadataKind, Timestamp } from '@tufjs/models';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseOperatorEvent, type OperatorEvent } from '@keelson/events';
import { SealedKeyRefused } from '@keelson/service-kit';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { specVersion, tufRoles } from '@keelson/tuf';
import { FleetKeyring } from './fleet-keyring.js';
import { rotateSignerKeys, signerKeySubject } from './signer-key-rotation.js';

const secretA = 'the signer key secret before the rotation';
const secretB = 'the signer key secret after the rotation';
const now = () => new Date('2026-11-23T12:00:00.000Z');

const keyIdsOf = async (keyring: FleetKeyring, fleet: string) =>
  (await keyring.keysOf(fleet)).held.map((h) => `${h.role}:${h.key.keyID}`).sort();

/** Every key file of every fleet under `dir`, by path, as it is on disk. */
function filesOn(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const fleet of readdirSync(dir))
    for (const file of readdirSync(join(dir, fleet))) files[`${fleet}/${file}`] = readFileSync(join(dir, fleet, file), 'utf8');
  return files;
}

// KEELSON_SIGNER_KEY_SECRET rotated: the signer starts with B as the secret and A as _PREVIOUS.
describe('rotating the signer key secret', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let store: EventStore<OperatorEvent>;
  let dir: string;

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.signer]);
    store = new EventStore({ nc, naming, stream: eventStreams.signer, parse: parseOperatorEvent });
  });
  afterAll(() => nc?.close());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keelson-signer-rotation-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("re-seals every fleet's keys at start under B, keeps every key, and audits it once without a secret", async () => {
    const underA = new FleetKeyring({ dir, secret: secretA });
    const before = { 'plant-1': await keyIdsOf(underA, 'plant-1'), 'plant-2': await keyIdsOf(underA, 'plant-2') };
    await underA.addKey('plant-2', 'targets'); // a pending key is re-sealed too
    before['plant-2'] = await keyIdsOf(new FleetKeyring({ dir, secret: secretA }), 'plant-2');

    const restarted = new FleetKeyring({ dir, secret: secretB, previousSecret: secretA });
    expect(await rotateSignerKeys(restarted, store, 'rot-audit', now)).toEqual({ fleets: ['plant-1', 'plant-2'], resealed: 9 });

    const underB = new FleetKeyring({ dir, secret: secretB });
    expect(await keyIdsOf(underB, 'plant-1')).toEqual(before['plant-1']);
    expect(await keyIdsOf(underB, 'plant-2')).toEqual(before['plant-2']);
    await expect(new FleetKeyring({ dir, secret: secretA }).openAll()).rejects.toThrow(SealedKeyRefused);

    const { events } = await store.load(signerKeySubject(store, 'rot-audit'));
    expect(events.map((r) => ({ subject: r.subject, event: r.event, actor: r.meta.actor }))).toEqual([
      {
        subject: `${naming.subjectPrefix}ev.signer.rot-audit.signer-key`,
        event: {
          type: 'PlatformSecretRotated',
          schemaVersion: 1,
          data: { fleet: 'rot-audit', credential: 'KEELSON_SIGNER_KEY_SECRET', service: 'signer', keys: 9, rotatedAt: now().toISOString() },
        },
        actor: { kind: 'service', id: 'signer' },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(secretA);
    expect(JSON.stringify(events)).not.toContain(secretB);

    // A second restart with _PREVIOUS still set finds nothing left to re-seal and records nothing.
    const again = new FleetKeyring({ dir, secret: secretB, previousSecret: secretA });
    expect(await rotateSignerKeys(again, store, 'rot-audit', now)).toEqual({ fleets: ['plant-1', 'plant-2'], resealed: 0 });
    expect((await store.load(signerKeySubject(store, 'rot-audit'))).events).toHaveLength(1);
  });

  it('signs with the same keys after the rotation: what B opens verifies with the public keys of before', async () => {
    const underA = await new FleetKeyring({ dir, secret: secretA }).keysOf('plant-3');
    await rotateSignerKeys(new FleetKeyring({ dir, secret: secretB, previousSecret: secretA }), store, 'rot-sign', now);
    const underB = await new FleetKeyring({ dir, secret: secretB }).keysOf('plant-3');
    for (const role of tufRoles) expect(underB.keys[role].keyID).toBe(underA.keys[role].keyID);
    const signed = await underB.sign('timestamp', new Timestamp({ version: 1, specVersion, expires: '2030-01-01T00:00:00Z' }));
    const metadata = Metadata.fromJSON(MetadataKind.Timestamp, signed as never);
    expect(() => underA.keys.timestamp.verifySignature(metadata)).not.toThrow();
    expect(Object.keys(metadata.signatures)).toEqual([underA.keys.timestamp.keyID]);
  });

  it('refuses to start when _PREVIOUS is wrong, naming the variables and no secret, and changes nothing on disk', async () => {
    await new FleetKeyring({ dir, secret: secretA }).keysOf('plant-4');
    const onDisk = filesOn(dir);
    const wrong = new FleetKeyring({ dir, secret: secretB, previousSecret: 'not the secret the keys were sealed under' });
    const refused = rotateSignerKeys(wrong, store, 'rot-wrong', now);
    await expect(refused).rejects.toThrow(SealedKeyRefused);
    await expect(refused).rejects.toThrow(
      /neither KEELSON_SIGNER_KEY_SECRET nor KEELSON_SIGNER_KEY_SECRET_PREVIOUS opens signer key plant-4\//,
    );
    await expect(refused).rejects.not.toThrow(/not the secret|before the rotation|after the rotation/);
    expect(filesOn(dir)).toEqual(onDisk);
    expect((await store.load(signerKeySubject(store, 'rot-wrong'))).events).toEqual([]);
  });
});
