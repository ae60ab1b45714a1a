// What one rollout looks like right now: its status line, the per-wave summary and each device's state.
import { badge, el, fill, table } from '../dom.js';

const stateOrder = ['pending', 'assigned', 'downloading', 'verifying', 'applying', 'healthy', 'rolled_back', 'failed', 'excluded'];

/** The per-wave counts: from the live `summary` event when one came, else from the view's own lines. */
function waveRows(board) {
  if (board.summary) return board.summary.waves.map((w) => ({ ...w, waiting: w.pending }));
  // The view's `failed` already counts the timed-out devices; waiting = not yet assigned (pending), as the summary's.
  return (board.view.waves ?? []).map((w) => ({
    ...w,
    waiting: w.devices - w.inFlight - w.unreachable - w.healthy - w.failed - w.excluded,
  }));
}

/** After an abort with revert, the end names the offline devices whose revert waits for them to return. */
function pendingText(board) {
  const r = board.endReverts;
  if (!r?.offline) return '';
  const more = r.offline > r.offlineDeviceIds.length ? ` and ${r.offline - r.offlineDeviceIds.length} more` : '';
  return `; ${r.offline} revert(s) pending on offline devices, done when they return: ${r.offlineDeviceIds.map((id) => board.names[id] ?? id).join(', ')}${more}`;
}

const revertsText = (r) =>
  `Reverts: ${r.reverted + r.failed} of ${r.devices} done (${r.reverted} reverted, ${r.failed} failed), ${r.inFlight} in flight, ${r.offline} offline${r.decommissioned ? `, ${r.decommissioned} decommissioned` : ''}`;

export function drawStatus(node, board) {
  const { view } = board;
  const waves = view.strategy.waves;
  const live = board.streamError
    ? `live updates stopped: ${board.streamError}`
    : board.ended
      ? `ended: ${board.ended}${pendingText(board)}`
      : board.summary?.reverts
        ? 'live: following the reverts'
        : 'live';
  fill(
    node,
    el('span', {}, 'Status '),
    el('span', { id: 'rollout-status', 'data-status': view.status }, badge(view.status)),
    el(
      'span',
      {},
      ` · wave ${Math.min(view.currentWave + 1, waves.length)} of ${waves.length} (${waves.map((w) => `${w.percent}% ${w.gate}`).join(', ')})`,
    ),
    view.haltReason ? el('span', {}, ` · halted: ${view.haltReason}`) : null,
    view.abortMode ? el('span', {}, ` · aborted, ${view.abortMode}`) : null,
    el('span', { id: 'live-state', className: board.streamError ? 'error' : 'muted' }, ` · ${live}`),
  );
}

export function drawWaves(node, board) {
  const columns = [
    ['Wave', (w) => String(w.wave + 1)],
    ['Devices', (w) => String(w.devices)],
    ['Waiting', (w) => String(w.waiting ?? 0)],
    ['In flight', (w) => String(w.inFlight)],
    ['Healthy', (w) => String(w.healthy)],
    ['Failed', (w) => String(w.failed)],
    ['Excluded', (w) => String(w.excluded)],
  ];
  const rows = waveRows(board);
  const down = board.summary
    ? el('p', { className: 'muted' }, `${board.summary.devicesDown} down, ${board.summary.unreachable} unreachable`)
    : null;
  const reverts = board.summary?.reverts ? el('p', { id: 'rollout-reverts' }, revertsText(board.summary.reverts)) : null;
  fill(
    node,
    rows.length ? table(columns, rows, (w) => `wave-${w.wave}`) : el('p', { className: 'muted' }, 'No wave summary yet.'),
    down,
    reverts,
  );
}

export function drawDevices(node, board) {
  const nameOf = (id) => board.names[id] ?? id;
  const devices = [...board.view.devices].sort(
    (a, b) =>
      a.wave - b.wave || stateOrder.indexOf(a.state) - stateOrder.indexOf(b.state) || nameOf(a.deviceId).localeCompare(nameOf(b.deviceId)),
  );
  const columns = [
    ['Device', (d) => nameOf(d.deviceId)],
    ['Wave', (d) => String(d.wave + 1)],
    ['State', (d) => el('span', { 'data-state': d.state }, badge(d.state))],
    [
      'Notes',
      (d) =>
        [d.reason, d.timedOut ? 'timed out' : null, d.unreachable ? 'unreachable' : null, d.revert ? `revert: ${d.revert.state}` : null]
          .filter(Boolean)
          .join('; '),
    ],
  ];
  fill(
    node,
    table(columns, devices, (d) => d.deviceId),
  );
}

const progress = { pending: 0, assigned: 1, downloading: 2, verifying: 3, applying: 4, healthy: 5, rolled_back: 5, failed: 5 };

/** Puts a device report on the board's device when it is further along than what the board shows. */
function applyIfFurther(device, report) {
  if (!(device.state in progress) || progress[report.state] <= progress[device.state]) return;
  device.state = report.state;
  if (report.reason) device.reason = report.reason;
}

// A revert (abort with revert) is reported like an update, about the assignment `<rollout>-<device>-r`
// (revertAssignmentId in libs/events; the console loads no TypeScript, so it spells the rule out).
const isRevert = (report) => report.assignmentId === `${report.rolloutId}-${report.deviceId}-r`;
const revertProgress = { assigned: 0, downloading: 1, verifying: 2, applying: 3, healthy: 4, rolled_back: 4, failed: 4 };

/** Puts a revert report on the device's revert when it is further along than what the board shows. */
function applyRevertIfFurther(device, report) {
  if (device.revert && revertProgress[report.state] <= revertProgress[device.revert.state]) return;
  device.revert = report.reason ? { state: report.state, reason: report.reason } : { state: report.state };
}

/** A device's own report (from the stream), remembered so a view fetched later cannot set it back. */
export function applyDeviceReport(board, report) {
  const revert = isRevert(report);
  (revert ? board.revertReports : board.reports)[report.deviceId] = report;
  const device = board.view.devices.find((d) => d.deviceId === report.deviceId);
  if (device) (revert ? applyRevertIfFurther : applyIfFurther)(device, report);
}

/** A view fetched from the API (its projection may lag the stream), with the reports already seen. */
export function takeView(board, view) {
  board.view = view;
  for (const device of view.devices) {
    const report = board.reports[device.deviceId];
    if (report) applyIfFurther(device, report);
    const revert = board.revertReports[device.deviceId];
    if (revert) applyRevertIfFurther(device, revert);
  }
}
