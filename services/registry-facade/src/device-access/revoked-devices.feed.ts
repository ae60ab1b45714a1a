import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, type EventStoreNaming } from '@keelson/event-store';
import { SubjectToken } from '@keelson/events';
import { StreamFollower, type StreamFollowerOptions } from '../memory/stream-follower.js';

/** Device events after which a device's remembered certificate no longer holds (renewal: a newer one is current). */
const revoking = new Set<string>(['DeviceDecommissioned', 'DeviceReenrolled', 'DeviceCertificateRenewed']);

const decoder = new TextDecoder();

/**
 * The device a revoking event names. Read by the envelope alone, not the full schema: forgetting a
 * device too eagerly costs one more question to the gateway, missing a revocation costs security.
 */
function revokedIn(data: Uint8Array): string | undefined {
  try {
    const raw = JSON.parse(decoder.decode(data)) as { type?: unknown; data?: { deviceId?: unknown } };
    if (typeof raw.type !== 'string' || !revoking.has(raw.type)) return undefined;
    const parsed = SubjectToken.safeParse(raw.data?.deviceId);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface RevokedDevicesFeedOptions extends StreamFollowerOptions {
  nc: NatsConnection;
  naming: EventStoreNaming;
  /** Called with the id of each device whose certificate was just revoked or replaced. */
  onRevoked: (deviceId: string) => void;
}

/**
 * Follows the gateway's device events from now on, so the facade forgets a remembered device the
 * moment it is decommissioned, re-enrolled or renewed, instead of trusting it for the rest of the memory's
 * lifetime. Every facade replica follows on its own (an ordered, ephemeral consumer): each holds its
 * own memory. Events from before the start do not matter, the memory starts empty.
 */
export class RevokedDevicesFeed extends StreamFollower {
  constructor(private readonly o: RevokedDevicesFeedOptions) {
    super(o);
  }

  protected async followOnce(): Promise<void> {
    const { nc, naming } = this.o;
    const consumer = await jetstream(nc).consumers.get(`${naming.streamPrefix}${eventStreams.gateway.name}`, {
      filter_subjects: `${naming.subjectPrefix}ev.device.>`,
      deliver_policy: DeliverPolicy.New,
    });
    if (this.stopped) return;
    this.messages = await consumer.consume();
    for await (const m of this.messages) {
      const deviceId = revokedIn(m.data);
      if (deviceId) this.o.onRevoked(deviceId);
    }
  }
}
