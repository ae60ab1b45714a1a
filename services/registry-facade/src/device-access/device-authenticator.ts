import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { gateway } from '@keelson/commands';
import type { EventStoreNaming } from '@keelson/event-store';
import { callCommand, newContext, ServiceError, type Clock } from '@keelson/service-kit';
import { wrongFleet } from '../http/http-failure.js';
import { parseBasicCredentials } from './basic-credentials.js';

/** A device the gateway vouched for. */
export interface AuthenticatedDevice {
  fleet: string;
  deviceId: string;
}

interface Remembered extends AuthenticatedDevice {
  digest: Buffer;
  until: number;
}

export interface DeviceAuthenticatorOptions {
  /** Asks the gateway (`cmd.gateway.authenticate-device`); a seam only for the transport, not the logic. */
  check: (deviceId: string, password: string) => Promise<AuthenticatedDevice>;
  clock: Clock;
  /** How long a successful check is trusted; a revocation takes at most this long to bite here. */
  ttlMs?: number;
  capacity?: number;
}

const unauthenticated = () => new ServiceError('Unauthorized', 'device.unauthenticated', 'device credentials are required (HTTP Basic: device id and password)');

/**
 * Authenticates devices by asking the gateway, remembering successes briefly: a fleet downloading
 * at once would otherwise send one NATS request per metadata file and target. Failures are never
 * remembered, so a device that just enrolled is not locked out. Passwords are kept only as salted
 * digests, with a salt that lives and dies with this process.
 */
export class DeviceAuthenticator {
  private readonly remembered = new Map<string, Remembered>();
  /** Devices forgotten (decommissioned, re-enrolled) with a count, so a check already in flight is not remembered. */
  private readonly forgotten = new Map<string, number>();
  private readonly salt = randomBytes(16);
  private readonly ttlMs: number;
  private readonly capacity: number;

  constructor(private readonly o: DeviceAuthenticatorOptions) {
    this.ttlMs = o.ttlMs ?? 30_000;
    this.capacity = o.capacity ?? 10_000;
  }

  /** The device behind the header if it belongs to `fleet`; 401 if unknown, 403 for another fleet's device. */
  async admit(authorization: string | undefined, fleet: string): Promise<AuthenticatedDevice> {
    const device = await this.authenticate(authorization);
    if (device.fleet !== fleet) throw wrongFleet();
    return device;
  }

  /** The device behind an `Authorization` header; ServiceError `Unauthorized` (or `Unavailable`) otherwise. */
  async authenticate(authorization: string | undefined): Promise<AuthenticatedDevice> {
    const presented = parseBasicCredentials(authorization);
    if (!presented) throw unauthenticated();
    const digest = createHash('sha256').update(this.salt).update(presented.password, 'utf8').digest();
    const now = this.o.clock.now().getTime();
    const hit = this.remembered.get(presented.deviceId);
    if (hit && hit.until > now && timingSafeEqual(hit.digest, digest)) return { fleet: hit.fleet, deviceId: hit.deviceId };
    if (hit) this.remembered.delete(presented.deviceId);
    const forgottenBefore = this.forgotten.get(presented.deviceId);
    const device = await this.o.check(presented.deviceId, presented.password);
    // The gateway said yes before the device's credentials were revoked: answer, but do not remember it.
    if (this.forgotten.get(presented.deviceId) !== forgottenBefore) return device;
    if (this.remembered.size >= this.capacity) this.remembered.delete(this.remembered.keys().next().value!);
    this.remembered.set(presented.deviceId, { ...device, digest, until: now + this.ttlMs });
    return device;
  }

  /** Drops what is remembered of a device whose credentials the gateway revoked; its next request asks again. */
  forget(deviceId: string): void {
    this.remembered.delete(deviceId);
    const times = (this.forgotten.get(deviceId) ?? 0) + 1;
    this.forgotten.delete(deviceId); // re-inserted last, so the oldest entry is the first to go
    if (this.forgotten.size >= this.capacity) this.forgotten.delete(this.forgotten.keys().next().value!);
    this.forgotten.set(deviceId, times);
  }
}

/** The gateway check over NATS. */
export function gatewayCheck(nc: NatsConnection, naming: EventStoreNaming): DeviceAuthenticatorOptions['check'] {
  return (deviceId, password) =>
    callCommand(nc, naming, gateway.authenticateDevice, { deviceId, password }, newContext({ kind: 'service', id: 'registry-facade' }), { timeoutMs: 5_000 });
}
