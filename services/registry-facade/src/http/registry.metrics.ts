import { Counter, register } from 'prom-client';

function counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
  return (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames });
}

/** Uploads by outcome: `created` or the refusal's code (`artifact.exists`, `upload.invalid`, ...). */
export const uploadOutcomes = () =>
  counter('keelson_registry_uploads_total', 'Artifact uploads the facade took or refused, by outcome', ['outcome']);

/** What devices were served: metadata documents and targets, and the target bytes sent. */
export const deviceReads = () =>
  counter('keelson_registry_device_reads_total', 'TUF metadata, targets and image manifests and blobs served to devices', ['what']);
export const targetBytes = () => counter('keelson_registry_target_bytes_total', 'Bytes of targets sent to devices (by Content-Length)', []);

/** Device requests refused, by reason: `device.certificate-required`, `device.certificate-expired`, `device.wrong-fleet`, ... */
export const deviceRefusals = () =>
  counter('keelson_registry_device_refusals_total', 'Device requests the facade refused (401, 403), by reason', ['reason']);

/** The code a refusal is counted under: stable codes only, never a message or a value a client chose. */
export function outcomeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[a-z0-9.-]{1,64}$/.test(code)
    ? code
    : err instanceof Error && err.name === 'BlobTooLarge'
      ? 'artifact.too-large'
      : 'error';
}
