import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseOperatorEvent, type OperatorEvent } from '@keelson/events';
import { ServiceError } from '@keelson/service-kit';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { readApiToken } from './api-token-string.js';
import { ApiTokens } from './api-tokens.js';

const meta = (id: string) => ({ actor: { kind: 'operator', id: 'admin' } as const, correlationId: id, commandId: id });
const now = new Date('2026-11-23T10:00:00.000Z');

// Two api replicas, each with its own cache, against one real JetStream.
describe('API tokens on the event store', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let store: EventStore<OperatorEvent>;

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.api]);
    store = new EventStore({ nc, naming, stream: eventStreams.api, parse: parseOperatorEvent });
  });
  afterAll(() => nc?.close());

  it('lets two replicas racing to revoke one token both succeed, with one revocation recorded', async () => {
    const [a, b] = [new ApiTokens(store), new ApiTokens(store)];
    const { tokenId } = await a.issue({ fleet: 'plant-7', name: 'raced', role: 'operator', ttlSeconds: 3600 }, meta('issue-1'), now);
    const outcomes = await Promise.all([
      a.revoke('plant-7', tokenId, 'one', meta('revoke-a')),
      b.revoke('plant-7', tokenId, 'two', meta('revoke-b')),
    ]);
    expect(outcomes.map((o) => o.changed).sort()).toEqual([false, true]);
    const { events } = await store.load(store.subject('apitoken', 'plant-7', tokenId));
    expect(events.map((r) => r.event.type)).toEqual(['ApiTokenIssued', 'ApiTokenRevoked']);
  });

  it('refuses on a replica whose cache still holds the token active once another replica revoked it', async () => {
    const [a, b] = [new ApiTokens(store), new ApiTokens(store)];
    const issued = await a.issue({ fleet: 'plant-7', name: 'cached', role: 'viewer', ttlSeconds: 3600 }, meta('issue-2'), now);
    const presented = readApiToken(issued.token)!;
    await expect(b.authenticate(presented, now)).resolves.toMatchObject({ tokenId: issued.tokenId, role: 'viewer' });
    await a.revoke('plant-7', issued.tokenId, undefined, meta('revoke-2'));
    await expect(b.authenticate(presented, now)).rejects.toThrow(ServiceError);
  });

  it('refuses a wrong secret for a real token id and a token past its expiry, the same way', async () => {
    const tokens = new ApiTokens(store);
    const issued = await tokens.issue({ fleet: 'plant-7', name: 'short', role: 'operator', ttlSeconds: 60 }, meta('issue-3'), now);
    const presented = readApiToken(issued.token)!;
    await expect(tokens.authenticate({ ...presented, secretSha256: 'f'.repeat(64) }, now)).rejects.toMatchObject({
      kind: 'Unauthorized',
      code: 'auth.unauthenticated',
    });
    await expect(tokens.authenticate(presented, new Date(now.getTime() + 60_000))).rejects.toMatchObject({
      kind: 'Unauthorized',
      code: 'auth.unauthenticated',
    });
    await expect(tokens.authenticate(presented, new Date(now.getTime() + 59_999))).resolves.toMatchObject({ tokenId: issued.tokenId });
  });
});
