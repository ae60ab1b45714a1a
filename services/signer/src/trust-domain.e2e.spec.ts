import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuleViolation } from '@keelson/domain-kit';
import { signer } from '@keelson/commands';
import type { TufEvent } from '@keelson/events';
import { callCommand } from '@keelson/service-kit';
import { draftRoot, ed25519KeyOfPrivatePem, expiresAt, rootDocument, signRootDocument } from '@keelson/tuf';
import { FleetKeyring } from './keys/fleet-keyring.js';
import { startSigner, testKeySecret, type SignerApp } from './test-fixtures/signer-app.js';
import { forgeTargetsWith, tufDevices } from './test-fixtures/tuf-devices.js';
import { serveTufMetadata, type TufMetadataServer } from './test-fixtures/tuf-metadata-server.js';

const fleet = 'plant-9';
const offlineKey = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

describe('moving a fleet from the development setup to an offline root, as a tuf-js device sees it', () => {
  let s: SignerApp;
  let facade: TufMetadataServer;
  let work: string;
  let forge: ((events: TufEvent[]) => TufEvent[]) | null = null;
  let device: ReturnType<typeof tufDevices>['device'];
  let publish: ReturnType<typeof tufDevices>['publish'];
  let downloads: ReturnType<typeof tufDevices>['download'];
  const rootKeys = [offlineKey(), offlineKey(), offlineKey()];
  const day = 86_400;

  beforeAll(async () => {
    s = await startSigner();
    facade = await serveTufMetadata(async () => {
      const events = await s.tufEventsOf(fleet);
      return forge ? forge(events) : events;
    });
    work = mkdtempSync(join(tmpdir(), 'keelson-trust-'));
    ({ device, publish, download: downloads } = tufDevices(s, facade, fleet, work));
  });

  afterAll(async () => {
    await facade.close();
    await s.close();
    rmSync(work, { recursive: true, force: true });
  });

  const keyFiles = () => readdirSync(join(s.dataDir, 'keys', fleet));
  const exported = () => callCommand(s.nc, s.naming, signer.exportOnlineKeys, { fleet });
  const importRoot = (root: Record<string, unknown>) => callCommand(s.nc, s.naming, signer.importRoot, { fleet, root });
  const ceremony = async (signers: string[], rotate = false) => {
    const draft = draftRoot(await exported(), rootKeys.map(ed25519KeyOfPrivatePem), 2, expiresAt(new Date(), 365 * day), rotate);
    return signers.reduce((doc, pem) => signRootDocument(doc, pem), rootDocument(draft));
  };

  let pinnedV1: Record<string, unknown>;
  const evil = { targetPath: 'model/evil/6.6.6/evil.onnx', sha256: 'e'.repeat(64), length: 4 };

  it('starts in the development setup: the device pins root v1, the signer holds a root key', async () => {
    const root = await callCommand(s.nc, s.naming, signer.getRoot, { fleet });
    expect(root).toMatchObject({ version: 1, development: true });
    pinnedV1 = root.root;
    const first = await publish('detector', '1.0.0');
    expect(await downloads(device('early', pinnedV1), first)).toEqual(first.bytes);
    expect(keyFiles().some((f) => f.startsWith('root-'))).toBe(true);
  });

  it('refuses an offline root signed below its threshold, and changes nothing', async () => {
    const before = (await s.tufEventsOf(fleet)).length;
    await expect(importRoot(await ceremony([rootKeys[0]!]))).rejects.toThrow(RuleViolation);
    await expect(importRoot(await ceremony([rootKeys[0]!]))).rejects.toMatchObject({ code: 'tuf.signature-invalid' });
    expect((await s.tufEventsOf(fleet)).length).toBe(before);
    expect((await exported()).development).toBe(true);
  });

  it('imports the offline root v2, deletes the online root key, and a device that trusted v1 follows and keeps updating', async () => {
    const reply = await importRoot(await ceremony([rootKeys[0]!, rootKeys[2]!]));
    expect(reply).toEqual({ version: 2, development: false });
    expect(keyFiles().filter((f) => f.startsWith('root-'))).toEqual([]);
    expect(await callCommand(s.nc, s.naming, signer.getRoot, { fleet })).toMatchObject({ version: 2, development: false });

    const second = await publish('detector', '2.0.0');
    expect(await downloads(device('early'), second)).toEqual(second.bytes); // the same device, pinned to v1
    expect(await downloads(device('fresh', pinnedV1), second)).toEqual(second.bytes);
    expect(facade.requests).toContain('/tuf/2.root.json');
  });

  it('never lets the node sign a root again: an import naming no offline threshold of the current root is refused', async () => {
    const online = rootKeys.map(() => offlineKey());
    const draft = draftRoot(await exported(), online.map(ed25519KeyOfPrivatePem), 1, expiresAt(new Date(), 365 * day));
    const signedByNewOnly = signRootDocument(rootDocument(draft), online[0]!);
    await expect(importRoot(signedByNewOnly)).rejects.toMatchObject({ code: 'tuf.signature-invalid' });
  });

  it('rotates the targets key through a new offline root: devices follow, and metadata signed by the revoked key is refused', async () => {
    const oldKeys = await new FleetKeyring({ dir: join(s.dataDir, 'keys'), secret: testKeySecret }).keysOf(fleet);
    // While the old key is in force, what it signs is trusted (so the refusal below is the revocation, not the forgery).
    forge = forgeTargetsWith(oldKeys, evil);
    await device('before-rotation', pinnedV1).refresh();
    expect(await device('before-rotation').getTargetInfo(evil.targetPath)).toBeDefined();
    forge = null;

    const rotated = await callCommand(s.nc, s.naming, signer.rotateOnlineKey, { fleet, role: 'targets' });
    expect(rotated).toMatchObject({ role: 'targets', pending: true, rootVersion: 2 });
    const keys = await exported();
    expect(keys.keys.filter((k) => k.role === 'targets').map((k) => [k.keyId, k.inRoot])).toEqual(
      expect.arrayContaining([[rotated.keyId, false], [oldKeys.keys.targets.keyID, true]]),
    );
    // TUF spec 5.3.4: v3 is signed by the threshold of v2's root keys (the same offline keys here).
    expect(await importRoot(await ceremony([rootKeys[1]!, rootKeys[2]!], true))).toEqual({ version: 3, development: false });
    expect(keyFiles().filter((f) => f.startsWith('targets-'))).toEqual([`targets-${rotated.keyId}.key`]);

    const third = await publish('detector', '3.0.0');
    expect(await downloads(device('early'), third)).toEqual(third.bytes);

    forge = forgeTargetsWith(oldKeys, evil);
    // The forged bin is fetched when the device looks the target up through the delegation.
    const late = device('after-rotation', pinnedV1);
    await late.refresh();
    await expect(late.getTargetInfo(evil.targetPath)).rejects.toThrow(/bins-[0-9a-f]+ was signed by 0\/1 keys/);
    // A device that follows root v3 already refuses it too: it never looked into the evil target's bin, so it fetches the forged one.
    const early = device('early');
    await early.refresh();
    await expect(early.getTargetInfo(evil.targetPath)).rejects.toThrow(/bins-[0-9a-f]+ was signed by 0\/1 keys/);
    forge = null;
  });
});
