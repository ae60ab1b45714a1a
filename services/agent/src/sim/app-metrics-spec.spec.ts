import { seededRandom } from '@keelson/experiment-stats';
import { AppMetricsSpecError, distributionFor, draw, parseAppMetricsSpec } from './app-metrics-spec.js';

describe('the --app-metrics of keelson-sim', () => {
  it('reads a distribution per version, per metric', () => {
    const [confidence, latency] = parseAppMetricsSpec(
      'confidence_mean=normal(0.8,0.05)@2.1.0, normal(0.85,0.05)@2.2.0; latency_ms=lognormal(3.5,0.4)@*',
    );
    expect(confidence!.name).toBe('confidence_mean');
    expect(distributionFor(confidence!, ['2.2.0'])).toEqual({ kind: 'normal', mean: 0.85, sd: 0.05 });
    expect(distributionFor(confidence!, ['9.9.9'])).toBeUndefined();
    expect(distributionFor(latency!, ['2.1.0'])).toEqual({ kind: 'lognormal', mu: 3.5, sigma: 0.4 });
  });

  it('draws values with the distribution it names', () => {
    const [m] = parseAppMetricsSpec('x=normal(10,2)@1.0.0');
    const random = seededRandom(7);
    const values = Array.from({ length: 20_000 }, () => draw(distributionFor(m!, ['1.0.0'])!, random));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
    expect(mean).toBeCloseTo(10, 1);
    expect(sd).toBeCloseTo(2, 1);
    expect(draw({ kind: 'uniform', low: 1, high: 1 }, random)).toBe(1);
    expect(draw({ kind: 'constant', value: 3 }, random)).toBe(3);
  });

  it.each([
    ['no metric name', 'normal(1,2)@1.0.0', /is not <metric>=<arms>/],
    ['an unknown distribution', 'x=poisson(3)@1.0.0', /is not <dist>@<version>/],
    ['no version', 'x=normal(1,2)', /is not <dist>@<version>/],
    ['a wrong number of parameters', 'x=normal(1)@1.0.0', /normal takes 2/],
    ['a negative standard deviation', 'x=normal(1,-2)@1.0.0', /standard deviation/],
    ['an empty range the wrong way round', 'x=uniform(5,1)@1.0.0', /low must not exceed high/],
    ['a version named twice', 'x=normal(1,2)@1.0.0,constant(3)@1.0.0', /version 1.0.0 twice/],
    ['a metric named twice', 'x=constant(1)@*;x=constant(2)@*', /x is given twice/],
    ['nothing', ' ; ', /nothing to serve/],
  ])('refuses %s, saying what it expected', (_what, spec, message) => {
    expect(() => parseAppMetricsSpec(spec)).toThrow(AppMetricsSpecError);
    expect(() => parseAppMetricsSpec(spec)).toThrow(message);
  });
});
