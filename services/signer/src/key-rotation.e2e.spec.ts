import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInput } from '@keelson/domain-kit';
import { signer } from '@keelson/requests';
import type { TufEvent } from '@keelson/events';
import { sendRequest } from '@keelson/service-kit';
import { FleetKeyring } from './keys/fleet-keyring.js';
import { startSigner, testKeySecret, type SignerApp } from './test-fixtures/signer-app.js';
import { forgeTargetsWith, tufDevices } from './test-fixtures/tuf-devices.js';
import { serveTufMetadata, type TufMetadataServer } from './test-fixtures/tuf-metadata-server.js';

const fleet = 'dev-rotation';

describe('rotating online keys in the development setup, as a tuf-js device sees it', () => {
  let s: SignerApp;
  let facade: TufMetadataServer;
  let work: string;
  let forge: ((events: TufEvent[]) => TufEvent[]) | null = null;
  let devices: ReturnType<typeof tufDevices>;
  let pinned: Record<string, unknown>;

  beforeAll(async () => {
    s = await startSigner();
    facade = await serveTufMetadata(async () => {
      const events = await s.tufEventsOf(fleet);
      return forge ? forge(events) : events;
    });
    work = mkdtempSync(join(tmpdir(), 'keelson-rotation-'));
    devices = tufDevices(s, facade, fleet, work);
    pinned = (await sendRequest(s.nc, s.naming, signer.getRoot, { fleet })).root;
  });

  afterAll(async () => {
    await facade.close();
    await s.close();
    rmSync(work, { recursive: true, force: true });
  });

  const rotate = (role: 'targets' | 'snapshot' | 'timestamp') => sendRequest(s.nc, s.naming, signer.rotateOnlineKey, { fleet, role });
  const filesOf = (role: string) => readdirSync(join(s.dataDir, 'keys', fleet)).filter((f) => f.startsWith(`${role}-`));
  const keyringKeys = () => new FleetKeyring({ dir: join(s.dataDir, 'keys'), secret: testKeySecret }).keysOf(fleet);

  it('puts a new targets key in force at once with a root the signer signs, and the old key is revoked', async () => {
    const first = await devices.publish('counter', '1.0.0');
    expect(await devices.download(devices.device('cam', pinned), first)).toEqual(first.bytes);
    const old = await keyringKeys();

    const rotated = await rotate('targets');
    expect(rotated).toMatchObject({ role: 'targets', pending: false, rootVersion: 2 });
    expect(filesOf('targets')).toEqual([`targets-${rotated.keyId}.key`]);
    const root = await sendRequest(s.nc, s.naming, signer.getRoot, { fleet });
    expect(root).toMatchObject({ version: 2, development: true });
    expect((root.root.signed as { roles: { targets: { keyids: string[] } } }).roles.targets.keyids).toEqual([rotated.keyId]);
    // The hash bins are trusted through the targets key: the rotation re-signed every one of them.
    const events = await s.tufEventsOf(fleet);
    const rotation = events.slice(events.findLastIndex((e) => e.type === 'RootMetadataSigned'));
    expect(rotation.filter((e) => e.type === 'DelegatedTargetsSigned')).toHaveLength(256);

    const second = await devices.publish('counter', '2.0.0');
    expect(await devices.download(devices.device('cam'), second)).toEqual(second.bytes);

    forge = forgeTargetsWith(old, { targetPath: 'model/evil/1.0.0/evil.onnx', sha256: 'f'.repeat(64), length: 9 });
    // The forged bin is fetched when the device looks the target up through the delegation.
    const late = devices.device('late', pinned);
    await late.refresh();
    await expect(late.getTargetInfo('model/evil/1.0.0/evil.onnx')).rejects.toThrow(/bins-[0-9a-f]+ was signed by 0\/1 keys/);
    forge = null;
  });

  it('rotates the snapshot and the timestamp keys too: the device drops what the old keys signed and keeps updating', async () => {
    const first = await devices.publish('meter', '1.0.0');
    expect(await devices.download(devices.device('meter-cam', pinned), first)).toEqual(first.bytes); // holds what the old keys signed
    const { version } = await sendRequest(s.nc, s.naming, signer.getRoot, { fleet });
    expect(await rotate('snapshot')).toMatchObject({ pending: false, rootVersion: version + 1 });
    expect(await rotate('timestamp')).toMatchObject({ pending: false, rootVersion: version + 2 });
    expect(filesOf('snapshot')).toHaveLength(1);
    expect(filesOf('timestamp')).toHaveLength(1);
    const second = await devices.publish('meter', '2.0.0');
    expect(await devices.download(devices.device('meter-cam'), second)).toEqual(second.bytes);
    expect(await devices.download(devices.device('fresh', pinned), second)).toEqual(second.bytes);
    expect(facade.requests).toEqual(expect.arrayContaining([`/tuf/${version + 1}.root.json`, `/tuf/${version + 2}.root.json`]));
  });

  it('refuses to rotate a key that is not an online role', async () => {
    // The signer's own contract check refuses it (the client sends whatever it is given), naming the field.
    const refused = await sendRequest(s.nc, s.naming, signer.rotateOnlineKey, { fleet, role: 'root' } as never).catch(
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(InvalidInput);
    expect((refused as InvalidInput).issues.map((i) => i.path.join('.'))).toEqual(['role']);
    expect(filesOf('root')).toHaveLength(1);
  });
});
