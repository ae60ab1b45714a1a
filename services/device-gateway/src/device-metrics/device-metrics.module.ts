import { Logger, Module } from '@nestjs/common';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyTelemetryMetrics } from '@keelson/event-store';
import { declareModule, describeError, NATS, SERVICE_CONFIG, type ModuleDeclaration, type ServiceConfig } from '@keelson/service-kit';
import { DeviceDirectory } from '../devices/device-directory.js';
import { DevicesModule } from '../devices/devices.module.js';
import { DeviceTokenBuckets } from './device-token-buckets.js';
import { MetricsIntake } from './metrics-intake.js';
import { metricsSettingsOf } from './metrics-settings.js';

/** The telemetry stream, applied with the installation's replicas, and the intake feeding it in every replica. */
function deviceMetricsDeclaration(nc: NatsConnection, config: ServiceConfig, directory: DeviceDirectory): ModuleDeclaration {
  const logger = new Logger('device-metrics');
  const settings = metricsSettingsOf(config);
  const intake = new MetricsIntake({
    nc,
    js: jetstream(nc),
    naming: config.naming,
    directory,
    buckets: new DeviceTokenBuckets(settings.rate),
    now: () => Date.now(),
    onError: (err) => logger.error(`device metrics: ${describeError(err)}`),
  });
  return {
    module: 'device-metrics',
    applyOtherStreams: (jsm, replicas) => applyTelemetryMetrics(jsm, config.naming, { replicas, maxAgeSeconds: settings.maxAgeSeconds }),
    // A queue group: each window reaches one replica. Each replica keeps its own buckets, so with n
    // replicas a device may get up to n times its rate through; the broker spreads a device's publishes.
    reactors: [{ name: 'metrics intake', replicas: 'partitioned', start: () => intake.start(), stop: () => intake.stop() }],
  };
}

const DEVICE_METRICS_DECLARATION = Symbol('DeviceMetricsDeclaration');

/** What devices measure: per-window metric summaries, checked and kept as telemetry. */
@Module({
  imports: [DevicesModule],
  providers: [
    {
      provide: DEVICE_METRICS_DECLARATION,
      inject: [NATS, SERVICE_CONFIG, DeviceDirectory],
      useFactory: (nc: NatsConnection, config: ServiceConfig, directory: DeviceDirectory) =>
        declareModule(deviceMetricsDeclaration(nc, config, directory)),
    },
  ],
})
export class DeviceMetricsModule {}
