import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Metadata, MetadataKind } from '@tufjs/models';
import { RuleViolation } from '@keelson/domain-kit';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseTufEvent, type TufEvent } from '@keelson/events';
import { defaultLifetimes, type TargetEntry } from '@keelson/tuf';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { FleetKeyring } from '../keys/fleet-keyring.js';
import { flatRepositoryEvents } from '../test-fixtures/flat-repository.js';
import { testKeySecret as secret } from '../test-fixtures/signer-app.js';
import { TufRepositories } from './tuf-repositories.js';

/** The data of a signing event (every TUF event but the initialisation). */
function signedData(e: TufEvent | undefined): { version: number; expires: string; metadata: Record<string, unknown> } {
  if (!e || e.type === 'TufRepositoryInitialised') throw new Error(`not a signing event: ${e?.type}`);
  return e.data;
}

const meta = (id: string) => ({ actor: { kind: 'service' as const, id: 'signer' }, correlationId: id, commandId: id });
const entry = (i: number): TargetEntry => ({
  path: `config/settings/${i}.0.0/settings.json`,
  length: i,
  sha256: i.toString(16).padStart(64, '0'),
  custom: { keelson: { artifactId: `art-${i}`, manifest: { kind: 'config', format: 'json' } } },
});

describe('TUF repositories against real NATS, with two signer replicas', () => {
  let nc: NatsConnection;
  let dir: string;
  let store: EventStore<TufEvent>;
  let a: TufRepositories;
  let b: TufRepositories;
  let warnings: string[];
  let n = 0;
  const id = () => `cmd-${++n}`;

  beforeAll(async () => {
    nc = await connectTestNats();
    const naming = testNamespace();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.signer]);
    dir = mkdtempSync(join(tmpdir(), 'keelson-signer-keys-'));
    warnings = [];
    store = new EventStore<TufEvent>({ nc, naming, stream: eventStreams.signer, parse: parseTufEvent });
    // Two replicas: their own caches and keyrings, one data directory (as on one machine).
    const replica = () =>
      new TufRepositories({
        store: new EventStore<TufEvent>({ nc, naming, stream: eventStreams.signer, parse: parseTufEvent }),
        keyring: new FleetKeyring({ dir, secret, onDevelopmentKeys: (fleet) => warnings.push(fleet) }),
        lifetimes: defaultLifetimes,
        hashBins: 16,
        now: () => new Date(),
      });
    a = replica();
    b = replica();
  });

  afterAll(async () => {
    await nc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const eventsOf = async (fleet: string) => (await store.load(store.subject('tuf', fleet, 'repository'))).events.map((r) => r.event);

  it('initialises a fleet once when both replicas ask at the same time, with keys made once and kept private', async () => {
    const [ra, rb] = await Promise.all([a.ensure('race', meta(id())), b.ensure('race', meta(id()))]);
    expect(ra.documents.root).toEqual(rb.documents.root);
    expect((await eventsOf('race')).map((e) => e.type)).toEqual([
      'TufRepositoryInitialised',
      'RootMetadataSigned',
      'TargetsSigned',
      ...Array(16).fill('DelegatedTargetsSigned'),
      'SnapshotSigned',
      'TimestampRenewed',
    ]);
    const files = readdirSync(join(dir, 'race'));
    expect(files.map((f) => f.replace(/-[0-9a-f]{64}\.key$/, '')).sort()).toEqual(['root', 'snapshot', 'targets', 'timestamp']);
    for (const file of files) expect(statSync(join(dir, 'race', file)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['race']); // no half-written key set left behind by the loser
    expect(warnings).toContain('race');
  });

  it("makes a fleet's keys once when several keyrings race for them, and reads them back after a restart", async () => {
    const racing = await Promise.all([1, 2, 3, 4].map(() => new FleetKeyring({ dir, secret }).keysOf('keys-race')));
    const restarted = await new FleetKeyring({ dir, secret }).keysOf('keys-race');
    for (const role of ['root', 'targets', 'snapshot', 'timestamp'] as const) {
      expect(new Set([...racing, restarted].map((k) => k.keys[role].keyID)).size).toBe(1);
    }
    expect(new Set(['root', 'targets', 'snapshot', 'timestamp'].map((r) => racing[0]!.keys[r as 'root'].keyID)).size).toBe(4); // one key per role
    expect(readdirSync(dir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });

  it('signs different targets added by both replicas at once, all of them, in one chain of versions', async () => {
    await Promise.all([1, 2, 3, 4, 5, 6].map((i) => (i % 2 ? a : b).addTargets('race', [entry(i)], meta(id()))));
    const events = await eventsOf('race');
    const added = events.filter((e) => e.type === 'DelegatedTargetsSigned' && e.data.targetPaths.length > 0);
    expect(added.flatMap((e) => (e.type === 'DelegatedTargetsSigned' ? e.data.targetPaths : [])).sort()).toEqual(
      [1, 2, 3, 4, 5, 6].map((i) => entry(i).path).sort(),
    );
    expect(events.filter((e) => e.type === 'TargetsSigned').map((e) => e.data.version)).toEqual([1]); // the top-level targets never changes
    // Every decision is bin -> snapshot -> timestamp, each pointing at the one before.
    const snapshots = events.filter((e) => e.type === 'SnapshotSigned');
    expect(snapshots.map((e) => e.data.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const prev = events[i - 1];
      if (e.type === 'SnapshotSigned' && prev?.type === 'DelegatedTargetsSigned') {
        expect(Metadata.fromJSON(MetadataKind.Snapshot, e.data.metadata as never).signed.meta[`${prev.data.role}.json`]!.version).toBe(
          prev.data.version,
        );
      }
      if (e.type === 'TimestampRenewed') {
        expect(prev?.type).toBe('SnapshotSigned');
        expect(Metadata.fromJSON(MetadataKind.Timestamp, e.data.metadata as never).signed.snapshotMeta.version).toBe(
          prev?.type === 'SnapshotSigned' && prev.data.version,
        );
      }
    }
    const top = Metadata.fromJSON(MetadataKind.Targets, signedData(events[2]).metadata as never);
    const last = added.at(-1)!;
    if (last.type !== 'DelegatedTargetsSigned') throw new Error('unexpected event');
    expect(() => top.verifyDelegate(last.data.role, Metadata.fromJSON(MetadataKind.Targets, last.data.metadata as never))).not.toThrow();
  });

  it('re-delegates a repository from before hash bins on its first renewal, keeping its targets, and only once', async () => {
    const keys = await new FleetKeyring({ dir, secret }).keysOf('flat-fleet');
    await store.append(
      store.subject('tuf', 'flat-fleet', 'repository'),
      0,
      await flatRepositoryEvents('flat-fleet', keys, [entry(1), entry(2)], defaultLifetimes, new Date()),
      meta(id()),
    );
    const [ra, rb] = await Promise.all([a.renew('flat-fleet', meta(id())), b.renew('flat-fleet', meta(id()))]);
    const events = await eventsOf('flat-fleet');
    expect(events.filter((e) => e.type === 'DelegatedTargetsSigned')).toHaveLength(16);
    expect(events.filter((e) => e.type === 'TargetsSigned').map((e) => e.data.version)).toEqual([1, 2, 3]);
    expect([ra.state, rb.state].every((s) => s.status === 'active' && Object.keys(s.bins).length === 16)).toBe(true);
    const bins = events.flatMap((e) =>
      e.type === 'DelegatedTargetsSigned' ? [Metadata.fromJSON(MetadataKind.Targets, e.data.metadata as never).signed] : [],
    );
    expect(bins.flatMap((b) => Object.keys(b.targets)).sort()).toEqual([entry(1).path, entry(2).path].sort());
    const published = await a.addTargets('flat-fleet', [entry(3)], meta(id()));
    expect(published.events.map((e) => e.type)).toEqual(['DelegatedTargetsSigned', 'SnapshotSigned', 'TimestampRenewed']);
  });

  it('changes nothing when a target is added again with the same contents', async () => {
    await a.addTargets('again', [entry(3)], meta(id()));
    const before = (await eventsOf('again')).length;
    const outcome = await b.addTargets('again', [entry(3)], meta(id()));
    expect(outcome.events).toEqual([]);
    expect((await eventsOf('again')).length).toBe(before);
  });

  it('refuses the same path with other contents and leaves the stream as it was', async () => {
    await b.addTargets('clash', [entry(3)], meta(id()));
    const before = (await eventsOf('clash')).length;
    await expect(a.addTargets('clash', [{ ...entry(3), sha256: 'e'.repeat(64) }], meta(id()))).rejects.toThrow(RuleViolation);
    await expect(a.addTargets('clash', [{ ...entry(3), sha256: 'e'.repeat(64) }], meta(id()))).rejects.toMatchObject({
      code: 'tuf.target-conflict',
    });
    expect((await eventsOf('clash')).length).toBe(before);
  });

  it('keeps fleets apart: their own keys and their own versions', async () => {
    for (const i of [7, 8]) await a.addTargets('apart-busy', [entry(i)], meta(id()));
    await a.addTargets('apart-quiet', [entry(9)], meta(id()));
    const snapshotVersions = async (fleet: string) =>
      (await eventsOf(fleet)).filter((e) => e.type === 'SnapshotSigned').map((e) => e.data.version);
    expect(await snapshotVersions('apart-busy')).toEqual([1, 2, 3]);
    expect(await snapshotVersions('apart-quiet')).toEqual([1, 2]);
    const rootOf = async (fleet: string) => (await eventsOf(fleet)).find((e) => e.type === 'TufRepositoryInitialised')!;
    expect(await rootOf('apart-quiet')).not.toEqual(await rootOf('apart-busy'));
  });

  it('serves, from its cache, a root that the other replica rotated: the next ensure reads what was appended since', async () => {
    const rootVersion = (s: { documents: Record<string, { version: number } | undefined> }) => s.documents.root!.version;
    expect(rootVersion(await a.ensure('rotated', meta(id())))).toBe(1);
    const rotated = await b.rotateOnlineKey('rotated', 'timestamp', meta(id()));
    expect(rotated.pending).toBe(false);
    expect(rootVersion(rotated.state)).toBe(2);
    const seen = await a.ensure('rotated', meta(id()));
    expect(rootVersion(seen)).toBe(2);
    expect(seen.documents.root).toEqual(rotated.state.documents.root);
  });

  it('renews nothing in a fresh repository and nothing for a fleet that has none', async () => {
    await a.ensure('fresh', meta(id()));
    expect((await a.renew('fresh', meta(id()))).events).toEqual([]);
    expect((await a.renew('nobody', meta(id()))).events).toEqual([]);
    expect(await eventsOf('nobody')).toEqual([]);
    expect(() => statSync(join(dir, 'nobody'))).toThrow(/ENOENT/);
  });
});
