import type { AuthenticatedDevice } from './device-certificate-check.js';

/** A device's current certificate as the facade knows it (always of an active device: refusals are not kept). */
export interface KnownCertificate extends AuthenticatedDevice {
  fingerprint: string;
}

interface Entry extends KnownCertificate {
  /** When the entry stops holding; Infinity while the device events are followed without a gap. */
  until: number;
}

/**
 * What the facade knows of devices' current certificates, so a device request seldom has to ask
 * the gateway. An entry comes from the gateway's answer or from the device events themselves
 * (`DeviceEnrolled` names the certificate). While the facade follows the device events without a
 * gap, an entry holds until an event revokes it (decommissioned, re-enrolled, renewed: `forget`):
 * any change after the gateway's answer, or after the enrollment event, comes through the same
 * feed. When the feed is not followed (not yet, or lost), an answer holds `ttlMs` and a lost feed
 * drops every entry that relied on it. Bounded: the oldest entry makes room.
 */
export class CurrentCertificates {
  private readonly entries = new Map<string, Entry>();
  /** Devices forgotten (decommissioned, re-enrolled, renewed) with a count, so a check already in flight is not remembered. */
  private readonly forgotten = new Map<string, number>();
  private followed = false;
  /** Bumped at each loss of the feed: an answer asked before a loss is not kept past `ttlMs`. */
  private run = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly capacity: number,
  ) {}

  /** The entry of a device if it still holds at `now`. */
  recall(deviceId: string, now: number): KnownCertificate | undefined {
    const hit = this.entries.get(deviceId);
    return hit && hit.until > now ? hit : undefined;
  }

  /** Taken before asking the gateway, handed back to `rememberAnswer`: what changed meanwhile. */
  mark(deviceId: string): { forgotten: number | undefined; run: number; followed: boolean } {
    return { forgotten: this.forgotten.get(deviceId), run: this.run, followed: this.followed };
  }

  /** Keeps the gateway's answer unless the device was forgotten since `mark`; for good while followed since. */
  rememberAnswer(known: KnownCertificate, since: ReturnType<CurrentCertificates['mark']>, now: number): void {
    if (this.ttlMs <= 0 || this.forgotten.get(known.deviceId) !== since.forgotten) return;
    const followedThroughout = since.followed && this.followed && since.run === this.run;
    this.put({ ...known, until: followedThroughout ? Infinity : now + this.ttlMs });
  }

  /** A device enrolled (the feed saw it): its certificate is current until an event says otherwise. */
  learn(known: KnownCertificate): void {
    if (this.ttlMs <= 0 || !this.followed) return;
    this.forget(known.deviceId);
    this.put({ ...known, until: Infinity });
  }

  /** Drops what is known of a device whose certificate changed or was revoked; its next request asks again. */
  forget(deviceId: string): void {
    this.entries.delete(deviceId);
    const times = (this.forgotten.get(deviceId) ?? 0) + 1;
    this.forgotten.delete(deviceId); // re-inserted last, so the oldest entry is the first to go
    if (this.forgotten.size >= this.capacity) this.forgotten.delete(this.forgotten.keys().next().value!);
    this.forgotten.set(deviceId, times);
  }

  /** The feed follows the device events from now on: every later event will be seen. */
  following(): void {
    this.followed = true;
  }

  /** The feed stopped (failed or closed): events may be missed until it follows again, so what relied on it goes. */
  lost(): void {
    this.followed = false;
    this.run++;
    for (const [deviceId, entry] of this.entries) if (entry.until === Infinity) this.entries.delete(deviceId);
  }

  get size(): number {
    return this.entries.size;
  }

  private put(entry: Entry): void {
    this.entries.delete(entry.deviceId);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(entry.deviceId, entry);
  }
}
