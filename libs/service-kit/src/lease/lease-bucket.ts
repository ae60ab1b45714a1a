import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ServiceConfig } from '../config.js';
import { streamReplicasOf } from '../runner/stream-replicas.js';
import { LEASE_TIMING } from './runner-lease.js';

/** The bucket of one service's runner leases (`leases-<service>`, under the stream prefix in tests). */
export const leaseBucketName = (config: ServiceConfig): string => `${config.naming.streamPrefix}leases-${config.service}`;

/** This process, as a lease holder: host, pid and a random part (a pid is reused across restarts). */
export const leaseHolderId = (): string => `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;

/**
 * A lease key from a runner's consumer name: KV keys allow `[-/_=.a-zA-Z0-9]`, and a dot would
 * make a subject level of it.
 */
export const leaseKey = (consumer: string): string => consumer.replace(/[^-_=a-zA-Z0-9]/g, '_');

/**
 * Opens (creating when missing) the service's lease bucket: history 1, the lease TTL as max_age,
 * the configured replicas. A bucket made with another TTL gets this one.
 *
 * Why max_age and not per-key TTLs: the pinned nats-server (2.15) has per-message TTLs (2.11+), but
 * nats.js's `update` (compare-and-set, the renewal) cannot set one, and every lease has the same TTL.
 */
export async function openLeaseBucket(nc: NatsConnection, config: ServiceConfig, ttlMs = LEASE_TIMING.ttlMs): Promise<KV> {
  const name = leaseBucketName(config);
  const kv = await new Kvm(jetstream(nc)).create(name, { history: 1, ttl: ttlMs, replicas: streamReplicasOf(config) });
  const status = await kv.status();
  if (status.ttl !== ttlMs)
    await (await jetstreamManager(nc)).streams.update(status.streamInfo.config.name, { max_age: ttlMs * 1_000_000 });
  return kv;
}
