import { dataOf, inOrder, isIsoTime, isToken, strictFields, type FastPath, type Fields } from '../kit/fast-path.js';
import { artifactName, semverLike } from './device-messages.fast.js';
import { maxMetricsPerWindow, maxSketchBins, type DeviceMetrics } from './device-metrics.js';

const dataKeys = ['deviceId', 'artifact', 'windowStart', 'windowEnd', 'metrics'];
const dataKeySet: ReadonlySet<string> = new Set(dataKeys);
const artifactKeySet: ReadonlySet<string> = new Set(['name', 'version']);
const summaryKeys = ['name', 'count', 'sum', 'sumOfSquares', 'sketch'];
const summaryKeySet: ReadonlySet<string> = new Set(summaryKeys);
const sketchKeys = ['relativeAccuracy', 'zeroCount', 'positive', 'negative'];
const sketchKeySet: ReadonlySet<string> = new Set(sketchKeys);
const metricName = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** `[key, count]` bins (integer keys, positive integer counts, at most `maxSketchBins`), or false. */
function areBins(v: unknown): boolean {
  if (!Array.isArray(v) || v.length > maxSketchBins) return false;
  for (const bin of v as unknown[]) {
    if (!Array.isArray(bin) || bin.length !== 2 || !Number.isSafeInteger(bin[0]) || !Number.isSafeInteger(bin[1]) || (bin[1] as number) < 1)
      return false;
  }
  return true;
}

function summaryOf(raw: unknown, names: Set<string>): Fields | undefined {
  const m = strictFields(raw, summaryKeySet);
  if (!m || typeof m['name'] !== 'string' || !metricName.test(m['name']) || names.has(m['name'])) return undefined;
  if (!isCount(m['count']) || !isFiniteNumber(m['sum']) || !isFiniteNumber(m['sumOfSquares']) || m['sumOfSquares'] < 0) return undefined;
  const s = strictFields(m['sketch'], sketchKeySet);
  if (!s || !isFiniteNumber(s['relativeAccuracy']) || !(s['relativeAccuracy'] > 0 && s['relativeAccuracy'] < 1) || !isCount(s['zeroCount']))
    return undefined;
  if (!areBins(s['positive']) || !areBins(s['negative'])) return undefined;
  names.add(m['name']);
  return inOrder({ ...m, sketch: inOrder(s, sketchKeys) }, summaryKeys);
}

/**
 * `DeviceMetrics` v1 without zod when it is valid (see `kit/fast-path.ts`): a window holds up to
 * 32 sketches of hundreds of bins, and zod's tuple checks of each bin cost the gateway several times
 * the JSON parse (bench/README.md, device-metrics). Bins are passed on as they came.
 */
export const fastDeviceMetrics: FastPath<DeviceMetrics> = (raw) => {
  const d = dataOf(raw, 'DeviceMetrics', 1, dataKeySet);
  if (!d || !isToken(d['deviceId']) || !isIsoTime(d['windowStart']) || !isIsoTime(d['windowEnd'])) return undefined;
  const a = strictFields(d['artifact'], artifactKeySet);
  if (
    !a ||
    typeof a['name'] !== 'string' ||
    !artifactName.test(a['name']) ||
    typeof a['version'] !== 'string' ||
    !semverLike.test(a['version'])
  )
    return undefined;
  const list = d['metrics'];
  if (!Array.isArray(list) || list.length < 1 || list.length > maxMetricsPerWindow) return undefined;
  const names = new Set<string>();
  const metrics: Fields[] = [];
  for (const item of list as unknown[]) {
    const summary = summaryOf(item, names);
    if (!summary) return undefined;
    metrics.push(summary);
  }
  const data = inOrder({ ...d, artifact: { name: a['name'], version: a['version'] }, metrics }, dataKeys);
  return { type: 'DeviceMetrics', schemaVersion: 1, data } as DeviceMetrics;
};
