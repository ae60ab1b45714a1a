/** One histogram's observations over a window: how many, and the quantiles estimated from its buckets. */
export interface WindowHistogram {
  name: string;
  service: string;
  count: number;
  p50: number;
  p99: number;
}

/** Cumulative bucket counts by upper bound, summed over every label set but `le`. */
function buckets(lines: string[], name: string): Map<number, number> {
  const out = new Map<number, number>();
  const prefix = `${name}_bucket{`;
  for (const line of lines) {
    if (!line.startsWith(prefix)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (le === undefined || !Number.isFinite(value)) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    out.set(bound, (out.get(bound) ?? 0) + value);
  }
  return out;
}

/**
 * The q-quantile of cumulative buckets, interpolated linearly inside the bucket it falls in (as
 * Prometheus' histogram_quantile does); in the +Inf bucket it is the largest finite bound.
 */
export function quantileOf(cumulative: [number, number][], q: number): number {
  const total = cumulative.at(-1)?.[1] ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of cumulative) {
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return lowerBound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / Math.max(1, count - lowerCount);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

/**
 * Every `keelson_*_seconds` histogram a service exposes, over the window between two `/metrics`
 * readings (the bucket counts after, minus before): observations and p50/p99.
 */
export function windowHistograms(before: Record<string, string[]>, after: Record<string, string[]>): WindowHistogram[] {
  const out: WindowHistogram[] = [];
  for (const [service, lines] of Object.entries(after)) {
    const names = new Set(lines.flatMap((l) => /^(keelson_\w+_seconds)_bucket\{/.exec(l)?.[1] ?? []));
    for (const name of names) {
      const earlier = buckets(before[service] ?? [], name);
      const cumulative = [...buckets(lines, name)]
        .sort(([a], [b]) => a - b)
        .map(([bound, n]): [number, number] => [bound, n - (earlier.get(bound) ?? 0)]);
      const count = cumulative.at(-1)?.[1] ?? 0;
      if (count > 0) out.push({ name, service, count, p50: quantileOf(cumulative, 0.5), p99: quantileOf(cumulative, 0.99) });
    }
  }
  return out;
}
