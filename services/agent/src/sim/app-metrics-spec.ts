import type { SeededRandom } from '@keelson/experiment-stats';

/** A distribution a simulated application draws a metric's values from. */
export type Distribution =
  | { kind: 'normal'; mean: number; sd: number }
  | { kind: 'lognormal'; mu: number; sigma: number }
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'constant'; value: number };

/** One metric of the simulated application: a distribution per artifact version (`*`: any other version). */
export interface SimulatedMetric {
  name: string;
  byVersion: Map<string, Distribution>;
}

/** `--app-metrics` that does not follow the grammar, with what was expected. */
export class AppMetricsSpecError extends Error {
  constructor(message: string) {
    super(`--app-metrics: ${message}`);
    this.name = new.target.name;
  }
}

const metricPart = /^([A-Za-z_][A-Za-z0-9_]{0,99})=(.+)$/;
const armPart = /^(normal|lognormal|uniform|constant)\(([^()]*)\)@([0-9A-Za-z][0-9A-Za-z.+_-]{0,63}|\*)$/;
const arity = { normal: 2, lognormal: 2, uniform: 2, constant: 1 } as const;
const grammar =
  '<metric>=<dist>@<version>[,<dist>@<version>]…[;<metric>=…], <dist> one of normal(mean,sd) lognormal(mu,sigma) uniform(low,high) constant(x)';

function distributionOf(kind: keyof typeof arity, args: number[], text: string): Distribution {
  if (args.length !== arity[kind] || args.some((n) => !Number.isFinite(n)))
    throw new AppMetricsSpecError(`${text}: ${kind} takes ${arity[kind]} finite number(s)`);
  const [a, b] = args as [number, number];
  if (kind === 'normal' && !(b >= 0)) throw new AppMetricsSpecError(`${text}: the standard deviation must not be negative`);
  if (kind === 'lognormal' && !(b >= 0)) throw new AppMetricsSpecError(`${text}: sigma must not be negative`);
  if (kind === 'uniform' && !(a <= b)) throw new AppMetricsSpecError(`${text}: low must not exceed high`);
  if (kind === 'normal') return { kind, mean: a, sd: b };
  if (kind === 'lognormal') return { kind, mu: a, sigma: b };
  if (kind === 'uniform') return { kind, low: a, high: b };
  return { kind, value: a };
}

/**
 * Reads `--app-metrics`, e.g. `confidence_mean=normal(0.8,0.05)@2.1.0,normal(0.85,0.05)@2.2.0;latency_ms=lognormal(3.5,0.4)@*`.
 * Metrics are separated by `;`, a metric's versions by `,`; `@*` serves any version not named.
 */
export function parseAppMetricsSpec(text: string): SimulatedMetric[] {
  const metrics: SimulatedMetric[] = [];
  for (const part of text
    .split(';')
    .map((p) => p.replace(/\s+/g, ''))
    .filter(Boolean)) {
    const m = metricPart.exec(part);
    if (!m) throw new AppMetricsSpecError(`'${part}' is not <metric>=<arms>; expected ${grammar}`);
    const [, name, arms] = m as unknown as [string, string, string];
    if (metrics.some((x) => x.name === name)) throw new AppMetricsSpecError(`${name} is given twice`);
    const byVersion = new Map<string, Distribution>();
    for (const arm of arms.split(/,(?![^()]*\))/)) {
      // commas between arms, not inside a distribution's parentheses
      const a = armPart.exec(arm);
      if (!a) throw new AppMetricsSpecError(`'${arm}' is not <dist>@<version>; expected ${grammar}`);
      const [, kind, args, version] = a as unknown as [string, keyof typeof arity, string, string];
      if (byVersion.has(version)) throw new AppMetricsSpecError(`${name} names version ${version} twice`);
      byVersion.set(
        version,
        distributionOf(
          kind,
          args.split(',').map((x) => (x === '' ? Number.NaN : Number(x))),
          arm,
        ),
      );
    }
    metrics.push({ name, byVersion });
  }
  if (metrics.length === 0) throw new AppMetricsSpecError(`nothing to serve; expected ${grammar}`);
  return metrics;
}

/** The distribution a metric has for the first of `versions` it names, else its `*` one. */
export function distributionFor(metric: SimulatedMetric, versions: readonly string[]): Distribution | undefined {
  for (const v of versions) {
    const d = metric.byVersion.get(v);
    if (d) return d;
  }
  return metric.byVersion.get('*');
}

/** One value drawn from `d`. */
export function draw(d: Distribution, random: SeededRandom): number {
  switch (d.kind) {
    case 'normal':
      return d.mean + d.sd * random.normal();
    case 'lognormal':
      return Math.exp(d.mu + d.sigma * random.normal());
    case 'uniform':
      return d.low + (d.high - d.low) * random.uniform();
    case 'constant':
      return d.value;
  }
}
