import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { DataDirLayout } from '../data-dir/layout.js';
import type { RenewalFetch, RenewKey } from './renew-certificate.js';

/** When a certificate is due: less than a third of its lifetime left (or already expired). */
export function renewalDueAt(cert: { notBefore: Date; notAfter: Date }): Date {
  const lifetime = cert.notAfter.getTime() - cert.notBefore.getTime();
  return new Date(cert.notAfter.getTime() - lifetime / 3);
}

export interface CertificateRenewerOptions {
  layout: DataDirLayout;
  gatewayUrl: string;
  log: (event: string, fields: Record<string, unknown>) => void;
  /** Longest pause between two looks at the certificate (default one hour). */
  maxWaitMs?: number;
  now?: () => Date;
  /** How to reach the gateway (the platform's TLS trust); the global fetch by default. */
  fetch?: RenewalFetch;
  /** Certify a new key at each renewal (`rotate`, the default) or keep the current one. */
  renewKey?: RenewKey;
}

const hour = 3_600_000;

/**
 * Keeps the device certificate fresh while the agent runs: renews when less than a third of its
 * lifetime is left, on start too (a device back from a long absence renews within the grace period),
 * retries failures with a pause, and says so once when only enrolling again can help.
 */
export class CertificateRenewer {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly o: CertificateRenewerOptions) {}

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => (this.running = this.check()), Math.max(0, Math.min(ms, this.o.maxWaitMs ?? hour)));
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const now = this.o.now?.() ?? new Date();
    let cert: { notBefore: Date; notAfter: Date };
    try {
      // node:crypto reads the dates; the CSR and ASN.1 code (@peculiar/x509) loads only when a renewal is due.
      const read = new X509Certificate(await readFile(this.o.layout.deviceCertificate, 'utf8'));
      cert = { notBefore: read.validFromDate, notAfter: read.validToDate };
    } catch (err) {
      this.o.log('certificate-unreadable', { error: (err as Error).message });
      return this.schedule(hour);
    }
    const due = renewalDueAt(cert);
    if (now < due) return this.schedule(due.getTime() - now.getTime());
    const lifetime = cert.notAfter.getTime() - cert.notBefore.getTime();
    const { RenewalRefused, renewCertificate } = await import('./renew-certificate.js');
    try {
      const renewKey = this.o.renewKey ?? 'rotate';
      const renewed = await renewCertificate(this.o.layout, this.o.gatewayUrl, {
        now,
        renewKey,
        ...(this.o.fetch ? { fetch: this.o.fetch } : {}),
      });
      this.o.log('certificate-renewed', { notAfter: renewed.notAfter.toISOString(), renewKey });
      this.schedule(renewalDueAt(renewed).getTime() - now.getTime());
    } catch (err) {
      if (err instanceof RenewalRefused && err.needsEnrollment) {
        this.o.log('certificate-renewal-refused', {
          code: err.code,
          error: err.message,
          action: "run 'keelson-agent enroll' with a re-enrollment token",
        });
        return this.schedule(hour * 24);
      }
      this.o.log('certificate-renewal-failed', {
        ...(err instanceof RenewalRefused ? { code: err.code } : {}),
        error: (err as Error).message,
      });
      this.schedule(Math.min(5 * 60_000, Math.max(1_000, lifetime / 20)));
    }
  }
}
