import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuleViolation } from '@keelson/domain-kit';
import { signer } from '@keelson/requests';
import type { TufEvent } from '@keelson/events';
import { sendRequest } from '@keelson/service-kit';
import { draftRoot, ed25519KeyOfPrivatePem, expiresAt, rootDocument, signRootDocument } from '@keelson/tuf';
import { FleetKeyring } from './keys/fleet-keyring.js';
import { startSigner, testKeySecret, type SignerApp } from './test-fixtures/signer-app.js';
import { forgeTargetsWith, tufDevices } from './test-fixtures/tuf-devices.js';
import { serveTufMetadata, type TufMetadataServer } from './test-fixtures/tuf-metadata-server.js';

const offlineKey = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

describe('moving a fleet from the development setup to an offline root, as a tuf-js device sees it', () => {
  let s: SignerApp;
  let work: string;
  const facades: TufMetadataServer[] = [];
  const rootKeys = [offlineKey(), offlineKey(), offlineKey()];
  const day = 86_400;
  const evil = { targetPath: 'model/evil/6.6.6/evil.onnx', sha256: 'e'.repeat(64), length: 4 };

  beforeAll(async () => {
    s = await startSigner({ KEELSON_TUF_HASH_BINS: '16' }); // fewer bins to sign for each test's new fleet
    work = mkdtempSync(join(tmpdir(), 'keelson-trust-'));
  });

  afterAll(async () => {
    await Promise.all(facades.map((f) => f.close()));
    await s.close();
    rmSync(work, { recursive: true, force: true });
  });

  /**
   * A fleet of the test's own in the development setup (its first get-root creates it), served to
   * tuf-js devices; `pinnedV1` is the root a device pins at enrollment. `forge` swaps in what a
   * holder of a stolen key would serve.
   */
  async function devFleet(fleet: string) {
    let forge: ((events: TufEvent[]) => TufEvent[]) | null = null;
    const facade = await serveTufMetadata(async () => {
      const events = await s.tufEventsOf(fleet);
      return forge ? forge(events) : events;
    });
    facades.push(facade);
    const exported = () => sendRequest(s.nc, s.naming, signer.exportOnlineKeys, { fleet });
    const ceremony = async (signers: string[], rotate = false) => {
      const draft = draftRoot(await exported(), rootKeys.map(ed25519KeyOfPrivatePem), 2, expiresAt(new Date(), 365 * day), rotate);
      return signers.reduce((doc, pem) => signRootDocument(doc, pem), rootDocument(draft));
    };
    const root = await sendRequest(s.nc, s.naming, signer.getRoot, { fleet });
    return {
      ...tufDevices(s, facade, fleet, join(work, fleet)),
      facade,
      root,
      pinnedV1: root.root,
      exported,
      ceremony,
      importRoot: (doc: Record<string, unknown>) => sendRequest(s.nc, s.naming, signer.importRoot, { fleet, root: doc }),
      keyFiles: () => readdirSync(join(s.dataDir, 'keys', fleet)),
      forge: (f: typeof forge) => void (forge = f),
      keysOf: () => new FleetKeyring({ dir: join(s.dataDir, 'keys'), secret: testKeySecret }).keysOf(fleet),
    };
  }

  /** A fleet after the ceremony that imported the offline root v2 (signed by root keys 0 and 2). */
  async function offlineFleet(fleet: string) {
    const f = await devFleet(fleet);
    expect(await f.importRoot(await f.ceremony([rootKeys[0]!, rootKeys[2]!]))).toEqual({ version: 2, development: false });
    return f;
  }

  it('starts in the development setup: the device pins root v1, the signer holds a root key', async () => {
    const f = await devFleet('plant-9-dev');
    expect(f.root).toMatchObject({ version: 1, development: true });
    const first = await f.publish('detector', '1.0.0');
    expect(await f.download(f.device('early', f.pinnedV1), first)).toEqual(first.bytes);
    expect(f.keyFiles().some((k) => k.startsWith('root-'))).toBe(true);
  });

  it('refuses an offline root signed below its threshold, and changes nothing', async () => {
    const f = await devFleet('plant-9-threshold');
    const before = (await s.tufEventsOf('plant-9-threshold')).length;
    await expect(f.importRoot(await f.ceremony([rootKeys[0]!]))).rejects.toThrow(RuleViolation);
    await expect(f.importRoot(await f.ceremony([rootKeys[0]!]))).rejects.toMatchObject({ code: 'tuf.signature-invalid' });
    expect((await s.tufEventsOf('plant-9-threshold')).length).toBe(before);
    expect((await f.exported()).development).toBe(true);
  });

  it('imports the offline root v2, deletes the online root key, and a device that trusted v1 follows and keeps updating', async () => {
    const f = await devFleet('plant-9-import');
    const first = await f.publish('detector', '1.0.0');
    expect(await f.download(f.device('early', f.pinnedV1), first)).toEqual(first.bytes);

    const reply = await f.importRoot(await f.ceremony([rootKeys[0]!, rootKeys[2]!]));
    expect(reply).toEqual({ version: 2, development: false });
    expect(f.keyFiles().filter((k) => k.startsWith('root-'))).toEqual([]);
    expect(await sendRequest(s.nc, s.naming, signer.getRoot, { fleet: 'plant-9-import' })).toMatchObject({
      version: 2,
      development: false,
    });

    const second = await f.publish('detector', '2.0.0');
    expect(await f.download(f.device('early'), second)).toEqual(second.bytes); // the same device, pinned to v1
    expect(await f.download(f.device('fresh', f.pinnedV1), second)).toEqual(second.bytes);
    expect(f.facade.requests).toContain('/tuf/2.root.json');
  });

  it('never lets the node sign a root again: an import naming no offline threshold of the current root is refused', async () => {
    const f = await offlineFleet('plant-9-sealed');
    const online = rootKeys.map(() => offlineKey());
    const draft = draftRoot(await f.exported(), online.map(ed25519KeyOfPrivatePem), 1, expiresAt(new Date(), 365 * day));
    const signedByNewOnly = signRootDocument(rootDocument(draft), online[0]!);
    await expect(f.importRoot(signedByNewOnly)).rejects.toMatchObject({ code: 'tuf.signature-invalid' });
  });

  it('rotates the targets key through a new offline root: devices follow, and metadata signed by the revoked key is refused', async () => {
    const f = await offlineFleet('plant-9-rotation');
    await f.device('early', f.pinnedV1).refresh(); // a device that follows root v2 before the rotation
    const oldKeys = await f.keysOf();
    // While the old key is in force, what it signs is trusted (so the refusal below is the revocation, not the forgery).
    f.forge(forgeTargetsWith(oldKeys, evil));
    await f.device('before-rotation', f.pinnedV1).refresh();
    expect(await f.device('before-rotation').getTargetInfo(evil.targetPath)).toMatchObject({
      length: evil.length,
      hashes: { sha256: evil.sha256 },
    });
    f.forge(null);

    const rotated = await sendRequest(s.nc, s.naming, signer.rotateOnlineKey, { fleet: 'plant-9-rotation', role: 'targets' });
    expect(rotated).toMatchObject({ role: 'targets', pending: true, rootVersion: 2 });
    const keys = await f.exported();
    expect(keys.keys.filter((k) => k.role === 'targets').map((k) => [k.keyId, k.inRoot])).toEqual(
      expect.arrayContaining([
        [rotated.keyId, false],
        [oldKeys.keys.targets.keyID, true],
      ]),
    );
    // TUF spec 5.3.4: v3 is signed by the threshold of v2's root keys (the same offline keys here).
    expect(await f.importRoot(await f.ceremony([rootKeys[1]!, rootKeys[2]!], true))).toEqual({ version: 3, development: false });
    expect(f.keyFiles().filter((k) => k.startsWith('targets-'))).toEqual([`targets-${rotated.keyId}.key`]);

    const third = await f.publish('detector', '3.0.0');
    expect(await f.download(f.device('early'), third)).toEqual(third.bytes);

    f.forge(forgeTargetsWith(oldKeys, evil));
    // The forged bin is fetched when the device looks the target up through the delegation.
    const late = f.device('after-rotation', f.pinnedV1);
    await late.refresh();
    await expect(late.getTargetInfo(evil.targetPath)).rejects.toThrow(/bins-[0-9a-f]+ was signed by 0\/1 keys/);
    // A device that follows root v3 already refuses it too: it never looked into the evil target's bin, so it fetches the forged one.
    const early = f.device('early');
    await early.refresh();
    await expect(early.getTargetInfo(evil.targetPath)).rejects.toThrow(/bins-[0-9a-f]+ was signed by 0\/1 keys/);
    f.forge(null);
  });
});
