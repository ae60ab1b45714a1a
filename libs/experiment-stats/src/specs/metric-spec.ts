import { InvalidInput } from '@keelson/domain-kit';

/** Which way a metric is better. */
export type Better = 'higher' | 'lower';

/** The metric an experiment is run to improve, e.g. `confidence_mean:higher`. */
export interface PrimaryMetric {
  metric: string;
  better: Better;
}

/**
 * A limit the candidate must not cross relative to the control arm, e.g. `latency_p95_ms:max+10%`
 * (candidate mean at most 10 % above control's) or `confidence_mean:min-0.02` (at most 0.02 below).
 */
export interface Guardrail {
  metric: string;
  bound: 'max' | 'min';
  margin: { kind: 'relative' | 'absolute'; value: number };
  /** The spec as written, for messages and audit. */
  spec: string;
}

// Prometheus metric names without the colon (ours separates the name from the rule).
const metricName = /^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/;
const guardrailRule = /^(max|min)([+-])(\d+(?:\.\d+)?)(%?)$/;

/** Parses `<metric>:higher|lower`. */
export function parsePrimary(spec: string): PrimaryMetric {
  const [metric, better, ...rest] = spec.split(':');
  const fail = (message: string) => new InvalidInput('experiment.bad-primary', [{ path: ['primary'], message: `'${spec}': ${message}` }]);
  if (rest.length > 0 || better === undefined) throw fail('expected <metric>:higher or <metric>:lower');
  checkMetricName(metric ?? '', fail);
  if (better !== 'higher' && better !== 'lower') throw fail(`the direction is 'higher' or 'lower', got '${better}'`);
  return { metric: metric ?? '', better };
}

/** Parses `<metric>:max+<n>[%]` or `<metric>:min-<n>[%]`. */
export function parseGuardrail(spec: string): Guardrail {
  const [metric, rule, ...rest] = spec.split(':');
  const fail = (message: string) =>
    new InvalidInput('experiment.bad-guardrail', [{ path: ['guardrail'], message: `'${spec}': ${message}` }]);
  if (rest.length > 0 || rule === undefined) throw fail('expected <metric>:max+<n>[%] or <metric>:min-<n>[%]');
  checkMetricName(metric ?? '', fail);
  const match = guardrailRule.exec(rule);
  if (!match) throw fail(`the rule is max+<n>, max+<n>%, min-<n> or min-<n>%, got '${rule}'`);
  const [, bound, sign, digits, percent] = match as unknown as [string, 'max' | 'min', string, string, string];
  if ((bound === 'max') !== (sign === '+')) throw fail(`'max' takes an allowance above the control ('max+…'), 'min' one below ('min-…')`);
  const value = Number(digits);
  if (percent && bound === 'min' && value >= 100) throw fail(`'min-${digits}%' would allow the metric to drop to zero or below`);
  if (percent && value > 1000) throw fail(`a relative allowance above 1000 % is no guardrail`);
  const margin = percent ? { kind: 'relative' as const, value: value / 100 } : { kind: 'absolute' as const, value };
  return { metric: metric ?? '', bound, margin, spec };
}

function checkMetricName(name: string, fail: (message: string) => Error): void {
  if (!metricName.test(name))
    throw fail(`'${name}' is not a metric name (letters, digits and '_', not starting with a digit, at most 128)`);
}
