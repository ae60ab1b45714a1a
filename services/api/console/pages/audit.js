// Audit: the latest entries of the fleet, newest first, optionally of one rollout, one device or
// some event types.
import { api } from '../api.js';
import { el, errorLine, fill, table, when } from '../dom.js';

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
  const inputs = filters.map(([key, , placeholder]) => el('input', { id: `audit-${key}`, name: key, value: filter[key] ?? '', placeholder }));
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
  const columns = [
    ['Time', (e) => when(e.time)],
    ['Event', (e) => e.type.replace(/^io\.keelson\./, '')],
    ['Actor', (e) => e.keelsonactor],
    ['Subject', (e) => e.subject ?? ''],
    ['Data', (e) => el('code', {}, JSON.stringify(e.data))],
  ];
  fill(list, entries.length ? [el('p', { className: 'muted' }, `The latest ${entries.length} entries, newest first.`), table(columns, entries, (e) => e.id)] : el('p', { className: 'muted' }, 'No entries.'));
}
