// The devices page at fleet size: a filter form whose values live in the page's address (so a
// filtered list can be bookmarked or shared), and the fleet-wide version distribution. Both are
// answered by the gateway's queries; the browser never holds the whole fleet.
import { api } from '../api.js';
import { el, fill } from '../dom.js';

const fields = ['search', 'status', 'label', 'installed', 'reachable', 'sort'];

/** The list's API path for the filters in the page's query (empty ones left out). */
export function deviceListPath(query) {
  const kept = new URLSearchParams();
  for (const name of fields) if (query.get(name)) kept.set(name, query.get(name));
  const rest = kept.toString();
  return rest ? `/v1/devices?${rest}` : '/v1/devices';
}

/** Whether any filter narrows the list (the sort alone does not). */
export function narrowed(query) {
  return fields.some((name) => name !== 'sort' && query.get(name));
}

const select = (id, value, options) =>
  el(
    'select',
    { id },
    options.map(([v, text]) => el('option', { value: v, selected: v === (value ?? '') }, text)),
  );

/** The filter form; applying it moves to the same page with the filters in its address. */
export function deviceFilterForm(query) {
  const search = el('input', { id: 'filter-search', type: 'search', placeholder: 'name or id', value: query.get('search') ?? '' });
  const label = el('input', { id: 'filter-label', placeholder: 'site=north', value: query.get('label') ?? '' });
  const installed = el('input', { id: 'filter-installed', placeholder: 'yolo@2.1.0', value: query.get('installed') ?? '' });
  const status = select('filter-status', query.get('status'), [
    ['', 'any status'],
    ['active', 'active'],
    ['decommissioned', 'decommissioned'],
  ]);
  const reachable = select('filter-reachable', query.get('reachable'), [
    ['', 'reachable or not'],
    ['true', 'reachable'],
    ['false', 'unreachable'],
  ]);
  const sort = select('filter-sort', query.get('sort'), [
    ['', 'newest first'],
    ['name', 'by name'],
  ]);
  const form = el(
    'form',
    { className: 'inline', id: 'device-filters', role: 'search' },
    search,
    status,
    label,
    installed,
    reachable,
    sort,
    el('button', { type: 'submit' }, 'Apply'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    const values = {
      search: search.value,
      status: status.value,
      label: label.value,
      installed: installed.value,
      reachable: reachable.value,
      sort: sort.value,
    };
    for (const [name, value] of Object.entries(values)) if (value.trim()) next.set(name, value.trim());
    if (query.get('limit')) next.set('limit', query.get('limit'));
    location.hash = next.toString() ? `#/devices?${next}` : '#/devices';
  });
  return form;
}

/** Active devices per installed version, most common first; a version links to the devices running it. */
export async function versionDistribution(signal) {
  const counts = await api('/v1/installed-versions', { signal });
  const rows = counts.versions.map((v) => {
    const share = counts.activeDevices ? Math.round((v.devices / counts.activeDevices) * 100) : 0;
    const filter = new URLSearchParams({ installed: `${v.name}@${v.version}` });
    return el(
      'tr',
      { 'data-key': `${v.name}@${v.version}` },
      el('td', { 'data-col': 'Version' }, el('a', { href: `#/devices?${filter}` }, `${v.name}@${v.version}`)),
      el('td', { 'data-col': 'Devices' }, String(v.devices)),
      el('td', { 'data-col': 'Share' }, el('meter', { min: 0, max: counts.activeDevices, value: v.devices }), ` ${share}%`),
    );
  });
  const summary = el(
    'p',
    { className: 'muted', id: 'version-summary' },
    `${counts.activeDevices} active devices; ${counts.withoutArtifacts} run no artifact yet.`,
  );
  const grid = rows.length
    ? el(
        'table',
        {},
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ['Version', 'Devices', 'Share'].map((t) => el('th', {}, t)),
          ),
        ),
        el('tbody', {}, rows),
      )
    : null;
  return fill(el('section', { className: 'panel', id: 'version-distribution' }), el('h2', {}, 'Versions across the fleet'), summary, grid);
}
