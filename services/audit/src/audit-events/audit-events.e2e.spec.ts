import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { audit } from '@keelson/requests';
import { parseAuditCloudEvent, type AuditCloudEvent } from '@keelson/events';
import { sendRequest, loadServiceConfig } from '@keelson/service-kit';
import { register } from 'prom-client';
import { eventually } from '@keelson/testing';
import { auditHarness, type AuditHarness } from '../test-fixtures/audit-app.js';
import * as ev from '../test-fixtures/sample-events.js';
import { positionHeader, relayBatchSize } from './audit-events.relay.js';
import { auditEventsLimits, auditEventsStream } from './audit-events.stream.js';

const admin = { kind: 'operator', id: 'admin' } as const;

describe('audit-out: the AUDIT_EVENTS stream, for consumers that must miss nothing', () => {
  let h: AuditHarness;
  let streamName: string;
  const count = async () => (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))[0]!.n;
  const relayed = async () => (await h.db.query<{ n: number }>('SELECT position::int AS n FROM audit_relay_position'))[0]!.n;
  const halt = (rolloutId: string) =>
    h.append(
      'orchestrator',
      h.stores.orchestrator.subject('rollout', 'default', rolloutId),
      [ev.rolloutHalted('default', rolloutId)],
      admin,
    );

  /** Every entry of the audit log of `default`, oldest first, through the audit's own query. */
  async function logged(): Promise<AuditCloudEvent[]> {
    const items: AuditCloudEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = await sendRequest(h.nc, h.naming, audit.queryAudit, { fleet: 'default', limit: 1000, ...(cursor ? { cursor } : {}) });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  /** What a consumer that starts now, from the beginning of the stream, reads until it has `n` messages. */
  async function consume(durable: string, n: number): Promise<JsMsg[]> {
    const jsm = await jetstreamManager(h.nc);
    await jsm.consumers.add(streamName, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
    const consumer = await jetstream(h.nc).consumers.get(streamName, durable);
    const got: JsMsg[] = [];
    while (got.length < n) {
      const batch = await consumer.fetch({ max_messages: Math.min(500, n - got.length), expires: 5000 });
      let any = false;
      for await (const m of batch) {
        got.push(m);
        m.ack();
        any = true;
      }
      if (!any) break;
    }
    return got;
  }

  beforeAll(async () => {
    h = await auditHarness();
    streamName = `${h.naming.streamPrefix}${auditEventsStream.name}`;
    await halt('r-before-1'); // written before the audit starts
    await h.start();
    for (const id of ['r-1', 'r-2', 'r-3']) await halt(id);
    await eventually(async () => (await count()) === 4 && (await relayed()) === 4);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('holds every entry, in chain order, for a consumer that started after they were written', async () => {
    const msgs = await consume('late-reader', 4);
    const events = msgs.map((m) => parseAuditCloudEvent(m.json()));
    expect(events).toEqual(await logged());
    expect(msgs.map((m) => m.headers?.get(positionHeader))).toEqual(['1', '2', '3', '4']);
    expect(msgs.map((m) => m.subject)).toEqual(Array(4).fill(`${h.naming.subjectPrefix}audit.ce.default`));
  });

  it('is a limits stream: entries age out after the configured days, it never grows past its size', async () => {
    const { config } = await (await jetstreamManager(h.nc)).streams.info(streamName);
    expect(config).toMatchObject({
      retention: 'limits',
      discard: 'old',
      storage: 'file',
      max_age: 30 * 86_400 * 1e9,
      max_bytes: 64 * 1024 * 1024,
    });
    // 64 MiB is the harness's setting (see auditHarness); an installation's default is 10 GiB.
    expect(auditEventsLimits(loadServiceConfig('audit', { KEELSON_NATS_URL: 'nats://127.0.0.1:4222' }), 1).maxBytes).toBe(
      10_240 * 1024 * 1024,
    );
  });

  it('relays what was committed while it was down, once, in batches, when it is back', async () => {
    await h.stop();
    const ids = Array.from({ length: relayBatchSize + 20 }, (_, i) => `r-down-${i}`);
    for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map(halt));
    await h.start();
    const total = 4 + ids.length;
    await eventually(async () => (await relayed()) === total, 30_000);
    const msgs = await consume('after-restart', total);
    expect(msgs.map((m) => m.headers?.get(positionHeader))).toEqual(Array.from({ length: total }, (_, i) => String(i + 1)));
    const relayedIds = msgs.map((m) => parseAuditCloudEvent(m.json()).id);
    expect(new Set(relayedIds).size).toBe(total);
    expect([...relayedIds].sort()).toEqual((await logged()).map((e) => e.id).sort());
    const { state } = await (await jetstreamManager(h.nc)).streams.info(streamName);
    expect(state.messages).toBe(total);
  });

  // Last: it deletes the stream.
  it('keeps the entries due while the stream is unavailable, exports how many for the alert, and relays them once it is back', async () => {
    const unrelayed = async () => (await register.getSingleMetric('keelson_audit_events_unrelayed')?.get())?.values[0]?.value;
    const before = await relayed();
    await (await jetstreamManager(h.nc)).streams.delete(streamName);
    await halt('r-while-gone-1');
    await halt('r-while-gone-2');
    await eventually(async () => (await unrelayed()) === 2);
    expect(await relayed()).toBe(before);
    await h.stop();
    await h.start(); // declares the stream again at start
    await eventually(async () => (await relayed()) === before + 2 && (await unrelayed()) === 0);
    const msgs = await consume('after-outage', 2);
    expect(msgs.map((m) => m.headers?.get(positionHeader))).toEqual([String(before + 1), String(before + 2)]);
    expect(msgs.map((m) => parseAuditCloudEvent(m.json()).subject)).toEqual(
      ['r-while-gone-1', 'r-while-gone-2'].map((id) => h.stores.orchestrator.subject('rollout', 'default', id)),
    );
  });
});
