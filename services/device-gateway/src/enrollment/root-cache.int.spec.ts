import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { signer } from '@keelson/requests';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseTufEvent, type TufEvent } from '@keelson/events';
import { sendRequest, handlerFor, newContext, serveRequests } from '@keelson/service-kit';
import { connectTestNats, TestClock, testNamespace } from '@keelson/testing';
import { RootCache } from './root-cache.js';
import { RootFeed } from './root-feed.js';

const naming = testNamespace();
const fleet = 'plant-7';

/** A RootCache that tells the spec when the feed reached it: the spec waits for news, never for time. */
class ObservedRootCache extends RootCache {
  readonly news: { kind: 'following' | 'announce' | 'lost'; fleet?: string }[] = [];
  private waiters: (() => void)[] = [];
  override following(): void {
    super.following();
    this.tell({ kind: 'following' });
  }
  override announce(f: string): void {
    super.announce(f);
    this.tell({ kind: 'announce', fleet: f });
  }
  override lost(): void {
    super.lost();
    this.tell({ kind: 'lost' });
  }
  async until(seen: (n: ObservedRootCache['news'][number]) => boolean): Promise<void> {
    while (!this.news.some(seen)) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.news.length = 0;
  }
  private tell(n: ObservedRootCache['news'][number]): void {
    this.news.push(n);
    for (const wake of this.waiters.splice(0)) wake();
  }
}

describe('RootCache with the signer’s announcements (RootFeed)', () => {
  let nc: NatsConnection;
  let tuf: EventStore<TufEvent>;
  let subs: Subscription[];
  let version = 1;
  let held: Promise<void> | undefined;
  const asked: number[] = [];

  // As the signer: a new root is appended to the fleet's repository, then served by get-root.
  const rotate = async () => {
    version++;
    const subject = tuf.subject('tuf', fleet, 'repository');
    const { lastSeq } = await tuf.load(subject);
    const metadata = { signed: { _type: 'root', version } };
    await tuf.append(
      subject,
      lastSeq,
      [{ type: 'RootMetadataSigned', schemaVersion: 1, data: { fleet, version, expires: '2030-01-01T00:00:00Z', metadata } }],
      { actor: { kind: 'service', id: 'signer' }, correlationId: `rotate-${version}`, commandId: `rotate-${version}` },
    );
  };
  const openCache = () =>
    new ObservedRootCache(
      async (f, correlationId) =>
        (await sendRequest(nc, naming, signer.getRoot, { fleet: f }, newContext({ kind: 'service', id: 'device-gateway' }, correlationId)))
          .root,
      { clock: new TestClock() },
    );
  const versionOf = async (cache: RootCache) => ((await cache.rootOf(fleet, 'c-1')).signed as { version: number }).version;

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.signer]);
    tuf = new EventStore<TufEvent>({ nc, naming, stream: eventStreams.signer, parse: parseTufEvent });
    subs = serveRequests(nc, naming, [
      handlerFor(signer.getRoot, async () => {
        const answering = version;
        asked.push(answering);
        await held;
        return { version: answering, development: true, root: { signed: { _type: 'root', version: answering } } };
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(subs.map((s) => s.drain()));
    await nc.close();
  });

  it('asks the signer once for a burst, and serves the new root once the signer announced it', async () => {
    const cache = openCache();
    const feed = new RootFeed({ nc, naming, cache });
    feed.start();
    await cache.until((n) => n.kind === 'following');
    asked.length = 0;
    expect(await Promise.all([1, 2, 3].map(() => versionOf(cache)))).toEqual([version, version, version]);
    expect([await versionOf(cache), await versionOf(cache)]).toEqual([version, version]);
    expect(asked).toHaveLength(1);
    await rotate();
    await cache.until((n) => n.kind === 'announce' && n.fleet === fleet);
    expect(await versionOf(cache)).toBe(version);
    expect(asked).toHaveLength(2);
    await feed.stop();
  });

  it('does not keep an answer the signer gave while a new root was announced', async () => {
    const cache = openCache();
    const feed = new RootFeed({ nc, naming, cache });
    feed.start();
    await cache.until((n) => n.kind === 'following');
    asked.length = 0;
    let release!: () => void;
    held = new Promise<void>((resolve) => (release = resolve));
    const before = version;
    const answering = versionOf(cache);
    while (!asked.includes(before)) await new Promise((r) => setImmediate(r)); // the signer has read the old root
    await rotate();
    await cache.until((n) => n.kind === 'announce');
    release();
    held = undefined;
    expect(await answering).toBe(before); // read before the rotation, as any answer in flight
    expect(await versionOf(cache)).toBe(version);
    await feed.stop();
  });

  it('keeps nothing while the feed is stopped, and serves the newest root once a new feed follows', async () => {
    const cache = openCache();
    const first = new RootFeed({ nc, naming, cache });
    first.start();
    await cache.until((n) => n.kind === 'following');
    await versionOf(cache);
    await first.stop(); // the gateway is going down, or its consumer is gone: news would be missed
    asked.length = 0;
    await rotate();
    expect([await versionOf(cache), await versionOf(cache)]).toEqual([version, version]);
    expect(asked).toHaveLength(2);
    const second = new RootFeed({ nc, naming, cache });
    second.start();
    await cache.until((n) => n.kind === 'following');
    asked.length = 0;
    expect([await versionOf(cache), await versionOf(cache)]).toEqual([version, version]);
    expect(asked).toHaveLength(1); // kept again
    await rotate();
    await cache.until((n) => n.kind === 'announce');
    expect(await versionOf(cache)).toBe(version);
    await second.stop();
  });
});
