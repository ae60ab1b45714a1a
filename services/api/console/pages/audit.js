// Audit: the latest entries of the fleet, newest first, optionally of one rollout or one device.
import { api } from '../api.js';
import { el, errorLine, fill, table, when } from '../dom.js';

const shown = 200;

/** The latest entries, newest first, in one page. */
async function latestEntries(filter, signal) {
  const query = new URLSearchParams({ ...filter, order: 'newest', limit: String(shown) });
  return (await api(`/v1/audit?${query}`, { signal })).items;
}

function filterForm(filter) {
  const rollout = el('input', { id: 'audit-rollout', name: 'rollout', value: filter.rollout ?? '', placeholder: 'rollout id' });
  const device = el('input', { id: 'audit-device', name: 'device', value: filter.device ?? '', placeholder: 'device id' });
  const form = el('form', { className: 'inline' }, el('label', { for: 'audit-rollout' }, 'Rollout'), rollout, el('label', { for: 'audit-device' }, 'Device'), device, el('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const query = new URLSearchParams();
    if (rollout.value.trim()) query.set('rollout', rollout.value.trim());
    if (device.value.trim()) query.set('device', device.value.trim());
    location.hash = query.size ? `#/audit?${query}` : '#/audit';
  });
  return form;
}

export async function auditPage(view, { query, signal }) {
  const filter = {};
  for (const key of ['rollout', 'device']) if (query.get(key)) filter[key] = query.get(key);
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
