import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { readMetricWindows, type EventStoreNaming } from '@keelson/event-store';
import type { MetricSummary } from '@keelson/experiment-stats';
import type { ExperimentFacts } from '../domain/experiment.js';

/** One window of one metric on one arm: a device's summary of it (the judge merges them per look). */
export interface ArmWindow {
  /** When the window ended (ISO time): windows are grouped into looks by it. */
  windowEnd: string;
  /** The device that sent it: the evidence counts the devices behind each arm's figures. */
  deviceId: string;
  summary: MetricSummary;
}

/** What a source needs to know of an experiment: what it compares and which devices are in each arm. */
export type ArmedExperiment = Pick<ExperimentFacts, 'created' | 'candidateDeviceIds' | 'controlDeviceIds'>;

/**
 * Where the decision step gets its data: per experiment, arm and metric, the window summaries of the
 * arm's devices that the telemetry stream accepted after `since` (`telemetryArmMetrics`).
 */
export interface ArmMetricsSource {
  summaries(experiment: ArmedExperiment, arm: 'candidate' | 'control', metric: string, since: string): Promise<ArmWindow[]>;
}

/**
 * A source with no data, ever: an experiment judged on it never promotes or aborts on its own; it
 * ends `inconclusive` at its max duration. The judging spec uses it for that case.
 */
export const noArmMetrics: ArmMetricsSource = {
  summaries: () => Promise.resolve([]),
};

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
      const windows = await readMetricWindows(await (jsm ??= jetstreamManager(o.nc, { checkAPI: false })), o.naming, {
        fleet: created.fleet,
        from: new Date(since),
        to: o.now(),
        deviceIds,
      });
      const out: ArmWindow[] = [];
      for (const { deviceId, message } of windows) {
        const { artifact, windowEnd, metrics } = message.data;
        if (artifact.name !== created.artifactName || artifact.version !== version) continue;
        for (const { name, ...summary } of metrics) if (name === metric) out.push({ windowEnd, deviceId, summary });
      }
      return out;
    },
  };
}
