import type { WriteFence } from '@keelson/event-store';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ServiceConfig } from '../config.js';
import type { Worker } from '../runner/module-declaration.js';
import { leaseHeldGauge } from './lease-held.metric.js';
import { leaseHolderId, leaseKey, openLeaseBucket } from './lease-bucket.js';
import { LEASE_TIMING, RunnerLease, type LeaseTiming } from './runner-lease.js';
import { SingleActive } from './single-active.js';

export interface RunnerLeasesOptions {
  nc: NatsConnection;
  config: ServiceConfig;
  log: (line: string) => void;
  onError: (err: unknown) => void;
  timing?: LeaseTiming;
}

/** The leases of one process's single-active runners: one bucket per service, one holder id per process. */
export class RunnerLeases {
  readonly holder = leaseHolderId();
  private bucket: Promise<KV> | undefined;

  constructor(private readonly o: RunnerLeasesOptions) {}

  /**
   * A worker that runs `runner` only while this process holds the lease named after `consumer` (the
   * runner's durable consumer: two replicas of one runner share it), and reports it on the gauge.
   */
  singleActive(name: string, consumer: string, runner: (fence: WriteFence) => Worker): Worker {
    const key = leaseKey(consumer);
    const gauge = leaseHeldGauge();
    const labels = { service: this.o.config.service, runner: key };
    let inner: SingleActive | undefined;
    return {
      name,
      start: async () => {
        const timing = this.o.timing ?? LEASE_TIMING;
        const lease = new RunnerLease(await this.kv(), key, this.holder, timing);
        const onHeld = (held: boolean) => gauge.set(labels, held ? 1 : 0);
        const reopenBucket = async () => void (await openLeaseBucket(this.o.nc, this.o.config, timing.ttlMs));
        inner = new SingleActive({ name, lease, runner, onHeld, log: this.o.log, onError: this.o.onError, reopenBucket });
        await inner.start();
      },
      stop: () => inner?.stop(),
    };
  }

  private kv(): Promise<KV> {
    this.bucket ??= openLeaseBucket(this.o.nc, this.o.config, (this.o.timing ?? LEASE_TIMING).ttlMs);
    this.bucket.catch(() => (this.bucket = undefined)); // a later start tries again
    return this.bucket;
  }
}
