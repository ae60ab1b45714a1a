// Rollouts: the list, and one rollout live — the view when the page opens, then the api's SSE
// stream keeps it current (`snapshot`, `devices`, `rollout`, `device`, `progress`, `summary`, `end`) until the
// stream ends (after an abort with revert: once the reverts are done but for offline devices) or the
// operator leaves the page.
import { api, openStream, readSse } from '../api.js';
import { badge, el, fill, when } from '../dom.js';
import { pagedTable, pageSizeOf } from '../paged-table.js';
import { drawActions } from './rollout-actions.js';
import { drawFollowUps } from './rollout-follow-ups.js';
import { progressChart } from './rollout-progress.js';
import { applyDeviceReport, drawDevices, drawStatus, drawWaves, takeView } from './rollout-board.js';

const artifactText = (r) => `${r.artifact.name}@${r.artifact.version}`;
const waveText = (r) => `${Math.min(r.currentWave + 1, r.strategy.waves.length)} of ${r.strategy.waves.length}`;

export async function rolloutsPage(view, { query, signal }) {
  const list = el('div', { id: 'rollout-list' }, el('p', { className: 'muted' }, 'Loading…'));
  fill(
    view,
    el('h1', {}, 'Rollouts'),
    el(
      'p',
      { className: 'muted' },
      el('a', { href: '#/rollouts/new', id: 'new-rollout' }, 'Create one'),
      ' here or with ',
      el('code', {}, 'npx keelson rollout create'),
      '; open one to follow it live and approve, halt, resume or abort it.',
    ),
    list,
  );
  const columns = [
    ['Rollout', (r) => el('a', { href: `#/rollouts/${encodeURIComponent(r.rolloutId)}` }, r.rolloutId)],
    ['Artifact', artifactText],
    ['Status', (r) => badge(r.status)],
    ['Wave', waveText],
    ['Devices', (r) => String(r.deviceCount ?? r.devices.length)], // a view lists at most 1000 devices
    ['Created', (r) => when(r.createdAt)],
    ['Finished', (r) => when(r.finishedAt)],
  ];
  await pagedTable(list, {
    path: '/v1/rollouts',
    pageSize: pageSizeOf(query),
    columns,
    key: (r) => r.rolloutId,
    signal,
    empty: 'No rollouts yet.',
    noun: ['rollout', 'rollouts'],
  });
}

export async function rolloutPage(view, { params: [rolloutId], signal }) {
  const path = `/v1/rollouts/${encodeURIComponent(rolloutId)}`;
  const board = {
    view: await api(path, { signal }),
    names: {},
    reports: {},
    revertReports: {},
    summary: undefined,
    ended: undefined,
    endReverts: undefined,
    streamError: undefined,
  };
  const parts = {
    status: el('p', { id: 'rollout-status-line' }),
    actions: el('div', { id: 'rollout-actions', className: 'actions' }),
    followUps: el('div', { id: 'rollout-follow-ups' }),
    notice: el('div', { id: 'notice' }),
    progress: el('div', { id: 'rollout-progress' }),
    waves: el('div', { id: 'rollout-waves' }),
    devices: el('div', { id: 'rollout-devices' }),
  };
  const drawProgress = progressChart(parts.progress, rolloutId, signal);
  const draw = () => {
    drawStatus(parts.status, board);
    void drawProgress(board.view);
    drawActions(parts.actions, parts.notice, board.view, (answer) => {
      takeView(board, answer);
      draw();
    });
    drawFollowUps(parts.followUps, parts.notice, board.view);
    drawWaves(parts.waves, board);
    drawDevices(parts.devices, board);
  };
  fill(
    view,
    el('h1', {}, `Rollout ${rolloutId}`),
    el(
      'p',
      {},
      `Artifact ${artifactText(board.view)} · `,
      el('a', { href: `#/audit?rollout=${encodeURIComponent(rolloutId)}` }, 'audit trail'),
    ),
    parts.status,
    parts.actions,
    parts.followUps,
    parts.notice,
    el('h2', {}, 'Progress'),
    parts.progress,
    el('h2', {}, 'Waves'),
    parts.waves,
    el('h2', {}, 'Devices'),
    parts.devices,
  );
  draw();
  await follow(path, board, draw, signal);
}

/** Reads the stream until `end`; a failed stream is shown on the page, not thrown (but a 401 signs out). */
async function follow(path, board, draw, signal) {
  // A rollout event means the view changed; a burst of them (the replay on open) is one fetch. An
  // event that arrives once the fetch is sent may be newer than its answer: another fetch follows.
  let fetching;
  let sent = false;
  let again = false;
  const refetch = () => {
    if (fetching) {
      again ||= sent;
      return fetching;
    }
    fetching = (async () => {
      do {
        [again, sent] = [false, false];
        await new Promise((resolve) => setTimeout(resolve, 200));
        sent = true;
        takeView(board, await api(path, { signal }));
      } while (again);
    })().finally(() => {
      [fetching, sent, again] = [undefined, false, false];
    });
    return fetching;
  };
  try {
    const body = await openStream(`${path}/events`, { signal });
    for await (const { event, data } of readSse(body)) {
      if (event === 'rollout') refetch().then(draw, () => undefined);
      else await apply(board, event, data, refetch);
      draw();
      if (event === 'end') return;
    }
  } catch (err) {
    if (signal.aborted) return;
    if (err?.status === 401) throw err;
    board.streamError = err?.message ?? String(err);
    draw();
  }
}

async function apply(board, event, data, refetch) {
  switch (event) {
    case 'snapshot':
      takeView(board, data);
      return;
    case 'devices':
      board.names = data.names;
      return;
    case 'device': // a stored report: an outcome (or, from an older agent, a step)
    case 'progress': // a step, live only
      applyDeviceReport(board, data.event.data);
      return;
    case 'summary':
      board.summary = data;
      return;
    case 'end':
      await refetch().catch(() => undefined); // one that began before the end may answer from before it
      await refetch();
      // The stream's word is final; the view's projection may not have caught up yet.
      if (!['succeeded', 'failed', 'aborted'].includes(board.view.status)) board.view = { ...board.view, status: data.status };
      board.ended = data.status;
      board.endReverts = data.reverts;
      return;
    case 'error':
      throw new Error(data.error?.message ?? 'the event stream failed');
    default:
      return;
  }
}
