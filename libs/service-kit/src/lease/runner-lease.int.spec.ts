import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { loadServiceConfig } from '../config.js';
import { leaseHeldGauge } from './lease-held.metric.js';
import { leaseBucketName, openLeaseBucket } from './lease-bucket.js';
import { RunnerLease, type LeaseTiming } from './runner-lease.js';
import { RunnerLeases } from './runner-leases.js';
import type { Worker } from '../runner/module-declaration.js';

// Short leases so that expiry shows within a second; the product's timing is LEASE_TIMING.
const timing: LeaseTiming = { ttlMs: 1_000, renewMs: 250, pollMs: 100, marginMs: 400 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a runner lease in NATS KV', () => {
  const naming = testNamespace();
  const config = loadServiceConfig('lease-spec', {
    KEELSON_NATS_URL: 'nats://unused',
    KEELSON_STREAM_PREFIX: naming.streamPrefix,
    KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
  });
  let nc: NatsConnection;
  let kv: KV;

  beforeAll(async () => {
    nc = await connectTestNats();
    kv = await openLeaseBucket(nc, config, timing.ttlMs);
  });
  afterAll(() => nc.close());

  it('has one holder at a time; the other takes over once the holder stops renewing, with a larger token', async () => {
    const a = new RunnerLease(kv, 'proj-one', 'a', timing);
    const b = new RunnerLease(kv, 'proj-one', 'b', timing);
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    expect(await a.renew()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    const stoppedRenewing = performance.now();
    while (!(await b.tryAcquire())) await sleep(timing.pollMs);
    // Not before the holder's own validity ran out, nor long after the server's TTL.
    expect(performance.now() - stoppedRenewing).toBeGreaterThanOrEqual(timing.ttlMs - timing.marginMs);
    expect(performance.now() - stoppedRenewing).toBeLessThan(timing.ttlMs + 1_000);
    expect(a.isHeld()).toBe(false);
    expect(b.token).toBeGreaterThan(a.token);
    expect(await a.renew()).toBe(false); // compare-and-set on a revision that is no longer the key's
    expect((await kv.get('proj-one'))?.string()).toBe('b');
  });

  it('is free at once when its holder releases it', async () => {
    const a = new RunnerLease(kv, 'proj-two', 'a', timing);
    const b = new RunnerLease(kv, 'proj-two', 'b', timing);
    expect(await a.tryAcquire()).toBe(true);
    await a.release();
    expect(a.isHeld()).toBe(false);
    expect(await b.tryAcquire()).toBe(true);
  });

  it('keeps the lease through a renewal whose answer was lost, and takes back a key that still names it', async () => {
    const a = new RunnerLease(kv, 'proj-five', 'a', timing);
    const b = new RunnerLease(kv, 'proj-five', 'b', timing);
    expect(await a.tryAcquire()).toBe(true);
    // A renewal that landed while its answer was lost (a timeout under load): the key moved on without a.
    const landed = await kv.update('proj-five', 'a', (await kv.get('proj-five'))!.revision);
    expect(await a.renew()).toBe(true);
    expect((await kv.get('proj-five'))!.revision).toBeGreaterThan(landed);
    expect(await b.tryAcquire()).toBe(false); // a's, still
    // A tenure that ended without giving the lease up: the same holder takes it again, with a larger token.
    const before = a.token;
    expect(await a.tryAcquire()).toBe(true);
    expect(a.token).toBeGreaterThan(before);
    await a.release();
    expect(await b.tryAcquire()).toBe(true);
    expect(await a.tryAcquire()).toBe(false);
    expect(await a.renew()).toBe(false);
  });

  it('keeps the lease bucket at the lease TTL', async () => {
    expect((await kv.status()).ttl).toBe(timing.ttlMs);
    expect(leaseBucketName(config)).toBe(`${naming.streamPrefix}leases-lease-spec`);
  });

  describe('when two processes run the same single-active runner', () => {
    it('runs it in one, shows who holds it on keelson_runner_lease_held, and hands it over on stop', async () => {
      const log: string[] = [];
      const runner = (who: string) => (): Worker => ({
        name: 'r',
        start: () => void log.push(`start ${who}`),
        stop: () => void log.push(`stop ${who}`),
      });
      const leasesOf = () =>
        new RunnerLeases({ nc, config, timing, log: () => undefined, onError: (err) => log.push(`error ${String(err)}`) });
      const [first, second] = [
        leasesOf().singleActive('r', 'proj-three', runner('first')),
        leasesOf().singleActive('r', 'proj-three', runner('second')),
      ];
      const held = async () => (await leaseHeldGauge().get()).values.find((v) => v.labels.runner === 'proj-three')?.value;
      await first.start();
      expect(await held()).toBe(1);
      await second.start(); // stands by: the same gauge series of this one process says 0 for it
      await sleep(3 * timing.renewMs);
      expect(log).toEqual(['start first']);
      await first.stop();
      for (let i = 0; i < 20 && log.length < 3; i++) await sleep(timing.pollMs);
      expect(log).toEqual(['start first', 'stop first', 'start second']);
      await second.stop();
      expect(log).toEqual(['start first', 'stop first', 'start second', 'stop second']);
      expect(await held()).toBe(0);
    });

    it('runs it again once its lease bucket was deleted, in a bucket made anew', async () => {
      const log: string[] = [];
      const worker = new RunnerLeases({ nc, config, timing, log: () => undefined, onError: () => undefined }).singleActive(
        'r',
        'proj-four',
        () => ({
          name: 'r',
          start: () => void log.push('start'),
          stop: () => void log.push('stop'),
        }),
      );
      await worker.start();
      expect(log).toEqual(['start']);
      await (await openLeaseBucket(nc, config, timing.ttlMs)).destroy();
      for (let i = 0; i < 50 && log.length < 3; i++) await sleep(timing.pollMs);
      expect(log).toEqual(['start', 'stop', 'start']);
      expect((await kv.get('proj-four'))?.string()).toMatch(/./); // the holder's id, in the new bucket
      await worker.stop();
    });
  });
});
