import { X509Certificate } from 'node:crypto';
import type { Clock } from '@keelson/service-kit';

export interface FleetDeviceCasOptions {
  /** The fleet's CA certificates (PEM) from the gateway, or null while the fleet has no CA. */
  fetch: (fleet: string) => Promise<string[] | null>;
  clock: Clock;
  /** How long a fleet's CAs are kept; a CA rotation reaches this facade at most this late. */
  ttlMs?: number;
  /** How long "this fleet has no CA" is kept: certificates naming made-up fleets cost one question per this. */
  missTtlMs?: number;
  capacity?: number;
}

interface Entry {
  cas: Promise<X509Certificate[]>;
  until: number;
}

/**
 * Each fleet's device CA certificates, asked of the gateway once and kept: every device request is
 * checked against them. Concurrent requests of one fleet share one question; a failed question
 * (gateway unreachable) is not kept.
 */
export class FleetDeviceCas {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly missTtlMs: number;
  private readonly capacity: number;

  constructor(private readonly o: FleetDeviceCasOptions) {
    this.ttlMs = o.ttlMs ?? 5 * 60_000;
    this.missTtlMs = o.missTtlMs ?? 5_000;
    this.capacity = o.capacity ?? 1_000;
  }

  /** The fleet's CA certificates; empty when it has none. */
  async of(fleet: string): Promise<X509Certificate[]> {
    const now = this.o.clock.now().getTime();
    const hit = this.entries.get(fleet);
    if (hit && hit.until > now) return hit.cas;
    const entry: Entry = { cas: this.load(fleet), until: now + this.ttlMs };
    if (!hit && this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(fleet, entry);
    try {
      const cas = await entry.cas;
      if (cas.length === 0) entry.until = now + this.missTtlMs;
      return cas;
    } catch (err) {
      if (this.entries.get(fleet) === entry) this.entries.delete(fleet);
      throw err;
    }
  }

  private async load(fleet: string): Promise<X509Certificate[]> {
    const pems = await this.o.fetch(fleet);
    return (pems ?? []).map((pem) => new X509Certificate(pem));
  }
}
