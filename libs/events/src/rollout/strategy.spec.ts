import { coveredBy, defaultDeviceTimeoutSeconds, deviceTimeoutSecondsOf, Strategy, waveOfIndex } from './strategy.js';

function issuesOf(raw: unknown): string[] {
  const result = Strategy.safeParse(raw);
  if (result.success) throw new Error('parsed, but should have been rejected');
  return result.error.issues.map((i) => i.path.join('.'));
}

describe('strategy', () => {
  it('parses a canary, then a manual gate, then the rest, to itself', () => {
    const strategy = {
      waves: [
        { percent: 5, gate: 'auto' },
        { percent: 25, gate: 'manual' },
        { percent: 100, gate: 'auto' },
      ],
      maxFailures: 2,
    };
    expect(Strategy.parse(strategy)).toEqual(strategy);
  });

  it('tolerates no failure unless told otherwise', () => {
    expect(Strategy.parse({ waves: [{ percent: 100, gate: 'auto' }] }).maxFailures).toBe(0);
  });

  it('parses a strategy written before the failure rate, the throttle and the timeout existed, to itself', () => {
    const old = { waves: [{ percent: 100, gate: 'auto' }], maxFailures: 1 };
    expect(Strategy.parse(old)).toEqual(old);
    expect(deviceTimeoutSecondsOf(Strategy.parse(old))).toBe(defaultDeviceTimeoutSeconds);
  });

  it('parses a failure rate, a throttle and a per-device timeout', () => {
    const strategy = {
      waves: [{ percent: 100, gate: 'auto' }],
      maxFailures: 3,
      failureRate: { maxPercent: 5, minFinished: 20 },
      maxConcurrent: 50,
      deviceTimeoutSeconds: 600,
    };
    expect(Strategy.parse(strategy)).toEqual(strategy);
    expect(deviceTimeoutSecondsOf(Strategy.parse(strategy))).toBe(600);
  });

  describe('rejects', () => {
    it('a failure rate over 100 % or without a minimum, a throttle of 0 and a timeout under a minute', () => {
      const waves = [{ percent: 100, gate: 'auto' }];
      expect(issuesOf({ waves, failureRate: { maxPercent: 101, minFinished: 0 } })).toEqual([
        'failureRate.maxPercent',
        'failureRate.minFinished',
      ]);
      expect(issuesOf({ waves, failureRate: { maxPercent: 5 } })).toEqual(['failureRate.minFinished']);
      expect(issuesOf({ waves, maxConcurrent: 0, deviceTimeoutSeconds: 59 })).toEqual(['maxConcurrent', 'deviceTimeoutSeconds']);
    });

    it('waves that do not end at 100', () => {
      expect(
        issuesOf({
          waves: [
            { percent: 10, gate: 'auto' },
            { percent: 90, gate: 'auto' },
          ],
        }),
      ).toEqual(['waves.1.percent']);
    });

    it('waves that do not rise strictly', () => {
      const waves = [
        { percent: 50, gate: 'auto' },
        { percent: 50, gate: 'manual' },
        { percent: 100, gate: 'auto' },
      ];
      expect(issuesOf({ waves })).toEqual(['waves.1.percent']);
      expect(
        issuesOf({
          waves: [
            { percent: 60, gate: 'auto' },
            { percent: 30, gate: 'auto' },
            { percent: 100, gate: 'auto' },
          ],
        }),
      ).toEqual(['waves.1.percent']);
    });

    it('no wave, or more than 20', () => {
      expect(issuesOf({ waves: [] })).toEqual(['waves']);
      const waves = Array.from({ length: 21 }, (_, i) => ({ percent: 80 + i - 1, gate: 'auto' }));
      expect(issuesOf({ waves })).toEqual(['waves']);
    });

    it('an empty wave, a gate that does not exist and a negative failure budget', () => {
      const waves = [
        { percent: 0, gate: 'auto' },
        { percent: 100, gate: 'operator' },
      ];
      expect(issuesOf({ waves, maxFailures: -1 })).toEqual(['waves.0.percent', 'waves.1.gate', 'maxFailures']);
    });
  });

  it('puts each device, by its place in rollout order, in the first wave that covers it', () => {
    const s = Strategy.parse({
      waves: [
        { percent: 10, gate: 'auto' },
        { percent: 50, gate: 'manual' },
        { percent: 100, gate: 'auto' },
      ],
    });
    expect([0, 1, 2].map((w) => coveredBy(s, w, 10))).toEqual([1, 5, 10]);
    expect([...Array(10).keys()].map((i) => waveOfIndex(s, i, 10))).toEqual([0, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    expect(waveOfIndex(s, 0, 1)).toBe(0); // one device: every wave covers it, the first takes it
  });
});
