import { mergeSketches, sketchOf, summarize, type MetricSummary, type QuantileSketch } from '@keelson/experiment-stats';
import type { PrometheusFamily, PrometheusSample } from './prometheus-text.js';

/** What one series read last time: a counter's value, a histogram's buckets and sum. */
export type SeriesMemory = Map<string, number>;

const seriesKey = (s: PrometheusSample, drop?: string) =>
  `${s.name}{${Object.keys(s.labels)
    .filter((k) => k !== drop)
    .sort()
    .map((k) => `${k}=${JSON.stringify(s.labels[k])}`)
    .join(',')}}`;

/** A counter's increase since last time; a value below the last means the application restarted. */
function increase(memory: SeriesMemory, next: SeriesMemory, key: string, value: number): number | undefined {
  next.set(key, value);
  const last = memory.get(key);
  if (last === undefined) return undefined; // first sight: nothing to compare with yet
  return value >= last ? value - last : value;
}

/** `n` values at `value`: the sketch of one value with its count scaled, without making n values. */
function weightedSketch(value: number, n: number): QuantileSketch {
  const one = sketchOf([value]);
  const scale = (bins: [number, number][]) => bins.map(([k, c]): [number, number] => [k, c * n]);
  return { ...one, zeroCount: one.zeroCount * n, positive: scale(one.positive), negative: scale(one.negative) };
}

/**
 * A histogram's observations since last time, from its buckets' increases: each bucket's new
 * observations stand at the middle of the bucket (the first at its upper bound, `+Inf`'s at the
 * largest finite bound). Count and sum are exact (`_count`, `_sum`); the sum of squares and the
 * sketch are at bucket resolution, the sum of squares raised if needed to what the exact sum implies.
 */
function histogramSummary(family: PrometheusFamily, memory: SeriesMemory, next: SeriesMemory): MetricSummary | undefined {
  const buckets = new Map<string, { le: number; cumulative: number }[]>();
  let sum = 0;
  for (const s of family.samples) {
    const key = seriesKey(s);
    if (s.name === `${family.name}_sum`) sum += increase(memory, next, key, s.value) ?? 0;
    if (s.name !== `${family.name}_bucket`) continue;
    const le = Number(s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : s.labels.le);
    const added = increase(memory, next, key, s.value);
    if (added === undefined || Number.isNaN(le)) continue;
    const series = seriesKey(s, 'le');
    buckets.set(series, [...(buckets.get(series) ?? []), { le, cumulative: added }]);
  }
  const parts: MetricSummary[] = [];
  for (const list of buckets.values()) {
    list.sort((a, b) => a.le - b.le);
    list.forEach(({ le, cumulative }, i) => {
      const n = cumulative - (i === 0 ? 0 : list[i - 1]!.cumulative);
      if (!(n > 0) || !Number.isInteger(n)) return;
      const lower = i === 0 ? undefined : list[i - 1]!.le;
      const at = lower === undefined ? le : le === Number.POSITIVE_INFINITY ? lower : (lower + le) / 2;
      if (Number.isFinite(at)) parts.push({ count: n, sum: at * n, sumOfSquares: at * at * n, sketch: weightedSketch(at, n) });
    });
  }
  if (parts.length === 0) return undefined;
  const merged = parts.reduce((a, b) => ({
    count: a.count + b.count,
    sum: a.sum + b.sum,
    sumOfSquares: a.sumOfSquares + b.sumOfSquares,
    sketch: mergeSketches(a.sketch, b.sketch),
  }));
  const exactSum = Number.isFinite(sum) ? sum : merged.sum;
  return { ...merged, sum: exactSum, sumOfSquares: Math.max(merged.sumOfSquares, (exactSum * exactSum) / merged.count) };
}

/**
 * What one scrape says about each metric since the scrape before (`memory`, updated in `next`):
 * a gauge (or untyped) series is one value as read now; a counter series is one value, its increase;
 * a histogram gives its new observations (see `histogramSummary`). A summary family gives nothing:
 * its quantiles cannot be merged across devices. NaN and infinite values are skipped.
 */
export function scrapeSummaries(families: PrometheusFamily[], memory: SeriesMemory, next: SeriesMemory): Map<string, MetricSummary> {
  const out = new Map<string, MetricSummary>();
  for (const family of families) {
    if (family.type === 'summary') continue;
    if (family.type === 'histogram') {
      const h = histogramSummary(family, memory, next);
      if (h) out.set(family.name, h);
      continue;
    }
    const values: number[] = [];
    for (const s of family.samples) {
      const value = family.type === 'counter' ? increase(memory, next, seriesKey(s), s.value) : s.value;
      if (value !== undefined && Number.isFinite(value)) values.push(value);
    }
    if (values.length > 0) out.set(family.name, summarize(values));
  }
  return out;
}
