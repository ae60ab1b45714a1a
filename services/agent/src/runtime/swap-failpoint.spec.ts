import { swapFailpointNames, swapFailpointOf, type SwapFailpointName } from './swap-failpoint.js';

describe('podman-steps: the swap failpoint', () => {
  const armed = (spec: string | undefined) => {
    const lastWords: string[] = [];
    const pass = swapFailpointOf(spec === undefined ? {} : { KEELSON_FAILPOINT: spec }, (line) => void lastWords.push(line));
    return { pass, lastWords };
  };

  it('is absent unless KEELSON_FAILPOINT is set, so a device never checks a step', () => {
    expect(armed(undefined).pass).toBeUndefined();
    expect(armed('').pass).toBeUndefined();
  });

  it('fires the nth time its own step is passed, and only then', () => {
    const fp = armed('container-new-started:2');
    const steps: SwapFailpointName[] = ['loaded', 'new-started', 'probing', 'restoring', 'new-started', 'committed', 'new-started'];
    const deathsAfterEach = steps.map((step) => {
      fp.pass!(step);
      return fp.lastWords.length;
    });
    expect(deathsAfterEach).toEqual([0, 0, 0, 0, 1, 1, 1]);
    expect(fp.lastWords).toEqual(['{"event":"failpoint","service":"keelson-agent","failpoint":"container-new-started:2"}']);
  });

  it.each(swapFailpointNames)('knows the step %s', (step) => {
    const fp = armed(`container-${step}:1`);
    fp.pass!(step);
    expect(fp.lastWords).toHaveLength(1);
  });

  it.each([
    'new-started:1',
    'container-new-started',
    'container-started:1',
    'container-loaded:0',
    'container-loaded:1x',
    'assignment-answered:1',
  ])('refuses %p at start, naming the steps it knows', (spec) => {
    expect(() => swapFailpointOf({ KEELSON_FAILPOINT: spec })).toThrow(
      /KEELSON_FAILPOINT must be <name>:<count> with a name of container-loaded, container-old-stopped/,
    );
  });
});
