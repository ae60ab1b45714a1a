import type { ExperimentCreated } from '@keelson/events';
import { seededRandom, summarize } from '@keelson/experiment-stats';
import { noArmMetrics, type ArmMetricsSource, type ArmWindow } from '../metrics/arm-metrics-source.js';
import { judgeExperiment, lookMs } from './judge-experiment.js';

const createdAt = '2026-12-07T10:00:00.000Z';
const start = Date.parse(createdAt);
const created: ExperimentCreated['data'] = {
  fleet: 'plant-7',
  experimentId: 'x-0123456789ab',
  artifactName: 'yolo-v8n',
  candidate: '2.2.0',
  baseline: '2.1.0',
  groupId: 'g-1',
  split: 20,
  plan: { primary: 'confidence_mean:higher', guardrails: ['latency_ms:max+10%'], alpha: 0.05, minSamples: 100, maxDurationSeconds: 3600 },
  probe: { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 0 },
  strategy: { waves: [{ percent: 100, gate: 'auto' }], maxFailures: 0 },
  onSuccess: {},
  createdAt,
};
const experiment = { created, candidateDeviceIds: ['d-1'], controlDeviceIds: ['d-2'] };
const at = (ms: number) => new Date(start + ms);

/** Windows of 50 values every look, with the given means per arm (confidence sd 0.1, latency sd 5). */
function windowsSource(
  looks: number,
  means: Record<'candidate' | 'control', { confidence_mean: number; latency_ms: number }>,
): ArmMetricsSource {
  const random = seededRandom(7);
  const sd = { confidence_mean: 0.1, latency_ms: 5 };
  return {
    summaries: (_id, arm, metric) => {
      const m = metric as 'confidence_mean' | 'latency_ms';
      const windows: ArmWindow[] = Array.from({ length: looks }, (_, k) => ({
        windowEnd: new Date(start + (k + 1) * lookMs - 1000).toISOString(),
        deviceId: `${arm}-${k % 2}`, // two devices per arm, taking turns
        summary: summarize(Array.from({ length: 50 }, () => means[arm][m] + sd[m] * random.normal())),
      }));
      return Promise.resolve(windows);
    },
  };
}

describe('judging an experiment on its arms', () => {
  describe('with no metrics at all', () => {
    it('keeps collecting before the max duration', async () => {
      const d = await judgeExperiment(noArmMetrics, experiment, at(30 * 60_000));
      expect(d).toMatchObject({
        outcome: 'continue',
        samples: { candidate: 0, control: 0 },
        devices: { candidate: { confidence_mean: 0 }, control: { latency_ms: 0 } },
      });
    });
    it('ends inconclusive at the max duration, never promoting', async () => {
      const d = await judgeExperiment(noArmMetrics, experiment, at(3600_000));
      expect(d).toMatchObject({ outcome: 'inconclusive', reason: 'budget-reached', primary: { verdict: 'no-data', looks: 0 } });
    });
  });

  it('promotes a better candidate that keeps its guardrail, on complete looks only', async () => {
    const source = windowsSource(6, {
      candidate: { confidence_mean: 0.8, latency_ms: 40 },
      control: { confidence_mean: 0.7, latency_ms: 40 },
    });
    const d = await judgeExperiment(source, experiment, at(6 * lookMs));
    expect(d).toMatchObject({ outcome: 'promote', reason: 'primary-better', samples: { candidate: 300, control: 300 } });
    expect(d.devices).toEqual({ candidate: { confidence_mean: 2, latency_ms: 2 }, control: { confidence_mean: 2, latency_ms: 2 } });
    expect(d.primary.candidate?.mean).toBeGreaterThan(d.primary.control?.mean ?? Infinity);
    // the sixth look is still open a moment earlier: its window is left for the next tick
    expect((await judgeExperiment(source, experiment, at(6 * lookMs - 1))).samples).toEqual({ candidate: 250, control: 250 });
  });

  it('aborts a candidate that breaches its latency guardrail', async () => {
    const source = windowsSource(4, {
      candidate: { confidence_mean: 0.7, latency_ms: 60 },
      control: { confidence_mean: 0.7, latency_ms: 40 },
    });
    expect(await judgeExperiment(source, experiment, at(4 * lookMs))).toMatchObject({ outcome: 'abort', reason: 'guardrail-breached' });
  });
});
