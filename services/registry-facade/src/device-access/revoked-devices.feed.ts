import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, typedFilterSubjects, type EventStoreNaming } from '@keelson/event-store';
import { Sha256Hex, SubjectToken } from '@keelson/events';
import type { KnownCertificate } from './current-certificates.js';
import { StreamFollower, type StreamFollowerOptions } from '../memory/stream-follower.js';

/** Device events after which a device's remembered certificate no longer holds (renewal: a newer one is current). */
const revoking = new Set<string>(['DeviceDecommissioned', 'DeviceReenrolled', 'DeviceCertificateRenewed']);
/** Only these types are delivered (typed subjects; untyped events from before them too). */
const followed = typedFilterSubjects(eventStreams.gateway, ['ev.device.>'], [...revoking, 'DeviceEnrolled']);

const decoder = new TextDecoder();

type CertificateNews = { revoked: string } | { enrolled: KnownCertificate } | undefined;

/**
 * What a device event says of the device's certificate. Read by the envelope alone, not the full
 * schema: forgetting a device too eagerly costs one more question to the gateway, missing a
 * revocation costs security. An enrollment is believed only whole (fleet, device and fingerprint
 * well formed): it admits the device without asking.
 */
export function certificateNewsIn(data: Uint8Array): CertificateNews {
  try {
    const raw = JSON.parse(decoder.decode(data)) as {
      type?: unknown;
      data?: { fleet?: unknown; deviceId?: unknown; certificateFingerprint?: unknown };
    };
    if (typeof raw.type !== 'string') return undefined;
    const deviceId = SubjectToken.safeParse(raw.data?.deviceId);
    if (!deviceId.success) return undefined;
    if (revoking.has(raw.type)) return { revoked: deviceId.data };
    if (raw.type !== 'DeviceEnrolled') return undefined;
    const [fleet, fingerprint] = [SubjectToken.safeParse(raw.data?.fleet), Sha256Hex.safeParse(raw.data?.certificateFingerprint)];
    return fleet.success && fingerprint.success
      ? { enrolled: { fleet: fleet.data, deviceId: deviceId.data, fingerprint: fingerprint.data } }
      : undefined;
  } catch {
    return undefined;
  }
}

export interface RevokedDevicesFeedOptions extends StreamFollowerOptions {
  nc: NatsConnection;
  naming: EventStoreNaming;
  /** Called with the id of each device whose certificate was just revoked or replaced. */
  onRevoked: (deviceId: string) => void;
  /** Called with each device that just enrolled, and the certificate it enrolled with. */
  onEnrolled: (device: KnownCertificate) => void;
  /** The feed follows the events from now on (its consumer exists): no later event will be missed. */
  onFollowing: () => void;
  /** The feed stopped following (failed or closed): events may be missed until `onFollowing` again. */
  onLost: () => void;
}

/**
 * Follows the gateway's device events from now on, so the facade forgets a remembered device the
 * moment it is decommissioned, re-enrolled or renewed, instead of trusting it for the rest of the
 * memory's lifetime, and learns the certificate of each device that enrolls, so that device's
 * requests ask the gateway nothing. Every facade replica follows on its own (an ordered, ephemeral
 * consumer): each holds its own memory. Events from before the start do not matter: what the
 * facade knows from before is either asked after the start or dropped at a loss (`onLost`).
 */
export class RevokedDevicesFeed extends StreamFollower {
  constructor(private readonly o: RevokedDevicesFeedOptions) {
    super(o);
  }

  protected async followOnce(): Promise<void> {
    const { nc, naming } = this.o;
    const consumer = await jetstream(nc).consumers.get(`${naming.streamPrefix}${eventStreams.gateway.name}`, {
      filter_subjects: followed.map((s) => `${naming.subjectPrefix}${s}`),
      deliver_policy: DeliverPolicy.New,
    });
    if (this.stopped) return;
    // The stream's last event when the consumer was made: an enrollment at or before it is not news.
    // (An ordered consumer that resets before its first message starts over from the stream's start.)
    const followedAfter = (await consumer.info(true)).delivered.stream_seq;
    this.messages = await consumer.consume();
    this.o.onFollowing();
    try {
      for await (const m of this.messages) {
        const news = certificateNewsIn(m.data);
        if (!news) continue;
        if ('revoked' in news) this.o.onRevoked(news.revoked);
        else if (m.seq > followedAfter) this.o.onEnrolled(news.enrolled);
      }
    } finally {
      this.o.onLost();
    }
  }
}
