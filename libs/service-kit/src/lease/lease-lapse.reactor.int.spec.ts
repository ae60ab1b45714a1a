import { ReactorRunner, type StreamDeclaration, type WriteFence } from '@keelson/event-store';
import { eventually } from '@keelson/testing';
import type { Worker } from '../runner/module-declaration.js';
import {
  devices,
  lapseTiming,
  LeaseLapseBench,
  oneToN,
  stall,
  stallAt,
  tenures,
  total,
  type Handled,
} from '../test-fixtures/lease-lapse-bench.js';
import { leaseKey, openLeaseBucket } from './lease-bucket.js';

describe('a single-active reactor whose lease lapses while it works', () => {
  const bench = new LeaseLapseBench();
  beforeAll(() => bench.open());
  afterAll(() => bench.close());

  /** A reactor partitioned by device that records each message it handles; the event `stallAt` runs `onStall` once. */
  function reactorRun(name: string, stream: StreamDeclaration, onStall: () => unknown) {
    let stalled = false;
    return (fence: WriteFence): Worker => {
      const runner = new ReactorRunner({
        nc: bench.nc,
        naming: bench.config.naming,
        fence,
        batchSize: 10,
        retryDelayMs: 100,
        partitionBy: (m) => m.subject,
        reactor: {
          name,
          stream,
          parse: (raw) => raw,
          async handle({ seq, subject }) {
            await bench.record(bench.db, name, seq, subject);
            await new Promise((r) => setTimeout(r, 5));
            if (seq === stallAt && !stalled) {
              stalled = true;
              await onStall();
            }
          },
        },
      });
      return { name, start: () => runner.start(), stop: () => runner.stop() };
    };
  }

  /** Every device's messages handled in stream order: each at least once, a repeat only of what came before. */
  function expectInDeviceOrder(rows: Handled[]): void {
    for (let d = 0; d < devices; d++) {
      const firsts = [...new Set(rows.filter((r) => r.device === `d${d}`).map((r) => r.seq))];
      expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
    }
  }

  async function expectResumed(name: string, onStall: () => unknown): Promise<void> {
    const stream = await bench.prepare(name);
    const { worker, log } = bench.singleActive(name, 'react', reactorRun(name, stream, onStall));
    await worker.start();
    try {
      const seqs = async () => new Set((await bench.handled(name)).map((r) => r.seq));
      await eventually(async () => (await seqs()).size === total, { ms: 20_000, what: 'every message handled' });
      expect([...(await seqs())].sort((a, b) => a - b)).toEqual(oneToN(total));
      expectInDeviceOrder(await bench.handled(name));
      expect(tenures(log)).toBeGreaterThanOrEqual(2); // it did lose the lease (or its tenure), and ran again
    } finally {
      await worker.stop();
    }
  }

  it(
    'resumes after a stall past its validity (the server still has the lease): every device in order, every message handled',
    () => expectResumed('lapse_valid', () => stall(1_700)),
    40_000,
  );

  it(
    'resumes after a stall past its TTL (the server let the lease go): every device in order, every message handled',
    () => expectResumed('lapse_ttl', () => stall(3_200)),
    40_000,
  );

  it('resumes once its lease key was deleted under it: every device in order, every message handled', async () => {
    const kv = await openLeaseBucket(bench.nc, bench.config, lapseTiming.ttlMs);
    await expectResumed('lapse_deleted', () => kv.delete(leaseKey(`${bench.naming.streamPrefix}react-lapse_deleted`)));
  }, 40_000);
});
