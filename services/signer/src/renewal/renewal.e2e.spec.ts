import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, MetadataKind } from '@tufjs/models';
import { Updater } from 'tuf-js';
import { signer } from '@keelson/commands';
import type { TufEvent } from '@keelson/events';
import { callCommand } from '@keelson/service-kit';
import { eventually, startSigner, type SignerApp } from '../test-fixtures/signer-app.js';
import { serveTufMetadata, type TufMetadataServer } from '../test-fixtures/tuf-metadata-server.js';

const fleet = 'short-lived';
const ofType = <T extends TufEvent['type']>(events: TufEvent[], type: T) => events.filter((e): e is Extract<TufEvent, { type: T }> => e.type === type);

describe('renewal, with a 4 s timestamp and an 8 s snapshot checked every second', () => {
  let s: SignerApp;
  let facade: TufMetadataServer;
  let work: string;

  beforeAll(async () => {
    s = await startSigner({ KEELSON_TUF_TIMESTAMP_EXPIRY_SECONDS: '4', KEELSON_TUF_SNAPSHOT_EXPIRY_SECONDS: '8', KEELSON_TUF_RENEW_CHECK_SECONDS: '1' });
    facade = await serveTufMetadata(() => s.tufEventsOf(fleet));
    work = mkdtempSync(join(tmpdir(), 'keelson-renewal-'));
  });

  afterAll(async () => {
    await facade.close();
    await s.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('renews the timestamp before it expires, then the snapshot with it, so a device keeps verifying', async () => {
    const { root } = await callCommand(s.nc, s.naming, signer.getRoot, { fleet });
    const firstExpiry = Date.parse(ofType(await s.tufEventsOf(fleet), 'TimestampRenewed')[0]!.data.expires);

    // The timestamp is renewed at half-life, well before the first one expires.
    await eventually(async () => ofType(await s.tufEventsOf(fleet), 'TimestampRenewed').length >= 2, 5_000);
    expect(Date.now()).toBeLessThan(firstExpiry);

    // Past the snapshot's half-life, a new snapshot comes with a timestamp that lists it.
    await eventually(async () => ofType(await s.tufEventsOf(fleet), 'SnapshotSigned').length >= 2, 8_000);
    const events = await s.tufEventsOf(fleet);
    const snapshot = ofType(events, 'SnapshotSigned')[1]!;
    const after = events[events.indexOf(snapshot) + 1];
    expect(after?.type).toBe('TimestampRenewed');
    expect(Metadata.fromJSON(MetadataKind.Timestamp, (after as Extract<TufEvent, { type: 'TimestampRenewed' }>).data.metadata as never).signed.snapshotMeta.version).toBe(snapshot.data.version);
    // Targets and root are far from their expiry: untouched.
    expect(ofType(events, 'TargetsSigned')).toHaveLength(1);
    expect(ofType(events, 'RootMetadataSigned')).toHaveLength(1);
    // Versions form one chain.
    expect(ofType(events, 'TimestampRenewed').map((e) => e.data.version)).toEqual(ofType(events, 'TimestampRenewed').map((_, i) => i + 1));

    // The first timestamp has long expired; a device that pinned the root still verifies today's.
    expect(Date.now()).toBeGreaterThan(firstExpiry);
    const metadataDir = join(work, 'metadata');
    mkdirSync(metadataDir, { recursive: true });
    writeFileSync(join(metadataDir, 'root.json'), JSON.stringify(root));
    await new Updater({ metadataDir, metadataBaseUrl: facade.metadataBaseUrl, config: { fetchRetries: 0 } }).refresh();
  }, 20_000);
});

describe('renewal of the hash bins, with 8 s targets and bins checked every second', () => {
  let s: SignerApp;
  let facade: TufMetadataServer;
  let work: string;
  const binFleet = 'short-bins';

  beforeAll(async () => {
    s = await startSigner({
      KEELSON_TUF_TIMESTAMP_EXPIRY_SECONDS: '4', KEELSON_TUF_SNAPSHOT_EXPIRY_SECONDS: '8', KEELSON_TUF_TARGETS_EXPIRY_SECONDS: '8',
      KEELSON_TUF_RENEW_CHECK_SECONDS: '1', KEELSON_TUF_HASH_BINS: '4',
    });
    facade = await serveTufMetadata(() => s.tufEventsOf(binFleet));
    work = mkdtempSync(join(tmpdir(), 'keelson-bin-renewal-'));
  });

  afterAll(async () => {
    await facade.close();
    await s.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('re-signs every bin with the targets before they expire, so a device still finds its target through its bin', async () => {
    const { root } = await callCommand(s.nc, s.naming, signer.getRoot, { fleet: binFleet });
    const artifact = await s.receive(binFleet, 'detector', '1.0.0', Buffer.from('detector weights'));
    facade.targets.set(artifact.targetPath, artifact.bytes);
    const firstBinExpiry = Date.parse(ofType(await s.tufEventsOf(binFleet), 'DelegatedTargetsSigned')[0]!.data.expires);
    // Past half of the bins' lifetime every bin is signed again, each one version up, before the first ones expire.
    await eventually(async () => new Set(ofType(await s.tufEventsOf(binFleet), 'DelegatedTargetsSigned').filter((e) => e.data.version >= 2 && e.data.targetPaths.length === 0).map((e) => e.data.role)).size === 4, 8_000);
    expect(Date.now()).toBeLessThan(firstBinExpiry);
    await new Promise((r) => setTimeout(r, Math.max(0, firstBinExpiry - Date.now() + 1_000)));
    const metadataDir = join(work, 'metadata');
    mkdirSync(metadataDir, { recursive: true });
    writeFileSync(join(metadataDir, 'root.json'), JSON.stringify(root));
    const updater = new Updater({ metadataDir, metadataBaseUrl: facade.metadataBaseUrl, targetBaseUrl: facade.targetBaseUrl, config: { fetchRetries: 0 } });
    await updater.refresh();
    expect((await updater.getTargetInfo(artifact.targetPath))?.hashes.sha256).toBe(artifact.sha256);
  }, 30_000);
});
