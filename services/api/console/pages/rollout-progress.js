// A rollout's progress over time: how many of its devices had ended healthy, and how many failed or
// rolled back, at each outcome the audit log recorded for it (`GET /v1/audit?rollout=…`, oldest
// first), drawn by `chart.js`. Read again whenever the board counts a new outcome.
import { api } from '../api.js';
import { lineChart } from '../chart.js';
import { el, fill } from '../dom.js';

const outcomeTypes = 'RolloutCreated,DeviceOutcomeRecorded';
const terminal = new Set(['healthy', 'failed', 'rolled_back']);
const minGapMs = 2000;
const maxPoints = 240; // a dot per outcome would be thousands of SVG nodes on a large rollout

/** The rollout's creation and its outcomes, oldest first, every page of them. */
async function outcomeEntries(rolloutId, signal) {
  const entries = [];
  let cursor;
  do {
    const query = new URLSearchParams({
      rollout: rolloutId,
      type: outcomeTypes,
      order: 'oldest',
      limit: '1000',
      ...(cursor ? { cursor } : {}),
    });
    const page = await api(`/v1/audit?${query}`, { signal });
    entries.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return entries;
}

/** Two running counts, each a point per outcome, both starting at zero when the rollout was made. */
export function progressSeries(entries) {
  const healthy = [];
  const failed = [];
  let [ok, bad] = [0, 0];
  for (const e of entries) {
    const x = Date.parse(e.time);
    if (e.type.endsWith('.RolloutCreated')) {
      healthy.push({ x, y: 0 });
      failed.push({ x, y: 0 });
    } else if (e.data?.state === 'healthy') healthy.push({ x, y: ++ok });
    else failed.push({ x, y: ++bad });
  }
  return [
    { name: 'healthy', className: 'chart-healthy', points: thinned(healthy) },
    { name: 'failed', className: 'chart-failed', points: thinned(failed) },
  ];
}

/** At most about `maxPoints` of a running count, evenly picked, its first and last always kept. */
function thinned(points) {
  if (points.length <= maxPoints) return points;
  const step = Math.ceil(points.length / maxPoints);
  return points.filter((_, i) => i % step === 0 || i === points.length - 1);
}

/**
 * Keeps `node` showing the chart: `update(view)` reads the outcomes again when the view counts more
 * ended devices than the chart has drawn.
 */
export function progressChart(node, rolloutId, signal) {
  let drawn = -1;
  let reading = false;
  let latest;
  let lastRead = 0;
  let waiting;
  const update = async (view) => {
    latest = view;
    const ended = (view.devices ?? []).filter((d) => terminal.has(d.state)).length;
    if (reading || waiting || ended === drawn) return;
    // A large rollout ends devices many times a second: at most one read every two seconds, the last view last.
    const wait = lastRead + minGapMs - Date.now();
    if (wait > 0) {
      waiting = setTimeout(() => {
        waiting = undefined;
        void update(latest);
      }, wait);
      return;
    }
    [reading, lastRead] = [true, Date.now()];
    try {
      const entries = await outcomeEntries(rolloutId, signal);
      const series = progressSeries(entries);
      drawn = entries.filter((e) => !e.type.endsWith('.RolloutCreated')).length;
      const chart = lineChart(series, { label: 'devices ended healthy and failed over time' });
      const legend = el(
        'p',
        { className: 'muted' },
        el('span', { className: 'legend chart-healthy' }, 'healthy'),
        ' ',
        el('span', { className: 'legend chart-failed' }, 'failed or rolled back'),
        ' · devices so far',
      );
      fill(node, chart ? [chart, legend] : el('p', { className: 'muted' }, 'No outcome yet.'));
    } catch (err) {
      if (!signal.aborted) fill(node, el('p', { className: 'muted' }, `The progress could not be read: ${err?.message ?? err}`));
    } finally {
      reading = false;
    }
    // The audit log may not hold the newest outcomes yet: look again shortly, not only at the next event.
    if (drawn >= 0 && drawn < ended && !signal.aborted) setTimeout(() => update(latest), 1000);
  };
  return update;
}
