import type { NodeSDK } from '@opentelemetry/sdk-node';

let sdk: NodeSDK | undefined;
let started = false;

/**
 * Whether the standard `OTEL_*` variables ask for traces: an OTLP endpoint, or a traces exporter
 * other than `none`; and the SDK is not disabled. Without them a service loads no SDK at all.
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (exporters.includes('none')) return false;
  return exporters.length > 0 || !!env.OTEL_EXPORTER_OTLP_ENDPOINT || !!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
}

/**
 * Starts the OpenTelemetry Node SDK for traces (once per process), configured by the `OTEL_*`
 * variables, with `service.name` the service's own unless `OTEL_SERVICE_NAME` says otherwise.
 * Metrics stay with Prometheus and logs on stdout: the SDK exports neither.
 */
export async function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (started) return sdk !== undefined;
  started = true;
  if (!tracingRequested(env)) return false;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  sdk = new NodeSDK({ ...(env.OTEL_SERVICE_NAME ? {} : { serviceName: service }), metricReaders: [], logRecordProcessors: [] });
  sdk.start();
  return true;
}

/** Exports the spans still buffered and stops the SDK; a service calls it last on shutdown. */
export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown().catch(() => undefined);
}
