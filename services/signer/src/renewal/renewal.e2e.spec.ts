import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, MetadataKind } from '@tufjs/models';
import { register } from 'prom-client';
import { Updater } from 'tuf-js';
import { signer } from '@keelson/requests';
import type { TufEvent } from '@keelson/events';
import { sendRequest } from '@keelson/service-kit';
import { eventually, TestClock } from '@keelson/testing';
import { startSigner, type SignerApp } from '../test-fixtures/signer-app.js';
import { serveTufMetadata, type TufMetadataServer } from '../test-fixtures/tuf-metadata-server.js';

const fleet = 'short-lived';
const ofType = <T extends TufEvent['type']>(events: TufEvent[], type: T) =>
  events.filter((e): e is Extract<TufEvent, { type: T }> => e.type === type);

// The signer signs and renews by its clock, which each spec starts days in the past (on a whole
// second, as TUF writes expiries) and moves forward to chosen instants; renewal is checked every
// second. Expiries are then exact, and the device that verifies at the end uses its real clock,
// which by then is past the first documents' expiry by days and far from the current ones'.
const second = 1_000;
const hour = 3_600 * second;
const day = 24 * hour;
const wholeSecond = (ms: number) => Math.floor(ms / second) * second;
const tufTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('renewal of the timestamp and snapshot (default lifetimes: 1 day and 7 days)', () => {
  const clock = new TestClock();
  const start = wholeSecond(Date.now()) - 4 * day;
  let s: SignerApp;
  let facade: TufMetadataServer;
  let work: string;

  beforeAll(async () => {
    clock.set(start);
    s = await startSigner({ KEELSON_TUF_RENEW_CHECK_SECONDS: '1' }, undefined, { clock });
    facade = await serveTufMetadata(() => s.tufEventsOf(fleet));
    work = mkdtempSync(join(tmpdir(), 'keelson-renewal-'));
  });

  afterAll(async () => {
    await facade.close();
    await s.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('renews the timestamp at half-life, then the snapshot with it, so a device keeps verifying', async () => {
    const { root } = await sendRequest(s.nc, s.naming, signer.getRoot, { fleet });
    const timestamps = async () => ofType(await s.tufEventsOf(fleet), 'TimestampRenewed');
    expect((await timestamps()).map((e) => e.data.expires)).toEqual([tufTime(start + day)]);

    // Half a day and a second in, the first timestamp has half a day to go: it is renewed now, for a day from now.
    const halfLife = clock.set(start + 12 * hour + second).getTime();
    await eventually(async () => (await timestamps()).length >= 2);
    expect((await timestamps())[1]!.data.expires).toBe(tufTime(halfLife + day));
    // The renewal round exports what it left in force, for the alert that watches renewal.
    const expiryOf = async (role: string) =>
      (await register.getSingleMetric('keelson_tuf_metadata_expiry_timestamp_seconds')?.get())?.values.find(
        (v) => v.labels.fleet === fleet && v.labels.role === role,
      )?.value;
    await eventually(async () => (await expiryOf('timestamp')) === (halfLife + day) / second);
    expect(await expiryOf('root')).toBe(Date.parse((root as { signed: { expires: string } }).signed.expires) / second);

    // Past the snapshot's half-life, a new snapshot comes with a timestamp that lists it.
    const snapshotHalfLife = clock.set(start + 3.5 * day + second).getTime();
    await eventually(async () => ofType(await s.tufEventsOf(fleet), 'SnapshotSigned').length >= 2);
    const events = await s.tufEventsOf(fleet);
    const snapshot = ofType(events, 'SnapshotSigned')[1]!;
    expect(snapshot.data.expires).toBe(tufTime(snapshotHalfLife + 7 * day));
    const after = events[events.indexOf(snapshot) + 1];
    expect(after).toMatchObject({ type: 'TimestampRenewed', data: { expires: tufTime(snapshotHalfLife + day) } });
    expect(
      Metadata.fromJSON(MetadataKind.Timestamp, (after as Extract<TufEvent, { type: 'TimestampRenewed' }>).data.metadata as never).signed
        .snapshotMeta.version,
    ).toBe(snapshot.data.version);
    // Targets and root are far from their expiry: untouched.
    expect(ofType(events, 'TargetsSigned')).toHaveLength(1);
    expect(ofType(events, 'RootMetadataSigned')).toHaveLength(1);
    // Versions form one chain.
    expect(ofType(events, 'TimestampRenewed').map((e) => e.data.version)).toEqual(ofType(events, 'TimestampRenewed').map((_, i) => i + 1));

    // The device's clock is about `start` + 4 days: the first timestamp expired three days ago, today's lasts another half day.
    const metadataDir = join(work, 'metadata');
    mkdirSync(metadataDir, { recursive: true });
    writeFileSync(join(metadataDir, 'root.json'), JSON.stringify(root));
    await new Updater({ metadataDir, metadataBaseUrl: facade.metadataBaseUrl, config: { fetchRetries: 0 } }).refresh();
  });
});

describe('renewal of the hash bins (default 90-day targets, 4 bins)', () => {
  const clock = new TestClock();
  const start = wholeSecond(Date.now()) - 90 * day - hour;
  let s: SignerApp;
  let facade: TufMetadataServer;
  let work: string;
  const binFleet = 'short-bins';

  beforeAll(async () => {
    clock.set(start);
    s = await startSigner({ KEELSON_TUF_RENEW_CHECK_SECONDS: '1', KEELSON_TUF_HASH_BINS: '4' }, undefined, { clock });
    facade = await serveTufMetadata(() => s.tufEventsOf(binFleet));
    work = mkdtempSync(join(tmpdir(), 'keelson-bin-renewal-'));
  });

  afterAll(async () => {
    await facade.close();
    await s.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('re-signs every bin with the targets at half-life, so a device still finds its target through its bin after the first bins expired', async () => {
    const { root } = await sendRequest(s.nc, s.naming, signer.getRoot, { fleet: binFleet });
    const artifact = await s.receive(binFleet, 'detector', '1.0.0', Buffer.from('detector weights'));
    facade.targets.set(artifact.targetPath, artifact.bytes);
    await eventually(async () =>
      ofType(await s.tufEventsOf(binFleet), 'DelegatedTargetsSigned').some((e) => e.data.targetPaths.includes(artifact.targetPath)),
    );
    const bins = async () => ofType(await s.tufEventsOf(binFleet), 'DelegatedTargetsSigned');
    expect(new Set((await bins()).map((e) => e.data.expires))).toEqual(new Set([tufTime(start + 90 * day)]));

    // Half the bins' lifetime and a second in, every bin is signed again, one version up, for 90 days from now.
    const halfLife = clock.set(start + 45 * day + second).getTime();
    const renewed = async () => (await bins()).filter((e) => e.data.version >= 2 && e.data.targetPaths.length === 0);
    await eventually(async () => new Set((await renewed()).map((e) => e.data.role)).size === 4);
    expect((await renewed()).map((e) => e.data.expires)).toEqual(Array(4).fill(tufTime(halfLife + 90 * day)));

    // At the first bins' expiry the renewed ones have half their lifetime left (not due again), while the
    // timestamp and snapshot of the half-life round have lapsed: those are renewed now.
    const today = clock.set(start + 90 * day).getTime();
    await eventually(async () =>
      ofType(await s.tufEventsOf(binFleet), 'TimestampRenewed').some((e) => e.data.expires === tufTime(today + day)),
    );

    // The device's clock is about `start` + 90 days and an hour: the first bins expired an hour ago, the renewed ones last 45 more days.
    const metadataDir = join(work, 'metadata');
    mkdirSync(metadataDir, { recursive: true });
    writeFileSync(join(metadataDir, 'root.json'), JSON.stringify(root));
    const updater = new Updater({
      metadataDir,
      metadataBaseUrl: facade.metadataBaseUrl,
      targetBaseUrl: facade.targetBaseUrl,
      config: { fetchRetries: 0 },
    });
    await updater.refresh();
    expect((await updater.getTargetInfo(artifact.targetPath))?.hashes.sha256).toBe(artifact.sha256);
  });
});
