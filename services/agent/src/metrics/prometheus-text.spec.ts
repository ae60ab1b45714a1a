import { parsePrometheusText } from './prometheus-text.js';

describe('reading the Prometheus text format', () => {
  const scrape = [
    '# HELP confidence_mean Mean confidence of the last inferences',
    '# TYPE confidence_mean gauge',
    'confidence_mean{model="yolo",camera="dock \\"2\\""} 0.81',
    'confidence_mean{model="yolo",camera="gate"} 0.79 1700000000000',
    '# TYPE inference_seconds histogram',
    'inference_seconds_bucket{le="0.1"} 3',
    'inference_seconds_bucket{le="0.5"} 7',
    'inference_seconds_bucket{le="+Inf"} 8',
    'inference_seconds_sum 2.5',
    'inference_seconds_count 8',
    '# TYPE frames_total counter',
    'frames_total 1e3',
    'uptime_seconds NaN',
    '',
  ].join('\n');

  it('groups samples into typed families, histogram suffixes included', () => {
    const families = parsePrometheusText(scrape);
    expect(families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['confidence_mean', 'gauge', 2],
      ['inference_seconds', 'histogram', 5],
      ['frames_total', 'counter', 1],
      ['uptime_seconds', 'untyped', 1],
    ]);
  });

  it('reads label values with escapes, special values and exponents', () => {
    const [confidence, histogram, frames, uptime] = parsePrometheusText(scrape);
    expect(confidence!.samples[0]).toEqual({ name: 'confidence_mean', labels: { model: 'yolo', camera: 'dock "2"' }, value: 0.81 });
    expect(histogram!.samples[2]).toMatchObject({ name: 'inference_seconds_bucket', labels: { le: '+Inf' }, value: 8 });
    expect(frames!.samples[0]!.value).toBe(1000);
    expect(uptime!.samples[0]!.value).toBeNaN();
  });

  it.each([
    ['a value that is not a number', 'x_total twelve'],
    ['an unterminated label set', 'x_total{a="b" 1'],
    ['a label value without quotes', 'x_total{a=b} 1'],
  ])('refuses %s, naming the line', (_what, line) => {
    expect(() => parsePrometheusText(`# TYPE x_total counter\n${line}\n`)).toThrow(/line 2 of the scrape/);
  });
});
