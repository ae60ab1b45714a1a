import { Strategy } from './strategy.js';

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

  describe('rejects', () => {
    it('waves that do not end at 100', () => {
      expect(issuesOf({ waves: [{ percent: 10, gate: 'auto' }, { percent: 90, gate: 'auto' }] })).toEqual(['waves.1.percent']);
    });

    it('waves that do not rise strictly', () => {
      const waves = [
        { percent: 50, gate: 'auto' },
        { percent: 50, gate: 'manual' },
        { percent: 100, gate: 'auto' },
      ];
      expect(issuesOf({ waves })).toEqual(['waves.1.percent']);
      expect(issuesOf({ waves: [{ percent: 60, gate: 'auto' }, { percent: 30, gate: 'auto' }, { percent: 100, gate: 'auto' }] })).toEqual([
        'waves.1.percent',
      ]);
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
});
