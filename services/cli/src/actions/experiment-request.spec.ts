import { CliError } from '../cli-io.js';
import { durationSecondsOf, experimentRequestOf, type ExperimentFlags } from './experiment-request.js';

const flags: ExperimentFlags = {
  candidate: 'yolo-v8n@2.2.0',
  baseline: 'yolo-v8n@2.1.0',
  group: 'plant-7',
  split: '20',
  primary: 'confidence_mean:higher',
  guardrail: ['latency_p95_ms:max+10%'],
  'min-samples': '500',
  'max-duration': '2h',
  probe: 'file:/run/app/ready',
};

describe('experiment create flags', () => {
  it('become the request body, with what a promotion does', () => {
    const body = experimentRequestOf({ ...flags, 'on-success': 'promote:stable', 'then-rollout': true, waves: '25,100' });
    expect(body).toMatchObject({
      candidate: 'yolo-v8n@2.2.0',
      baseline: 'yolo-v8n@2.1.0',
      group: 'plant-7',
      split: 20,
      guardrails: ['latency_p95_ms:max+10%'],
      minSamples: 500,
      maxDurationSeconds: 7200,
      probe: { kind: 'file', path: '/run/app/ready' },
      onSuccess: {
        promote: 'stable',
        thenRollout: {
          strategy: {
            waves: [
              { percent: 25, gate: 'auto' },
              { percent: 100, gate: 'auto' },
            ],
            maxFailures: 0,
          },
        },
      },
    });
    expect(experimentRequestOf(flags).onSuccess).toEqual({});
  });

  it.each(['90s', '30m', '2h', '1d', '45'])('reads the duration %s', (text) => {
    expect(durationSecondsOf(text)).toBe({ '90s': 90, '30m': 1800, '2h': 7200, '1d': 86_400, '45': 45 }[text]);
  });

  it.each<[string, ExperimentFlags]>([
    ['a missing --split', { ...flags, split: undefined }],
    ['a split that is no number', { ...flags, split: 'half' }],
    ['a duration without a unit it knows', { ...flags, 'max-duration': '2 weeks' }],
    ['--on-success that is not promote:CHANNEL', { ...flags, 'on-success': 'rollout:stable' }],
    ['--waves without --then-rollout', { ...flags, waves: '50,100' }],
  ])('refuses %s as a usage error', (_, bad) => {
    expect(() => experimentRequestOf(bad)).toThrow(CliError);
  });
});
