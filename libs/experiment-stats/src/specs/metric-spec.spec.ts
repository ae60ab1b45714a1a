import { InvalidInput } from '@keelson/domain-kit';
import { parseGuardrail, parsePrimary } from './metric-spec.js';

describe('the primary metric spec', () => {
  it('reads a metric and the direction that is better', () => {
    expect(parsePrimary('confidence_mean:higher')).toEqual({ metric: 'confidence_mean', better: 'higher' });
    expect(parsePrimary('latency_ms:lower')).toEqual({ metric: 'latency_ms', better: 'lower' });
  });

  it.each([
    ['confidence_mean', /expected <metric>:higher/],
    ['confidence_mean:up', /'higher' or 'lower', got 'up'/],
    ['9lives:higher', /'9lives' is not a metric name/],
    [':higher', /'' is not a metric name/],
    ['a:b:higher', /expected <metric>:higher/],
  ])('refuses %p with a clear error', (spec, message) => {
    expect(() => parsePrimary(spec)).toThrow(InvalidInput);
    expect(() => parsePrimary(spec)).toThrow(message);
  });
});

describe('the guardrail spec', () => {
  it.each([
    ['latency_p95_ms:max+10%', { bound: 'max', margin: { kind: 'relative', value: 0.1 } }],
    ['latency_p95_ms:max+5', { bound: 'max', margin: { kind: 'absolute', value: 5 } }],
    ['errors_total:max+0', { bound: 'max', margin: { kind: 'absolute', value: 0 } }],
    ['confidence_mean:min-2.5%', { bound: 'min', margin: { kind: 'relative', value: 0.025 } }],
    ['confidence_mean:min-0.02', { bound: 'min', margin: { kind: 'absolute', value: 0.02 } }],
  ])('reads %p', (spec, expected) => {
    expect(parseGuardrail(spec)).toEqual({ metric: spec.slice(0, spec.indexOf(':')), spec, ...expected });
  });

  it.each([
    ['latency_ms', /expected <metric>:max\+<n>/],
    ['latency_ms:max10%', /the rule is max\+<n>.*got 'max10%'/],
    ['latency_ms:max-10%', /'max' takes an allowance above/],
    ['latency_ms:min+10%', /'min' one below/],
    ['latency_ms:max+ten%', /the rule is/],
    ['latency_ms:max+1e3', /the rule is/],
    ['confidence:min-100%', /drop to zero or below/],
    ['latency_ms:max+5000%', /above 1000 % is no guardrail/],
    ['latency-ms:max+10%', /is not a metric name/],
  ])('refuses %p with a clear error', (spec, message) => {
    expect(() => parseGuardrail(spec)).toThrow(expect.objectContaining({ code: 'experiment.bad-guardrail' }));
    expect(() => parseGuardrail(spec)).toThrow(message);
  });
});
