import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { readMetricWindows, type EventStoreNaming } from '@keelson/event-store';
import type { ArmedExperiment, ArmMetricsSource, ArmWindow } from './arm-metrics-source.js';

export interface TelemetryArmMetricsOptions {
  nc: NatsConnection;
  naming: EventStoreNaming;
  now: () => Date;
}

/**
 * The arms' metrics from TELEMETRY_METRICS: the windows the arm's devices sent while running the
 * arm's version (candidate arm: the candidate; control arm: the baseline) of the experiment's
 * artifact, accepted since `since`. A window a device sent before it switched version, or for another
 * artifact, counts for neither arm. One entry per device window; the judge merges them per look.
 */
export function telemetryArmMetrics(o: TelemetryArmMetricsOptions): ArmMetricsSource {
  let jsm: Promise<JetStreamManager> | undefined;
  return {
    async summaries(experiment: ArmedExperiment, arm, metric, since): Promise<ArmWindow[]> {
      const { created } = experiment;
      const deviceIds = new Set(arm === 'candidate' ? experiment.candidateDeviceIds : experiment.controlDeviceIds);
      if (deviceIds.size === 0) return [];
      const version = arm === 'candidate' ? created.candidate : created.baseline;
      const windows = await readMetricWindows(await (jsm ??= jetstreamManager(o.nc, { checkAPI: false })), o.naming, { fleet: created.fleet, from: new Date(since), to: o.now(), deviceIds });
      const out: ArmWindow[] = [];
      for (const { message } of windows) {
        const { artifact, windowEnd, metrics } = message.data;
        if (artifact.name !== created.artifactName || artifact.version !== version) continue;
        for (const { name, ...summary } of metrics) if (name === metric) out.push({ windowEnd, summary });
      }
      return out;
    },
  };
}
