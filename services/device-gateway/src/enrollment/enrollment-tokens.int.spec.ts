import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseEnrollmentEvent, type EnrollmentEvent } from '@keelson/events';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { EnrollmentRefusedError } from './enrollment-refused.error.js';
import { readEnrollmentToken, type PresentedToken } from './enrollment-token-string.js';
import { EnrollmentTokens } from './enrollment-tokens.js';

const naming = testNamespace();
const fleet = 'plant-7';
const now = new Date('2026-12-06T12:00:00Z');

describe('EnrollmentTokens: tokens kept from their issue', () => {
  let nc: NatsConnection;
  let spy: NatsConnection;
  let store: EventStore<EnrollmentEvent>;
  let directReads = 0;
  let n = 0;
  const meta = () => ({ actor: { kind: 'system' as const, id: 'device-gateway' }, correlationId: 'c', commandId: `et-${++n}` });

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.gateway]);
    store = new EventStore({ nc, naming, stream: eventStreams.gateway, parse: parseEnrollmentEvent });
    // A core subscriber gets a copy of every direct get sent to the stream: the reads, counted at the server.
    spy = await connectTestNats();
    const api = `$JS.API.DIRECT.GET.${naming.streamPrefix}${eventStreams.gateway.name}`;
    for (const subject of [api, `${api}.>`]) spy.subscribe(subject, { callback: () => void directReads++ });
    await spy.flush();
  });
  afterAll(async () => {
    await spy.close();
    await nc.close();
  });

  /** Reads sent while `act` ran (the spy's flush answers after every copy the server queued before it). */
  const readsDuring = async (act: () => Promise<unknown>): Promise<number> => {
    await spy.flush();
    const before = directReads;
    await act();
    await spy.flush();
    return directReads - before;
  };
  const issue = async (tokens: EnrollmentTokens): Promise<PresentedToken> =>
    readEnrollmentToken((await tokens.issue({ fleet, ttlSeconds: 3600, labels: {} }, meta(), now)).token)!;
  /** What enrollment does with a token: check it, then redeem it for the device. */
  const enroll = async (tokens: EnrollmentTokens, presented: PresentedToken, deviceId: string) =>
    tokens.redeem(presented, deviceId, now, meta(), await tokens.check(presented, now, true, meta()));
  const historyOf = async (p: PresentedToken) =>
    (await store.load(store.subject('enrollment', p.fleet, p.tokenId))).events.map((r) => r.event.type);
  const refusalOf = (err: unknown) => (err instanceof EnrollmentRefusedError ? err.reason : err);

  it('issues, checks and redeems a token of its own without reading the token', async () => {
    const tokens = new EnrollmentTokens(store);
    let presented: PresentedToken | undefined;
    const reads = await readsDuring(async () => {
      presented = await issue(tokens);
      await enroll(tokens, presented, 'd-1');
    });
    expect(reads).toBe(0);
    expect(await historyOf(presented!)).toEqual(['EnrollmentTokenIssued', 'EnrollmentTokenRedeemed']);
  });

  it('refuses a kept token that another replica revoked, and leaves it unused', async () => {
    const mine = new EnrollmentTokens(store);
    const presented = await issue(mine);
    await new EnrollmentTokens(store).revoke(fleet, presented.tokenId, meta());
    expect(await enroll(mine, presented, 'd-2').catch(refusalOf)).toBe('revoked');
    expect(await historyOf(presented)).not.toContain('EnrollmentTokenRedeemed');
  });

  it('redeems a kept token once when another replica enrolls with it at the same time', async () => {
    const mine = new EnrollmentTokens(store);
    const other = new EnrollmentTokens(store);
    const presented = await issue(mine);
    const outcomes = await Promise.all([
      enroll(mine, presented, 'd-3').then(() => 'enrolled', refusalOf),
      enroll(other, presented, 'd-4').then(() => 'enrolled', refusalOf),
    ]);
    expect(outcomes.sort()).toEqual(['enrolled', 'used']);
    // and the loser's replica does not take the token for unused afterwards
    expect(await enroll(mine, presented, 'd-5').catch(refusalOf)).toBe('used');
    expect((await historyOf(presented)).filter((t) => t === 'EnrollmentTokenRedeemed')).toHaveLength(1);
  });
});
