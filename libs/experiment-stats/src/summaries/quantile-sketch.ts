import sketches from '@datadog/sketches-js';
import { InvalidInput } from '@keelson/domain-kit';

const { DDSketch } = sketches;
// Read once: a global lookup per value is slow inside Jest's VM context, and sketchOf runs per value.
const isFiniteNumber = Number.isFinite;
type Mapping = InstanceType<typeof DDSketch>['mapping'];

/**
 * A DDSketch (Masson, Rim, Lee, VLDB 2019) as plain data: the bins of its logarithmic mapping, so it
 * travels as JSON, merges by adding counts and is read the same by any DDSketch implementation.
 */
export interface QuantileSketch {
  /** The sketch's guarantee: every quantile it returns is within this fraction of the true one. */
  relativeAccuracy: number;
  /** Values too close to 0 for the mapping (|v| ≤ ~1e-308), counted apart. */
  zeroCount: number;
  /** `[key, count]` per non-empty bin of the positive values, keys ascending. */
  positive: [number, number][];
  /** `[key, count]` per non-empty bin of the absolute values of the negative ones, keys ascending. */
  negative: [number, number][];
}

/** The accuracy used when a caller does not choose: 1 % (DDSketch's own default). */
export const defaultRelativeAccuracy = 0.01;

/** A sketch of `values`: the library's logarithmic mapping picks each value's bin; we count per bin. */
export function sketchOf(values: Iterable<number>, relativeAccuracy = defaultRelativeAccuracy): QuantileSketch {
  const mapping = mappingFor(relativeAccuracy);
  const positive = new Map<number, number>();
  const negative = new Map<number, number>();
  let zeroCount = 0;
  for (const value of values) {
    if (!isFiniteNumber(value))
      throw new InvalidInput('sketch.bad-value', [{ path: [], message: `a metric value must be a finite number, got ${value}` }]);
    // As DDSketch.accept: values within the mapping's smallest magnitude count as zeros.
    if (value > mapping.minPossible) count(positive, mapping.key(value));
    else if (value < -mapping.minPossible) count(negative, mapping.key(-value));
    else zeroCount++;
  }
  return { relativeAccuracy, zeroCount, positive: sortedBins(positive), negative: sortedBins(negative) };
}

const count = (bins: Map<number, number>, key: number) => bins.set(key, (bins.get(key) ?? 0) + 1);
const sortedBins = (bins: Map<number, number>): [number, number][] => [...bins].sort(([x], [y]) => x - y);

/**
 * The sketch of both inputs' values together. Done on the bins, not with the library's `merge`,
 * which (2.1.1) drops the other sketch's negative values; adding integer counts per key is exact,
 * so merging is associative and commutative.
 */
export function mergeSketches(a: QuantileSketch, b: QuantileSketch): QuantileSketch {
  if (a.relativeAccuracy !== b.relativeAccuracy) {
    throw new InvalidInput('sketch.accuracy-mismatch', [
      { path: ['relativeAccuracy'], message: `cannot merge sketches of relative accuracy ${a.relativeAccuracy} and ${b.relativeAccuracy}` },
    ]);
  }
  return {
    relativeAccuracy: a.relativeAccuracy,
    zeroCount: a.zeroCount + b.zeroCount,
    positive: addBins(a.positive, b.positive),
    negative: addBins(a.negative, b.negative),
  };
}

/**
 * The value at quantile `q` (0 ≤ q ≤ 1; 0.5 is the median), within the relative accuracy; NaN when empty.
 * Walks the bins as the library's `getValueAtQuantile` does (rank q·(n − 1), lower key for positive
 * values, upper for negative), without rebuilding its dense store.
 */
export function sketchQuantile(data: QuantileSketch, q: number): number {
  if (!(q >= 0 && q <= 1))
    throw new InvalidInput('sketch.bad-quantile', [{ path: [], message: `a quantile is between 0 and 1, got ${q}` }]);
  const negatives = countIn(data.negative);
  const count = negatives + data.zeroCount + countIn(data.positive);
  if (count === 0) return Number.NaN;
  const rank = q * (count - 1);
  const mapping = mappingFor(data.relativeAccuracy);
  if (rank < negatives) return -mapping.value(keyAtRank(data.negative, negatives - rank - 1, false));
  if (rank < negatives + data.zeroCount) return 0;
  return mapping.value(keyAtRank(data.positive, rank - negatives - data.zeroCount, true));
}

function keyAtRank(bins: [number, number][], rank: number, lower: boolean): number {
  let running = 0;
  for (const [key, count] of bins) {
    running += count;
    if (lower ? running > rank : running >= rank + 1) return key;
  }
  return bins[bins.length - 1]?.[0] ?? 0;
}

const countIn = (bins: [number, number][]) => bins.reduce((n, [, c]) => n + c, 0);

/** The library's logarithmic key mapping for an accuracy (the one its DDSketch uses), made once. */
const mappings = new Map<number, Mapping>();
function mappingFor(relativeAccuracy: number): Mapping {
  let mapping = mappings.get(relativeAccuracy);
  if (!mapping) mappings.set(relativeAccuracy, (mapping = new DDSketch({ relativeAccuracy }).mapping));
  return mapping;
}

/** Both lists' bins with counts added per key; both are sorted by key, so one linear merge. */
function addBins(a: [number, number][], b: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [ka, ca] = a[i] as [number, number];
    const [kb, cb] = b[j] as [number, number];
    if (ka === kb) {
      out.push([ka, ca + cb]);
      i++;
      j++;
    } else if (ka < kb) {
      out.push([ka, ca]);
      i++;
    } else {
      out.push([kb, cb]);
      j++;
    }
  }
  return [...out, ...a.slice(i), ...b.slice(j)];
}
