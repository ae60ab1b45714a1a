import { Counter, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

/** TUF metadata documents signed and recorded, by role and why (`initialise`, `publish`, `renew`). */
export const signedMetadata = (): Counter<string> =>
  counter('keelson_signer_metadata_signed_total', 'TUF metadata documents signed and appended, by role and reason', ['role', 'reason']);

/** Received artifacts the signer refused to sign, by refusal code (e.g. `tuf.target-conflict`). */
export const refusedArtifacts = (): Counter<string> =>
  counter('keelson_signer_artifacts_refused_total', 'Received artifacts refused for signing, by code', ['code']);
