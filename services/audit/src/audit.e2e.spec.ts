import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { audit } from '@keelson/requests';
import { InvalidInput } from '@keelson/domain-kit';
import { eventHeaders, eventStreams } from '@keelson/event-store';
import { parseAuditCloudEvent, type AuditCloudEvent } from '@keelson/events';
import { sendRequest } from '@keelson/service-kit';
import { register } from 'prom-client';
import { eventually } from '@keelson/testing';
import { auditHarness, type AuditHarness } from './test-fixtures/audit-app.js';
import * as ev from './test-fixtures/sample-events.js';

const admin = { kind: 'operator', id: 'admin' } as const;
const service = (id: string) => ({ kind: 'service', id }) as const;
const device = (id: string) => ({ kind: 'device', id }) as const;

const chainIntact = async () => (await register.getSingleMetric('keelson_audit_chain_intact')?.get())?.values[0]?.value;

describe('the audit service against real NATS and PostgreSQL', () => {
  let h: AuditHarness;
  let all: AuditCloudEvent[];
  const count = async () => (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))[0]!.n;
  const query = (input: Omit<Parameters<typeof sendRequest<typeof audit.queryAudit>>[3], 'fleet'> & { fleet?: string }) =>
    sendRequest(h.nc, h.naming, audit.queryAudit, { fleet: 'default', ...input });
  const types = (items: AuditCloudEvent[]) => items.map((e) => e.type.split('.').at(-1));
  // Oldest first across streams; events of one aggregate keep the order they were appended in.
  const sortedTypes = (items: AuditCloudEvent[]) => {
    expect(items.map((e) => e.time)).toEqual(items.map((e) => e.time).sort());
    return types(items).sort();
  };
  const subject = (aggregate: string, fleet: string, id: string) => h.stores.registry.subject(aggregate, fleet, id);

  // An api event of a type this audit does not know yet, written as the api would write it.
  const appendApiEvent = async () => {
    const h2 = eventHeaders({ actor: admin, correlationId: 'corr-api', commandId: 'cmd-api-1' }, 0);
    const event = {
      type: 'ApiTokenCreated',
      schemaVersion: 1,
      data: { fleet: 'default', tokenId: 't-1', token: 'kt_live_secret', tokenSha256: ev.sha('e') },
    };
    await jetstream(h.nc).publish(subject('apitoken', 'default', 't-1'), JSON.stringify(event), { headers: h2 });
  };

  beforeAll(async () => {
    h = await auditHarness();
    // History written before the audit starts: it catches up on it.
    await h.append('registry', subject('artifact', 'default', 'a-yolo'), [ev.artifactReceived('default', 'a-yolo', 'yolo')], admin);
    await h.append('registry', subject('artifact', 'default', 'a-bad'), [ev.artifactReceived('default', 'a-bad', 'bad')], admin);
    await h.start();
    await h.append(
      'signer',
      subject('tuf', 'default', 'repository'),
      [ev.targetsSigned('default', 'model/yolo/1.0.0/model.onnx')],
      service('signer'),
    );
    await h.append(
      'registry',
      subject('artifact', 'default', 'a-yolo'),
      [ev.artifactPublished('default', 'a-yolo', 'yolo')],
      service('registry-facade'),
    );
    await h.append(
      'registry',
      subject('artifact', 'default', 'a-bad'),
      [ev.artifactRejected('default', 'a-bad')],
      service('registry-facade'),
    );
    await h.append('gateway', subject('enrollment', 'default', 'et-1'), [ev.tokenIssued('default', 'et-1')], admin);
    await h.append('gateway', subject('device', 'default', 'd-1'), [ev.deviceEnrolled('default', 'd-1')], device('d-1'));
    await h.append(
      'orchestrator',
      subject('rollout', 'default', 'r-1'),
      [ev.rolloutCreated('default', 'r-1', 'yolo', ['d-1', 'd-2'])],
      admin,
      'corr-r1',
    );
    await h.append(
      'orchestrator',
      subject('rollout', 'default', 'r-1'),
      [ev.waveStarted('default', 'r-1', ['d-1'])],
      service('rollout-orchestrator'),
      'corr-r1',
    );
    await h.append(
      'gateway',
      subject('device', 'default', 'd-1'),
      [ev.deviceReported('default', 'd-1', 'r-1', 'downloading')],
      device('d-1'),
    );
    await h.append('gateway', subject('device', 'default', 'd-1'), [ev.deviceReported('default', 'd-1', 'r-1', 'healthy')], device('d-1'));
    await h.append('orchestrator', subject('rollout', 'default', 'r-1'), [ev.rolloutHalted('default', 'r-1')], admin);
    await appendApiEvent();
    await h.append('orchestrator', subject('rollout', 'plant-7', 'r-9'), [ev.rolloutCreated('plant-7', 'r-9', 'yolo', ['d-1'])], admin);
    await eventually(async () => (await count()) === 14);
    all = (await query({})).items;
  });

  afterAll(async () => {
    await h?.close();
  });

  it('records every event of every stream of the fleet as a valid CloudEvent, with who did it', () => {
    expect(all).toHaveLength(13);
    for (const e of all) expect(parseAuditCloudEvent(e)).toEqual(e);
    const halted = all.find((e) => e.type === 'io.keelson.rollout.RolloutHalted')!;
    expect(halted).toMatchObject({
      source: '/keelson/fleets/default',
      subject: subject('rollout', 'default', 'r-1'),
      keelsonfleet: 'default',
      keelsonactor: 'operator:admin',
      keelsonstream: `${h.naming.streamPrefix}${eventStreams.orchestrator.name}`,
      data: { rolloutId: 'r-1', reason: 'operator asked' },
    });
    expect(all.filter((e) => e.type === 'io.keelson.device.DeviceReportedProgress').map((e) => e.keelsonactor)).toEqual([
      'device:d-1',
      'device:d-1',
    ]);
  });

  it('links every entry of every fleet and stream to the one before it, in one chain', async () => {
    const entries = [...all, ...(await query({ fleet: 'plant-7' })).items];
    const byPrev = new Map(entries.map((e) => [e.keelsonprevhash, e]));
    let hash = '0'.repeat(64);
    const walked = [];
    for (let e = byPrev.get(hash); e; e = byPrev.get(hash)) {
      walked.push(e.id);
      hash = e.keelsonhash;
    }
    expect(walked.sort()).toEqual(entries.map((e) => e.id).sort());
  });

  it('keeps TUF entries without metadata bodies, enrollment tokens as digests only, and unknown events with secrets blanked', () => {
    const tuf = all.find((e) => e.type === 'io.keelson.tuf.TargetsSigned')!;
    expect(tuf.data).toEqual({
      fleet: 'default',
      version: 2,
      expires: '2030-01-01T00:00:00.000Z',
      targetPaths: ['model/yolo/1.0.0/model.onnx'],
    });
    const issued = all.find((e) => e.type === 'io.keelson.enrollment.EnrollmentTokenIssued')!;
    expect(Object.keys(issued.data).sort()).toEqual(['expiresAt', 'fleet', 'labels', 'tokenId', 'tokenSha256']);
    const apiToken = all.find((e) => e.type === 'io.keelson.apitoken.ApiTokenCreated')!;
    expect(apiToken).toMatchObject({
      keelsonactor: 'operator:admin',
      data: { tokenId: 't-1', token: '[redacted]', tokenSha256: ev.sha('e') },
    });
    expect(JSON.stringify(all)).not.toContain('kt_live_secret');
  });

  describe('cmd.audit.query', () => {
    it("filters by rollout: the rollout's own events and the device reports about it", async () => {
      expect(sortedTypes((await query({ rolloutId: 'r-1' })).items)).toEqual([
        'DeviceReportedProgress',
        'DeviceReportedProgress',
        'RolloutCreated',
        'RolloutHalted',
        'WaveStarted',
      ]);
    });

    it('filters by device: its own events and the rollouts and waves that name it', async () => {
      expect(sortedTypes((await query({ deviceId: 'd-1' })).items)).toEqual([
        'DeviceEnrolled',
        'DeviceReportedProgress',
        'DeviceReportedProgress',
        'RolloutCreated',
        'WaveStarted',
      ]);
      expect(types((await query({ deviceId: 'd-2' })).items)).toEqual(['RolloutCreated']);
    });

    it('filters by artifact name: the artifact, its signed target and the rollouts of it, a rejection included', async () => {
      expect(sortedTypes((await query({ artifact: 'yolo' })).items)).toEqual([
        'ArtifactPublished',
        'ArtifactReceived',
        'RolloutCreated',
        'TargetsSigned',
      ]);
      expect(types((await query({ artifact: 'bad' })).items)).toEqual(['ArtifactReceived', 'ArtifactRejected']);
    });

    it('filters by time, since inclusive and until exclusive', async () => {
      const pivot = all[6]!.time;
      const since = (await query({ since: pivot })).items;
      const until = (await query({ until: pivot })).items;
      expect(since.length + until.length).toBe(all.length);
      expect(since.every((e) => e.time >= pivot) && until.every((e) => e.time < pivot)).toBe(true);
      expect(since.map((e) => e.id)).toContain(all[6]!.id);
    });

    it('shows one fleet only', async () => {
      expect(types((await query({ fleet: 'plant-7' })).items)).toEqual(['RolloutCreated']);
      expect((await query({ fleet: 'nowhere' })).items).toEqual([]);
    });

    it('pages with a cursor, oldest first, to the same entries', async () => {
      const pages: AuditCloudEvent[][] = [];
      let cursor: string | undefined;
      do {
        const page = await query({ limit: 5, ...(cursor ? { cursor } : {}) });
        pages.push(page.items);
        cursor = page.nextCursor;
      } while (cursor);
      expect(pages.map((p) => p.length)).toEqual([5, 5, 3]);
      expect(pages.flat()).toEqual(all);
    });

    it('refuses a cursor it did not hand out', async () => {
      await expect(query({ cursor: 'abc' })).rejects.toThrow(InvalidInput);
    });
  });

  it('republishes each new entry as a CloudEvent on audit.ce.<fleet> after it is stored', async () => {
    const sub = h.nc.subscribe(`${h.naming.subjectPrefix}audit.ce.default`, { max: 1, timeout: 10_000 });
    await h.append(
      'orchestrator',
      subject('rollout', 'default', 'r-1'),
      [ev.waveStarted('default', 'r-1', ['d-2'])],
      service('rollout-orchestrator'),
    );
    let received: AuditCloudEvent | undefined;
    for await (const m of sub) received = parseAuditCloudEvent(m.json());
    expect(received).toMatchObject({ type: 'io.keelson.rollout.WaveStarted', data: { deviceIds: ['d-2'] } });
    expect((await query({ since: received!.time })).items.filter((e) => e.id === received!.id)).toEqual([received]);
  });

  it('changes nothing when restarted and fed every event again, and carries on after', async () => {
    await h.stop();
    const before = await h.db.query('SELECT position, hash FROM audit_log ORDER BY position');
    const jsm = await jetstreamManager(h.nc);
    for (const [key, stream] of Object.entries(eventStreams))
      await jsm.consumers.delete(`${h.naming.streamPrefix}${stream.name}`, `${h.naming.streamPrefix}proj-audit-log-${key}`);
    await h.db.query('DELETE FROM projection_checkpoints'); // redeliver from the start of every stream
    await h.start();
    await eventually(
      async () => (await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM projection_checkpoints WHERE last_seq > 0`))[0]!.n === 5,
    );
    expect(await h.db.query('SELECT position, hash FROM audit_log ORDER BY position')).toEqual(before);
    await h.append(
      'orchestrator',
      subject('rollout', 'default', 'r-1'),
      [ev.rolloutFinishedFailed('default', 'r-1')],
      service('rollout-orchestrator'),
    );
    await eventually(async () => (await count()) === 16);
    expect(await sendRequest(h.nc, h.naming, audit.verifyAudit, {})).toMatchObject({ intact: true, entries: 16 });
    expect(await chainIntact()).toBe(1);
  });

  it('dead-letters what is no event at all and goes on with the stream', async () => {
    await jetstream(h.nc).publish(subject('rollout', 'default', 'r-junk'), '{"hello":"world"}');
    await h.append('orchestrator', subject('rollout', 'default', 'r-1'), [ev.rolloutHalted('default', 'r-1')], admin);
    await eventually(async () => (await count()) === 17);
    const dead = await h.db.query<{ projection: string; error: string }>('SELECT projection, error FROM projection_dead_letters');
    expect(dead).toEqual([{ projection: 'audit-log-orchestrator', error: expect.stringMatching(/audit.unreadable-event/) }]);
  });

  // Last: it breaks the chain.
  it('exports a broken chain when a verification finds one, for the alert', async () => {
    // as someone with the table's owner rights would, around the append-only trigger
    await h.db.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
    await h.db.query(`UPDATE audit_log SET actor = 'someone-else' WHERE position = 2`);
    await h.db.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
    expect(await sendRequest(h.nc, h.naming, audit.verifyAudit, {})).toMatchObject({
      intact: false,
      firstBroken: { position: 2, problem: 'hash' },
    });
    expect(await chainIntact()).toBe(0);
  });
});
