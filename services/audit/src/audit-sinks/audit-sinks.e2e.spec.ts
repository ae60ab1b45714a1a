import { audit, type RequestContract, type RequestInput, type RequestOutput } from '@keelson/requests';
import { parseAuditCloudEvent, type AuditCloudEvent } from '@keelson/events';
import type { RunningService } from '@keelson/local-infra';
import { sendRequest } from '@keelson/service-kit';
import { eventually } from '@keelson/testing';
import { register } from 'prom-client';
import { auditHarness, type AuditHarness } from '../test-fixtures/audit-app.js';
import * as ev from '../test-fixtures/sample-events.js';
import { sinkReceiver, type ReceivedDelivery, type SinkReceiver } from '../test-fixtures/sink-receiver.js';
import { AuditSinks } from './audit-sinks.store.js';
import { deliverNext } from './sink-delivery.js';
import { SinkSecrets } from './sink-secrets.js';
import { checkDelivery, signatureHeader } from './sink-signature.js';

const admin = { kind: 'operator', id: 'admin' } as const;
const operatorCommand = { actor: admin, commandId: 'c-rekeyed', correlationId: 'c-rekeyed' };
const signingSecret = 'shared-with-the-siem-0123456789';
const platformSecret = 'audit-sink-platform-secret-0123456789';
const maxAttempts = 3;
const env = {
  KEELSON_AUDIT_SINK_SECRET: platformSecret,
  KEELSON_AUDIT_SINK_RETRY_BASE_MS: '20',
  KEELSON_AUDIT_SINK_RETRY_MAX_MS: '80',
  KEELSON_AUDIT_SINK_MAX_ATTEMPTS: String(maxAttempts),
  KEELSON_AUDIT_SINK_POLL_MS: '20',
};

describe('audit-sink: webhook sinks deliver the audit log, signed, in order, at least once', () => {
  let h: AuditHarness;
  let receiver: SinkReceiver;
  const call = <C extends RequestContract>(contract: C, input: RequestInput<C>): Promise<RequestOutput<C>> =>
    sendRequest(h.nc, h.naming, contract, input);
  const halt = (id: string) =>
    h.append('orchestrator', h.stores.orchestrator.subject('rollout', 'default', id), [ev.rolloutHalted('default', id)], admin);
  const show = (name: string) => call(audit.showSink, { fleet: 'default', name });
  const positions = (ds: ReceivedDelivery[]) => ds.map((d) => Number(d.headers['keelson-audit-position']));

  /** Every entry of `default` in the log, oldest first. */
  async function logged(): Promise<AuditCloudEvent[]> {
    return (await call(audit.queryAudit, { fleet: 'default', limit: 1000 })).items;
  }

  /** What the receiver accepted on `path` is exactly the log from `from` on: same events, in order, once, each signature valid. */
  async function expectDeliveredFrom(path: string, from: number): Promise<void> {
    const got = receiver.accepted(path);
    const expected = (await logged()).slice(from - 1);
    expect(got.map((d) => parseAuditCloudEvent(JSON.parse(d.body)))).toEqual(expected);
    expect(positions(got)).toEqual(expected.map((_, i) => from + i));
    const now = Math.floor(Date.now() / 1000);
    expect(got.map((d) => checkDelivery(signingSecret, d.headers[signatureHeader.toLowerCase()] as string, d.body, now))).toEqual(
      got.map(() => undefined),
    );
    expect(
      got.map((d) => checkDelivery('another-secret-0123456789', d.headers[signatureHeader.toLowerCase()] as string, d.body, now)),
    ).toEqual(got.map(() => 'mismatch'));
  }

  beforeAll(async () => {
    receiver = await sinkReceiver();
    h = await auditHarness({ env });
    await h.start();
    for (const id of ['r-1', 'r-2', 'r-3']) await halt(id);
    await eventually(async () => (await logged()).length === 3);
  });

  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it('retries with backoff while the receiver is down and, once it is back, delivers everything once, in chain order, signed', async () => {
    receiver.answer = (path, attempt) => (path === '/siem' && attempt <= 2 ? 503 : 200); // down for two attempts
    const added = await call(audit.addSink, {
      fleet: 'default',
      name: 'siem',
      url: receiver.url('/siem'),
      secret: signingSecret,
      from: 'start',
    });
    expect(added).toMatchObject({ name: 'siem', position: 0, paused: false, deadLetters: 0 });
    expect(JSON.stringify(added)).not.toContain(signingSecret);
    await halt('r-4');
    await halt('r-5');
    await eventually(() => receiver.accepted('/siem').length === 5);
    expect(
      receiver.received
        .filter((d) => d.path === '/siem')
        .map((d) => d.status)
        .slice(0, 3),
    ).toEqual([503, 503, 200]);
    await expectDeliveredFrom('/siem', 1);
    expect(await show('siem')).toMatchObject({ position: 5, failures: 0, deadLetters: 0, paused: false });
    const [stored] = await h.db.query<{ sealed_secret: string }>("SELECT sealed_secret FROM audit_sinks WHERE name = 'siem'");
    expect(stored!.sealed_secret).not.toContain(signingSecret);
  });

  it(`counts a dead letter after ${maxAttempts} failed attempts of one entry and pauses there; resumed, it delivers from that entry`, async () => {
    receiver.answer = (path) => (path === '/dead' ? 500 : 200);
    await call(audit.addSink, { fleet: 'default', name: 'dead', url: receiver.url('/dead'), secret: signingSecret });
    await halt('r-6');
    await eventually(async () => (await show('dead')).paused);
    const paused = await show('dead');
    expect(paused).toMatchObject({
      position: 5,
      failures: maxAttempts,
      deadLetters: 1,
      paused: true,
      lastError: 'position 6: the receiver answered HTTP 500',
    });
    expect(receiver.received.filter((d) => d.path === '/dead')).toHaveLength(maxAttempts);
    const pausedGauge = async () => (await register.getSingleMetric('keelson_audit_sinks_paused')?.get())?.values[0]?.value;
    await eventually(async () => (await pausedGauge()) === 1); // what KeelsonAuditSinkPaused watches
    await halt('r-7');
    receiver.answer = () => 200;
    expect(await call(audit.resumeSink, { fleet: 'default', name: 'dead' })).toMatchObject({ paused: false, failures: 0, deadLetters: 1 });
    await eventually(() => receiver.accepted('/dead').length === 2);
    await expectDeliveredFrom('/dead', 6);
    await eventually(async () => (await pausedGauge()) === 0);
    expect((await call(audit.listSinks, { fleet: 'default' })).items.map((s) => s.name)).toEqual(['dead', 'siem']);
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const before = await call(audit.listSinks, { fleet: 'default' });
    const add = (input: Record<string, unknown>) =>
      call(audit.addSink, { fleet: 'default', url: receiver.url('/x'), secret: signingSecret, ...input } as RequestInput<
        typeof audit.addSink
      >);
    await expect(add({ url: 'not a url' })).rejects.toMatchObject({ kind: 'InvalidInput' });
    await expect(add({ url: 'ftp://127.0.0.1/x' })).rejects.toMatchObject({ kind: 'InvalidInput' });
    await expect(add({ url: 'https://user:pw@siem.example.com/' })).rejects.toMatchObject({ kind: 'InvalidInput' });
    await expect(add({ secret: undefined })).rejects.toMatchObject({ kind: 'InvalidInput' });
    await expect(add({ secret: 'short' })).rejects.toMatchObject({ kind: 'InvalidInput' });
    await expect(add({ name: 'siem' })).rejects.toMatchObject({ kind: 'RuleViolation', code: 'audit.sink-exists' });
    await expect(add({ name: 'later', from: { position: 1000 } })).rejects.toMatchObject({
      kind: 'RuleViolation',
      code: 'audit.sink-position-ahead',
    });
    for (const contract of [audit.showSink, audit.removeSink, audit.resumeSink]) {
      await expect(call(contract, { fleet: 'default', name: 'nope' })).rejects.toMatchObject({ kind: 'NotFound' });
    }
    expect(await call(audit.listSinks, { fleet: 'default' })).toEqual(before);
    expect((await call(audit.listSinks, { fleet: 'other' })).items).toEqual([]);
  });

  it('removes a sink: it is gone from the list and receives nothing more', async () => {
    const { removed } = await call(audit.removeSink, { fleet: 'default', name: 'dead' });
    expect(removed.name).toBe('dead');
    expect((await call(audit.listSinks, { fleet: 'default' })).items.map((s) => s.name)).toEqual(['siem']);
    await halt('r-8');
    await eventually(async () => (await show('siem')).position === 8);
    expect(receiver.accepted('/dead')).toHaveLength(2);
  });

  it('is delivered by one replica at a time: while another holds the sink, this one skips it', async () => {
    const { sinkId } = await show('siem');
    const before = receiver.accepted('/siem').length;
    const replica = new SinkSecrets({ name: 'KEELSON_AUDIT_SINK_SECRET', current: platformSecret });
    const options = { retryBaseMs: 20, retryMaxMs: 80, maxAttempts, timeoutMs: 5000 };
    await h.db.transaction(async (sql) => {
      await sql.query('SELECT 1 FROM audit_sinks WHERE sink_id = $1 FOR UPDATE', [sinkId]); // the other replica, mid-delivery
      await halt('r-held');
      await eventually(async () => (await logged()).length === 9);
      expect(await deliverNext(h.db, replica, sinkId, 'siem', options)).toBe('idle');
      expect(receiver.accepted('/siem')).toHaveLength(before);
    });
    await eventually(() => receiver.accepted('/siem').length === before + 1);
    expect(await deliverNext(h.db, replica, sinkId, 'siem', options)).toBe('idle'); // nothing left, nothing sent twice
    expect(receiver.accepted('/siem')).toHaveLength(before + 1);
  });

  // The in-process audit stays stopped from here on.
  it('keeps each change with the command that made it until its event is confirmed, and nothing for a refused change', async () => {
    const command = (id: string) => ({ actor: admin, commandId: id, correlationId: `corr-${id}` });
    const input = { fleet: 'default', name: 'kept', url: receiver.url('/kept'), secret: signingSecret };
    const sink = await sendRequest(h.nc, h.naming, audit.addSink, input, command('c-kept'));
    await expect(sendRequest(h.nc, h.naming, audit.addSink, input, command('c-refused'))).rejects.toMatchObject({
      code: 'audit.sink-exists',
    });
    const kept = (await call(audit.unrecordedSinkChanges, { olderThanSeconds: 0 })).items.filter((c) => c.sink.name === 'kept');
    expect(kept).toEqual([{ commandId: 'c-kept', correlationId: 'corr-c-kept', actor: admin, kind: 'added', sink }]);
    expect(await call(audit.sinkChangeRecorded, { commandId: 'c-kept' })).toEqual({ forgotten: true });
    expect(await call(audit.sinkChangeRecorded, { commandId: 'c-kept' })).toEqual({ forgotten: false });
    expect((await call(audit.unrecordedSinkChanges, { olderThanSeconds: 0 })).items.map((c) => c.commandId)).not.toContain('c-kept');
  });

  it('loses nothing when the audit is killed mid-delivery: the restarted audit sends that entry again and goes on in order', async () => {
    await h.stop();
    receiver.answer = (path, attempt) => (path === '/crash' && attempt === 3 ? 'hold' : 200);
    let service: RunningService | undefined;
    try {
      service = await h.launch();
      await call(audit.addSink, {
        fleet: 'default',
        name: 'crash',
        url: receiver.url('/crash'),
        secret: signingSecret,
        from: { position: 4 },
      });
      await eventually(() => receiver.held() === 1, 30_000);
      await service.kill();
      receiver.dropHeld();
      await halt('r-10');
      service = await h.launch();
      await eventually(() => receiver.accepted('/crash').length === 7, 30_000);
      await expectDeliveredFrom('/crash', 4);
    } finally {
      await service?.stop();
    }
  }, 90_000);

  it('treats a signing secret the platform secret no longer opens as a failed delivery, naming the variable only', async () => {
    // Nothing runs now: this replica alone tries the sink, with the wrong platform secret.
    const sealing = new SinkSecrets({ name: 'KEELSON_AUDIT_SINK_SECRET', current: platformSecret });
    const { sinkId } = await new AuditSinks(h.db, sealing).add(
      { fleet: 'default', name: 'rekeyed', url: receiver.url('/rekeyed'), secret: signingSecret, from: 'start' },
      operatorCommand,
    );
    const wrong = new SinkSecrets({ name: 'KEELSON_AUDIT_SINK_SECRET', current: 'not-the-platform-secret-0123' });
    const options = { retryBaseMs: 20, retryMaxMs: 80, maxAttempts, timeoutMs: 5000 };
    expect(await deliverNext(h.db, wrong, sinkId, 'rekeyed', options)).toBe('failed');
    const [row] = await h.db.query<{ position: string; failures: number; last_error: string }>(
      'SELECT position, failures, last_error FROM audit_sinks WHERE sink_id = $1',
      [sinkId],
    );
    expect(row).toEqual({
      position: '0',
      failures: 1,
      last_error: `position 1: KEELSON_AUDIT_SINK_SECRET does not open audit-sink/${sinkId}: the secret is wrong or the file was altered`,
    });
    expect(receiver.received.filter((d) => d.path === '/rekeyed')).toEqual([]);
  });
});
