import { numberSetting, type ServiceConfig } from '@keelson/service-kit';
import type { RateLimit } from './device-token-buckets.js';

/** How the gateway takes devices' metric windows: how long it keeps them and how fast a device may send. */
export interface MetricsSettings {
  maxAgeSeconds: number;
  rate: RateLimit;
}

/**
 * `KEELSON_METRICS_MAX_AGE_HOURS` (default 168): how long the telemetry stream keeps a window.
 * `KEELSON_METRICS_BURST` (default 5) and `KEELSON_METRICS_REFILL_MS` (default 10,000): each device
 * may send 5 windows at once, then one per 10 s, per gateway replica; an agent's default is one a minute.
 */
export function metricsSettingsOf(config: ServiceConfig): MetricsSettings {
  return {
    maxAgeSeconds: numberSetting(config, 'KEELSON_METRICS_MAX_AGE_HOURS', { default: 168, min: 1, max: 24 * 366 }) * 3600,
    rate: {
      burst: numberSetting(config, 'KEELSON_METRICS_BURST', { default: 5, min: 1, max: 1_000 }),
      refillMs: numberSetting(config, 'KEELSON_METRICS_REFILL_MS', { default: 10_000, min: 10, max: 3_600_000 }),
    },
  };
}
