import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signer } from '@keelson/requests';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseOperatorEvent, type OperatorEvent } from '@keelson/events';
import { sendRequest } from '@keelson/service-kit';
import { testNamespace } from '@keelson/testing';
import { startSigner, testKeySecret, type SignerApp } from './test-fixtures/signer-app.js';
import { tufDevices } from './test-fixtures/tuf-devices.js';
import { serveTufMetadata, type TufMetadataServer } from './test-fixtures/tuf-metadata-server.js';

const fleet = 'secret-rotation';
const newSecret = 'the signer key secret after the rotation';

/** Every key file of the signer's data directory, as it is on disk. */
function keyFilesOf(dataDir: string): Record<string, string> {
  const dir = join(dataDir, 'keys', fleet);
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

// The runbook's rotation of KEELSON_SIGNER_KEY_SECRET, on the whole signer, as a tuf-js device sees it.
describe('rotating the signer key secret, end to end', () => {
  const share = { naming: testNamespace(), dataDir: mkdtempSync(join(tmpdir(), 'keelson-signer-secret-')) };
  const work = mkdtempSync(join(tmpdir(), 'keelson-secret-rotation-'));
  const env = { KEELSON_TUF_HASH_BINS: '16' };
  let s: SignerApp;
  let facade: TufMetadataServer;

  beforeAll(async () => {
    s = await startSigner(env, share);
    facade = await serveTufMetadata(() => s.tufEventsOf(fleet));
  });

  afterAll(async () => {
    await facade?.close();
    await s?.close();
    rmSync(share.dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  const rotations = async () => {
    const store = new EventStore<OperatorEvent>({ nc: s.nc, naming: share.naming, stream: eventStreams.signer, parse: parseOperatorEvent });
    return (await store.load(store.subject('signer', 'default', 'signer-key'))).events;
  };

  it('keeps publishing and verifying across the rotation, audits it once, and leaves the old secret useless', async () => {
    const pinned = (await sendRequest(s.nc, s.naming, signer.getRoot, { fleet })).root;
    const before = tufDevices(s, facade, fleet, work);
    const first = await before.publish('counter', '1.0.0');
    expect(await before.download(before.device('cam', pinned), first)).toEqual(first.bytes);
    await s.close();
    const sealedUnderOld = keyFilesOf(share.dataDir);

    // A wrong _PREVIOUS refuses the start, names the variables and no value, and changes no file.
    const wrongPrevious = startSigner(
      { ...env, KEELSON_SIGNER_KEY_SECRET: newSecret, KEELSON_SIGNER_KEY_SECRET_PREVIOUS: 'not the secret the keys are under' },
      share,
    );
    await expect(wrongPrevious).rejects.toThrow(
      /neither KEELSON_SIGNER_KEY_SECRET nor KEELSON_SIGNER_KEY_SECRET_PREVIOUS opens signer key secret-rotation\//,
    );
    await expect(wrongPrevious).rejects.not.toThrow(/not the secret|after the rotation/);
    expect(keyFilesOf(share.dataDir)).toEqual(sealedUnderOld);

    s = await startSigner({ ...env, KEELSON_SIGNER_KEY_SECRET: newSecret, KEELSON_SIGNER_KEY_SECRET_PREVIOUS: testKeySecret }, share);
    const events = await rotations();
    expect(events.map((r) => [r.event, r.meta.actor])).toEqual([
      [
        {
          type: 'PlatformSecretRotated',
          schemaVersion: 1,
          data: { fleet: 'default', credential: 'KEELSON_SIGNER_KEY_SECRET', service: 'signer', keys: 4, rotatedAt: expect.any(String) },
        },
        { kind: 'service', id: 'signer' },
      ],
    ]);
    expect(JSON.stringify(events)).not.toContain(newSecret);
    expect(JSON.stringify(events)).not.toContain(testKeySecret);
    expect(Object.keys(keyFilesOf(share.dataDir))).toEqual(Object.keys(sealedUnderOld)); // the same keys, by key id
    await s.close();

    // The previous secret can go: the signer starts on the new one alone, records nothing more and
    // signs with the same keys, so devices that trusted the old root keep verifying without a new one.
    s = await startSigner({ ...env, KEELSON_SIGNER_KEY_SECRET: newSecret }, share);
    expect(await rotations()).toHaveLength(1);
    expect(await sendRequest(s.nc, s.naming, signer.getRoot, { fleet })).toMatchObject({ version: 1, root: pinned });
    const devices = tufDevices(s, facade, fleet, work);
    const second = await devices.publish('counter', '2.0.0');
    expect(await devices.download(devices.device('cam'), second)).toEqual(second.bytes);
    expect(await devices.download(devices.device('fresh', pinned), second)).toEqual(second.bytes);
    await s.close();

    // The old secret opens nothing any more.
    await expect(startSigner({ ...env, KEELSON_SIGNER_KEY_SECRET: testKeySecret }, share)).rejects.toThrow(
      /KEELSON_SIGNER_KEY_SECRET does not open signer key secret-rotation\//,
    );
    s = await startSigner({ ...env, KEELSON_SIGNER_KEY_SECRET: newSecret }, share);
  });
});
