import { Counter, Gauge, register } from 'prom-client';
import type { TufRepository } from './repository/tuf-repository.evolve.js';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

/** TUF metadata documents signed and recorded, by role and why (`initialise`, `publish`, `renew`). */
export const signedMetadata = (): Counter<string> =>
  counter('keelson_signer_metadata_signed_total', 'TUF metadata documents signed and appended, by role and reason', ['role', 'reason']);

/** Received artifacts the signer refused to sign, by refusal code (e.g. `tuf.target-conflict`). */
export const refusedArtifacts = (): Counter<string> =>
  counter('keelson_signer_artifacts_refused_total', 'Received artifacts refused for signing, by code', ['code']);

const expiryName = 'keelson_tuf_metadata_expiry_timestamp_seconds';

/** When each role's metadata in force expires (Unix seconds), by fleet and role; `bins` is the hash bin that expires first. */
export const metadataExpiry = (): Gauge<string> =>
  (register.getSingleMetric(expiryName) as Gauge<string> | undefined) ??
  new Gauge({
    name: expiryName,
    help: 'When the TUF metadata in force expires (Unix seconds), by fleet and role',
    labelNames: ['fleet', 'role'],
  });

/** Records a fleet's expiries after a renewal round, so an alert sees renewal falling behind before devices do. */
export function recordMetadataExpiry(fleet: string, state: TufRepository): void {
  if (state.status !== 'active') return;
  const gauge = metadataExpiry();
  for (const [role, document] of Object.entries(state.documents)) gauge.set({ fleet, role }, Date.parse(document.expires) / 1000);
  const bins = Object.values(state.bins).map((bin) => Date.parse(bin.expires));
  if (bins.length) gauge.set({ fleet, role: 'bins' }, Math.min(...bins) / 1000);
}
