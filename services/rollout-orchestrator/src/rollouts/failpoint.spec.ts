import { failpointOf } from './failpoint.js';

describe('failpoint', () => {
  const armed = (spec: string | undefined) => {
    const lastWords: string[] = [];
    const pass = failpointOf(spec === undefined ? {} : { KEELSON_FAILPOINT: spec }, 'rollout-orchestrator', (line) => {
      lastWords.push(line);
    });
    return { pass, deaths: () => lastWords.length, lastWords };
  };

  it('never fires unless KEELSON_FAILPOINT is set', () => {
    for (const spec of [undefined, '']) {
      const fp = armed(spec);
      for (let i = 0; i < 1000; i++) {
        fp.pass('assignment-answered');
        fp.pass('outcome-recorded');
      }
      expect(fp.deaths()).toBe(0);
    }
  });

  it('fires the nth time its own point is passed, and only then', () => {
    const fp = armed('assignment-answered:3');
    const deathsAfterEachPass = [
      'assignment-answered',
      'outcome-recorded',
      'assignment-answered',
      'outcome-recorded',
      'assignment-answered',
      'assignment-answered',
    ].map((point) => {
      fp.pass(point as 'assignment-answered' | 'outcome-recorded');
      return fp.deaths();
    });
    expect(deathsAfterEachPass).toEqual([0, 0, 0, 0, 1, 1]);
    expect(fp.lastWords).toEqual(['{"event":"failpoint","service":"rollout-orchestrator","failpoint":"assignment-answered:3"}']);
  });

  it.each([
    'assignment:3',
    'assignment-answered',
    'assignment-answered:0',
    'assignment-answered:-1',
    'outcome-recorded:1x',
    ' outcome-recorded:1',
  ])('refuses %p at start, naming the points it knows', (spec) => {
    expect(() => failpointOf({ KEELSON_FAILPOINT: spec }, 'orchestrator')).toThrow(
      /KEELSON_FAILPOINT must be <name>:<count> with a name of assignment-answered, outcome-recorded/,
    );
  });
});
