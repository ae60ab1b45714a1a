// What the decision loop judged an experiment on: each arm's figures per metric side by side, each
// test's difference with its always-valid interval and state, the verdict, and the primary metric's
// mean per arm over the loop's looks as a chart.
import { lineChart } from '../chart.js';
import { badge, el, fill, table, when } from '../dom.js';

const arms = ['candidate', 'control'];
const number = (v) => (v === null || v === undefined ? '–' : Number(v.toPrecision(4)).toString());
const signed = (v) => (v === null || v === undefined ? '–' : `${v > 0 ? '+' : ''}${number(v)}`);
// An interval end the test cannot bound yet comes as null: shown as -∞ below, ∞ above.
const bound = (v, side) => (v === null || v === undefined || !Number.isFinite(v) ? `${side}∞` : number(v));

/** One row per metric and arm: the figures the look had for that arm. */
function armRows(look) {
  const tests = [look.primary, ...look.guardrails];
  const metrics = [...new Map(tests.map((t) => [t.metric, t])).values()];
  return metrics.flatMap((t) => arms.map((arm) => ({ metric: t.metric, arm, figures: t[arm], devices: look.devices[arm][t.metric] ?? 0 })));
}

export function drawArms(node, look) {
  if (!look) return fill(node, el('p', { className: 'muted' }, 'No look yet: the decision loop has not judged this experiment.'));
  const columns = [
    ['Metric', (r) => r.metric],
    ['Arm', (r) => r.arm],
    ['Mean', (r) => number(r.figures?.mean)],
    ['p50', (r) => number(r.figures?.p50)],
    ['p95', (r) => number(r.figures?.p95)],
    ['Samples', (r) => String(r.figures?.count ?? 0)],
    ['Devices', (r) => String(r.devices)],
  ];
  const samples = `${look.samples.candidate} candidate / ${look.samples.control} control samples, alpha ${look.alpha}`;
  return fill(
    node,
    el('p', { className: 'muted' }, `Look at ${when(look.judgedAt)}: ${samples}.`),
    table(columns, armRows(look), (r) => `${r.metric} ${r.arm}`),
  );
}

export function drawTests(node, look) {
  if (!look) return fill(node);
  const tests = [{ kind: 'primary', ...look.primary }, ...look.guardrails.map((g) => ({ kind: 'guardrail', ...g }))];
  const columns = [
    ['Test', (t) => `${t.kind} ${t.metric}:${t.rule}`],
    ['Difference', (t) => signed(t.estimate)],
    ['Interval', (t) => (t.estimate === null ? '–' : `[${bound(t.low, '-')}, ${bound(t.high, '')}]`)],
    ['State', (t) => el('span', { 'data-state': t.verdict }, badge(t.verdict))],
  ];
  return fill(
    node,
    table(columns, tests, (t) => `${t.kind} ${t.metric}`),
  );
}

/** The verdict (a person's or the loop's, with why), else where the latest look stands. */
export function drawVerdict(node, view) {
  const { decision, lastLook, stopReason } = view;
  if (decision) {
    const by = decision.decidedBy === 'operator' ? 'by an operator' : 'by the decision loop';
    return fill(node, `Decided ${decision.outcome} ${by} at ${when(decision.decidedAt)}: ${decision.reason}.`);
  }
  if (view.status === 'stopped') return fill(node, `Stopped${stopReason ? `: ${stopReason}` : ''}.`);
  return fill(node, lastLook ? `No verdict yet: the latest look says ${lastLook.outcome} (${lastLook.reason}).` : 'No verdict yet.');
}

/** A point per look that brought an arm new values (the loop looks again every tick with or without data). */
function seriesOf(looks, arm) {
  const points = [];
  let count = -1;
  for (const look of looks) {
    const figures = look.primary[arm];
    if (!figures || figures.count === count) continue;
    count = figures.count;
    points.push({ x: Date.parse(look.judgedAt), y: figures.mean });
  }
  return { name: arm, className: `chart-${arm}`, points };
}

export function drawChart(node, view, looks) {
  const metric = view.plan.primary.split(':')[0];
  const chart = lineChart(
    arms.map((arm) => seriesOf(looks, arm)),
    { label: `${metric}, mean per arm over time` },
  );
  const legend = el(
    'p',
    { className: 'muted' },
    el('span', { className: 'legend chart-candidate' }, 'candidate'),
    ' ',
    el('span', { className: 'legend chart-control' }, 'control'),
    ` · mean of ${metric} over each arm's values so far`,
  );
  return fill(node, chart ? [chart, legend] : el('p', { className: 'muted' }, `No values of ${metric} yet.`));
}
