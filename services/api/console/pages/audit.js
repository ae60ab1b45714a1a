// Audit: the latest entries of the fleet, newest first, optionally of one rollout, one device or
// some event types.
import { api } from '../api.js';
import { el, errorLine, fill, table, when } from '../dom.js';
import { deviceIdsOf, sentenceOf } from './audit-sentences.js';

const shown = 200;

/** The latest entries, newest first, in one page. */
async function latestEntries(filter, signal) {
  const query = new URLSearchParams({ ...filter, order: 'newest', limit: String(shown) });
  return (await api(`/v1/audit?${query}`, { signal })).items;
}

// The filters, each a query parameter of the route and of `GET /v1/audit`.
const filters = [
  ['rollout', 'Rollout', 'rollout id'],
  ['device', 'Device', 'device id'],
  ['type', 'Event types', 'WaveApproved, RolloutAborted'],
];

function filterForm(filter) {
  const inputs = filters.map(([key, , placeholder]) =>
    el('input', { id: `audit-${key}`, name: key, value: filter[key] ?? '', placeholder }),
  );
  const fields = filters.map(([key, label], i) => [el('label', { for: `audit-${key}` }, label), inputs[i]]);
  const form = el('form', { className: 'inline' }, fields, el('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const query = new URLSearchParams();
    for (const input of inputs) if (input.value.trim()) query.set(input.name, input.value.trim());
    location.hash = query.size ? `#/audit?${query}` : '#/audit';
  });
  return form;
}

/** The whole event, wrapped to the page's width, behind a click. */
function rawEvent(entry) {
  return el('details', { className: 'raw-event' }, el('summary', {}, 'Raw event'), el('pre', {}, JSON.stringify(entry, null, 2)));
}

/**
 * A lookup from device id to name for the devices these entries mention: enrollment entries name
 * theirs, the rest are asked of the API once each; a device it no longer knows keeps its id.
 */
async function deviceNames(entries, signal) {
  const names = new Map();
  for (const e of entries) if (/Device(Re)?[Ee]nrolled$/.test(e.type) && e.data?.deviceId) names.set(e.data.deviceId, e.data.name);
  const unknown = [...new Set(entries.flatMap(deviceIdsOf))].filter((id) => !names.has(id)).slice(0, 100);
  await Promise.all(
    unknown.map(async (id) => {
      const device = await api(`/v1/devices/${encodeURIComponent(id)}`, { signal }).catch(() => undefined);
      if (device?.name) names.set(id, device.name);
    }),
  );
  return (id) => names.get(id) ?? id;
}

export async function auditPage(view, { query, signal }) {
  const filter = {};
  for (const [key] of filters) if (query.get(key)) filter[key] = query.get(key);
  const list = el('div', {}, el('p', { className: 'muted' }, 'Loading…'));
  fill(view, el('h1', {}, 'Audit'), filterForm(filter), list);
  let entries;
  try {
    entries = await latestEntries(filter, signal);
  } catch (err) {
    if (err?.status === 401) throw err; // the shell signs the operator out
    fill(list, errorLine(err)); // a refused filter stays editable above
    return;
  }
  const deviceName = await deviceNames(entries, signal);
  const columns = [
    ['Time', (e) => when(e.time)],
    ['Event', (e) => e.type.replace(/^io\.keelson\./, '')],
    ['What happened', (e) => [el('span', { className: 'sentence' }, sentenceOf(e, deviceName)), rawEvent(e)]],
  ];
  fill(
    list,
    entries.length
      ? [el('p', { className: 'muted' }, `The latest ${entries.length} entries, newest first.`), table(columns, entries, (e) => e.id)]
      : el('p', { className: 'muted' }, 'No entries.'),
  );
}
