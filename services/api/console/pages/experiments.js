// Experiments: the list with a form for a new one, and one experiment live — its arms side by side,
// its tests, its verdict and the primary metric per arm over time. The experiment's SSE stream keeps
// the page current: each `experiment` event means the experiment changed (it is read again), each
// `look` is the decision loop's newest look (a new point on the chart), `end` is the last word.
import { api, openStream, readSse } from '../api.js';
import { badge, el, fill, when } from '../dom.js';
import { pagedTable, pageSizeOf } from '../paged-table.js';
import { drawExperimentActions } from './experiment-actions.js';
import { drawArms, drawChart, drawTests, drawVerdict } from './experiment-evidence.js';
import { experimentForm } from './experiment-form.js';

const pathOf = (id) => `/v1/experiments/${encodeURIComponent(id)}`;
const outcomeText = (v) => (v.decision ? `${v.decision.outcome} (${v.decision.decidedBy})` : v.status === 'stopped' ? 'stopped' : '');

export async function experimentsPage(view, { query, signal }) {
  const list = el('div', { id: 'experiment-list' }, el('p', { className: 'muted' }, 'Loading…'));
  const form = experimentForm((created) => {
    location.hash = `#/experiments/${encodeURIComponent(created.experimentId)}`;
  });
  fill(
    view,
    el('h1', {}, 'Experiments'),
    el(
      'p',
      { className: 'muted' },
      'A candidate version against the baseline on a split of a group; open one to follow its evidence and decide it.',
    ),
    list,
    form,
  );
  const columns = [
    ['Experiment', (v) => el('a', { href: `#/experiments/${encodeURIComponent(v.experimentId)}` }, v.experimentId)],
    ['Status', (v) => badge(v.status)],
    ['Artifact', (v) => v.artifactName],
    ['Candidate', (v) => v.candidate],
    ['Baseline', (v) => v.baseline],
    ['Group', (v) => v.groupId],
    ['Split', (v) => `${v.split}%`],
    ['Started', (v) => when(v.createdAt)],
    ['Outcome', outcomeText],
  ];
  await pagedTable(list, {
    path: '/v1/experiments',
    pageSize: pageSizeOf(query),
    columns,
    key: (v) => v.experimentId,
    signal,
    empty: 'No experiments yet.',
    noun: ['experiment', 'experiments'],
  });
}

/** Every look of the experiment, oldest first, a page at a time. */
async function readLooks(id, signal) {
  const looks = [];
  let cursor;
  do {
    const page = await api(`${pathOf(id)}/looks?${new URLSearchParams({ limit: '1000', ...(cursor ? { cursor } : {}) })}`, { signal });
    looks.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return looks;
}

export async function experimentPage(view, { params: [experimentId], signal }) {
  const state = { view: await api(pathOf(experimentId), { signal }), looks: await readLooks(experimentId, signal), live: 'live' };
  const parts = {
    summary: el('p', { id: 'experiment-summary' }),
    actions: el('div', { id: 'experiment-actions', className: 'actions' }),
    notice: el('div', { id: 'notice' }),
    verdict: el('p', { id: 'experiment-verdict' }),
    arms: el('div', { id: 'experiment-arms' }),
    tests: el('div', { id: 'experiment-tests' }),
    chart: el('div', { id: 'experiment-chart', className: 'panel' }),
  };
  const draw = () => {
    const v = state.view;
    fill(
      parts.summary,
      `${v.artifactName} ${v.candidate} (candidate) against ${v.baseline} (baseline) on group ${v.groupId}, split ${v.split}% · ${v.arms.candidate.length} candidate, ${v.arms.control.length} control, ${v.arms.untouchedCount} untouched · status `,
      el('span', { id: 'experiment-status', 'data-status': v.status }, badge(v.status)),
      v.rollouts.candidate
        ? [' · ', el('a', { href: `#/rollouts/${encodeURIComponent(v.rollouts.candidate)}` }, 'candidate rollout')]
        : null,
      el('span', { id: 'live-state', className: state.live.startsWith('live updates stopped') ? 'error' : 'muted' }, ` · ${state.live}`),
    );
    // Redrawn only when the status changes: each look redraws the page, and must not wipe a reason being typed.
    if (state.actionsFor !== v.status) {
      state.actionsFor = v.status;
      drawExperimentActions(parts.actions, parts.notice, v, (answer) => {
        state.view = answer;
        draw();
      });
    }
    drawVerdict(parts.verdict, v);
    drawArms(parts.arms, v.lastLook);
    drawTests(parts.tests, v.lastLook);
    drawChart(parts.chart, v, state.looks);
  };
  fill(
    view,
    el('h1', {}, `Experiment ${experimentId}`),
    parts.summary,
    el(
      'p',
      { className: 'muted' },
      `Primary ${state.view.plan.primary}${state.view.plan.guardrails.length ? `; guardrails ${state.view.plan.guardrails.join(', ')}` : ''}; min samples ${state.view.plan.minSamples}; alpha ${state.view.plan.alpha}.`,
    ),
    parts.actions,
    parts.notice,
    parts.verdict,
    el('h2', {}, 'Arms'),
    parts.arms,
    el('h2', {}, 'Tests'),
    parts.tests,
    el('h2', {}, 'Primary metric over time'),
    parts.chart,
  );
  draw();
  await follow(experimentId, state, draw, signal);
}

/** Reads the stream until `end`: the experiment again on each of its events, each new look added to the chart. */
async function follow(id, state, draw, signal) {
  const refresh = async () => {
    [state.view, state.looks] = await Promise.all([api(pathOf(id), { signal }), readLooks(id, signal)]);
    draw();
  };
  const addLook = (look) => {
    if (state.looks.length && state.looks.at(-1).judgedAt >= look.judgedAt) return; // a refresh already brought it
    state.looks.push(look);
    state.view = { ...state.view, lastLook: look };
    draw();
  };
  try {
    const body = await openStream(`${pathOf(id)}/events`, { signal });
    for await (const { event, data } of readSse(body)) {
      if (event === 'error') throw new Error(data.error?.message ?? 'the event stream failed');
      if (event === 'look') addLook(data);
      if (event === 'snapshot' && data.lastLook) addLook(data.lastLook); // a look taken between the first read and the stream
      if (event === 'experiment' || event === 'end') await refresh();
      if (event === 'end') {
        state.live = `ended: ${data.status}`;
        draw();
        return;
      }
    }
  } catch (err) {
    if (signal.aborted) return;
    if (err?.status === 401) throw err;
    state.live = `live updates stopped: ${err?.message ?? err}`;
    draw();
  }
}
