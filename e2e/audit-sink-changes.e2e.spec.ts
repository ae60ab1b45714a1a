import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { audit } from '@keelson/requests';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseOperatorEvent, type OperatorEvent } from '@keelson/events';
import { sendRequest, type RequestContext } from '@keelson/service-kit';
import { sinkReceiver, type SinkReceiver } from '../services/audit/src/test-fixtures/sink-receiver.js';
import { connectDiagnostics } from './support/event-streams.js';
import { auditOf, eventually } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

const naming = { streamPrefix: '', subjectPrefix: '' };
const secret = 'siem-shared-signing-secret-0123456789';

describe('audit-sink: a sink change is audited even when the api stops between the change and its event', () => {
  let platform: TestPlatform;
  let nc: NatsConnection;
  let receiver: SinkReceiver;

  beforeAll(async () => {
    platform = await startTestPlatform({ tls: false, services: ['api', 'audit'], diagnosticsUser: true });
    nc = await connectDiagnostics(platform);
    receiver = await sinkReceiver();
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await platform?.destroy();
    await receiver?.close();
  }, 60_000);

  // What the api sends the audit service for an operator's request, and then nothing more: the api
  // died before it could append the operator event (or JetStream refused it).
  const asTheApiDid = (actorId: string): RequestContext => ({
    actor: { kind: 'operator', id: actorId },
    commandId: randomUUID(),
    correlationId: randomUUID(),
  });
  const entriesOf = async (type: string, sinkId: string) =>
    (await auditOf(platform, `type=${type}`)).filter((e) => e.data.sinkId === sinkId);
  const unrecorded = async () => (await sendRequest(nc, naming, audit.unrecordedSinkChanges, { olderThanSeconds: 0 })).items;

  it('appends the missing events with the actor and command of each change, once, in the order made', async () => {
    const adding = asTheApiDid('at-00000000000000a1');
    const sink = await sendRequest(
      nc,
      naming,
      audit.addSink,
      { fleet: 'default', name: 'orphan', url: receiver.url('/orphan'), secret },
      adding,
    );
    const removing = asTheApiDid('at-00000000000000b2');
    await sendRequest(nc, naming, audit.removeSink, { fleet: 'default', name: 'orphan' }, removing);

    await eventually('the relay recorded both changes', async () => ((await unrecorded()).length === 0 ? true : undefined), 60_000);
    // The relay's appends reach the audit log through the audit's projection: wait for both entries.
    const [added, removed] = await eventually('both are in the audit log', async () => {
      const [add] = await entriesOf('AuditSinkAdded', sink.sinkId);
      const [remove] = await entriesOf('AuditSinkRemoved', sink.sinkId);
      return add && remove ? [add, remove] : undefined;
    });
    expect(added).toMatchObject({ keelsonactor: 'operator:at-00000000000000a1', data: { name: 'orphan', url: receiver.url('/orphan') } });
    expect(removed).toMatchObject({ keelsonactor: 'operator:at-00000000000000b2', data: { name: 'orphan' } });
    const inChainOrder = await entriesOf('AuditSinkAdded,AuditSinkRemoved', sink.sinkId);
    expect(inChainOrder.map((e) => e.type)).toEqual(['io.keelson.operator.AuditSinkAdded', 'io.keelson.operator.AuditSinkRemoved']);
    expect(JSON.stringify([added, removed])).not.toContain(secret);
  });

  it('does not append a change twice when the api appended it but the confirmation was lost', async () => {
    const { body, status } = await platform.api<{ sinkId: string }>('/v1/audit/sinks', {
      method: 'POST',
      body: { name: 'kept', url: receiver.url('/kept'), secret },
    });
    expect(status).toBe(201);
    await eventually('the request recorded its own change', async () => ((await unrecorded()).length === 0 ? true : undefined));
    const resuming = asTheApiDid('at-00000000000000c3');
    const resumed = await sendRequest(nc, naming, audit.resumeSink, { fleet: 'default', name: 'kept' }, resuming);
    // The api's append went through; its confirmation to the audit service did not.
    const store = new EventStore<OperatorEvent>({ nc, naming, stream: eventStreams.api, parse: parseOperatorEvent });
    const subject = store.subject('operator', 'default', body.sinkId);
    const event: OperatorEvent = {
      type: 'AuditSinkResumed',
      schemaVersion: 1,
      data: { fleet: 'default', sinkId: body.sinkId, name: 'kept', at: resumed.position + 1 },
    };
    await store.append(subject, (await store.load(subject)).lastSeq, [event], resuming);
    await eventually('the relay recorded the resume', async () => ((await unrecorded()).length === 0 ? true : undefined), 60_000);
    await eventually('the resume is in the audit log', async () =>
      (await entriesOf('AuditSinkResumed', body.sinkId)).length ? true : undefined,
    );
    expect(await entriesOf('AuditSinkAdded', body.sinkId)).toHaveLength(1);
    expect(await entriesOf('AuditSinkResumed', body.sinkId)).toHaveLength(1);
  });
});
