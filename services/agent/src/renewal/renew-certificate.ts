import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 providers through tsyringe
import { readFile } from 'node:fs/promises';
import * as x509 from '@peculiar/x509';
import { writeFileAtomic } from '../data-dir/atomic-file.js';
import type { DataDirLayout } from '../data-dir/layout.js';
import { retryTransient, type RetryPolicy, type TransientFailures } from '../link/retry-backoff.js';
import { isTransientFailure } from '../tuf/transient-failure.js';
import { certifiesKey, completePendingRenewal, nextKey, storePendingCertificate } from './pending-renewal.js';
import { RenewalRefused, renewalRequest, sendRenewal, type RenewalFetch } from './renewal-request.js';

export { RenewalRefused, type RenewalFetch } from './renewal-request.js';

/**
 * Which key a renewal certifies: `rotate` (the default) a fresh one, so that a key stolen without
 * anyone noticing stops working at the next renewal; `keep` the current one (for a key that cannot
 * be replaced, e.g. one bound to a secure element).
 */
export type RenewKey = 'keep' | 'rotate';

export interface RenewOptions {
  renewKey?: RenewKey;
  /** The time of the first attempt's proof (default: the clock); a later attempt adds the time since. */
  now?: Date;
  fetch?: RenewalFetch;
  /** Attempts and first pause when the gateway is briefly away (default: the downloads' `defaultRetry`). */
  retry?: RetryPolicy;
}

/**
 * A gateway answering 5xx (503 while the broker is away, honouring its `Retry-After`) or a
 * connection refused, reset or dropped is asked again; a refusal (4xx) is final at once.
 */
const renewalFailures: TransientFailures = {
  isTransient: (err) => (err instanceof RenewalRefused ? err.transient : isTransientFailure(err)),
  askedPauseMs: (err) => (err instanceof RenewalRefused ? err.retryAfterMs : undefined),
};

/**
 * Renews the device certificate at `<gateway>/v1/renew`. With `rotate`, the next key is made and
 * written aside first, the current key proves the identity, and the new key and certificate are
 * swapped in only once the gateway answered (see pending-renewal.ts for what a crash leaves). With
 * `keep`, only the certificate changes. A gateway briefly away is asked again with the downloads'
 * backoff; each attempt signs a fresh proof, since the gateway refuses a replayed one (and answers
 * an attempt whose earlier answer was lost with the certificate it issued then). Returns the
 * certificate now in use.
 */
export async function renewCertificate(
  layout: DataDirLayout,
  gatewayUrl: string,
  options: RenewOptions = {},
): Promise<x509.X509Certificate> {
  await completePendingRenewal(layout); // an answer a crash kept from being swapped in
  const [currentKey, certificate] = await Promise.all([readFile(layout.deviceKey, 'utf8'), readFile(layout.deviceCertificate, 'utf8')]);
  const next = (options.renewKey ?? 'rotate') === 'rotate' ? await nextKey(layout) : currentKey;
  const started = Date.now();
  const proofTime = () => new Date((options.now?.getTime() ?? started) + (Date.now() - started));
  const answer = await retryTransient(
    async () => sendRenewal(gatewayUrl, await renewalRequest(certificate, currentKey, next, proofTime()), options.fetch),
    renewalFailures,
    options.retry,
  );
  // Never keep a certificate for a key the device does not hold.
  if (!certifiesKey(answer.certificate, next))
    throw new RenewalRefused('renewal.wrong-key', 'the gateway answered with a certificate for another key');
  await writeFileAtomic(layout.caCertificate, answer.caCertificate);
  await storePendingCertificate(layout, answer.certificate);
  await completePendingRenewal(layout);
  return new x509.X509Certificate(answer.certificate);
}
