import { DeliverPolicy, jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, type EventStoreNaming } from '@keelson/event-store';
import { SubjectToken } from '@keelson/events';

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

export interface RevokedDevicesFeedOptions {
  nc: NatsConnection;
  naming: EventStoreNaming;
  /** Called with the id of each device whose certificate was just revoked or replaced. */
  onRevoked: (deviceId: string) => void;
  onError?: (err: unknown) => void;
  /** Pause before following the stream again after a failure. */
  retryMs?: number;
}

/**
 * Follows the gateway's device events from now on, so the facade forgets a remembered device the
 * moment it is decommissioned, re-enrolled or renewed, instead of trusting it for the rest of the memory's
 * lifetime. Every facade replica follows on its own (an ordered, ephemeral consumer): each holds its
 * own memory. Events from before the start do not matter, the memory starts empty.
 */
export class RevokedDevicesFeed {
  private messages: ConsumerMessages | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(private readonly o: RevokedDevicesFeedOptions) {}

  start(): void {
    this.running = this.follow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.messages?.close();
    await this.running;
  }

  // The gateway's stream may not exist yet (the facade starts first): retry, backing off to 10 s.
  private async follow(): Promise<void> {
    let pause = this.o.retryMs ?? 1_000;
    while (!this.stopped) {
      try {
        await this.followOnce();
      } catch (err) {
        if (this.stopped) return;
        this.o.onError?.(err);
        await new Promise((r) => setTimeout(r, pause));
        pause = Math.min(pause * 2, 10_000);
      }
    }
  }

  private async followOnce(): Promise<void> {
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
