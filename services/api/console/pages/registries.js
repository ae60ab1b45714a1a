// Registries: the upstream registries the facade is connected to, whether credentials are set
// (never what they are), and a test or removal of each. Connecting stays in the CLI, where the
// password comes from standard input rather than a browser form.
import { api } from '../api.js';
import { confirmed, el, errorLine, fill, when } from '../dom.js';
import { pagedTable, pageSizeOf } from '../paged-table.js';

const credentialsText = (c) => (c.credentialsSet ? `set (user ${c.username})` : 'none');
const pathOf = (c) => `/v1/registries/${encodeURIComponent(c.name)}`;

export async function registriesPage(view, { query, signal }) {
  const notice = el('div', { id: 'notice' });
  const list = el('div', { id: 'registry-list' }, el('p', { className: 'muted' }, 'Loading…'));
  const refresh = () => showRegistries(list, { notice, signal, pageSize: pageSizeOf(query) });
  fill(
    view,
    el('h1', {}, 'Registries'),
    el(
      'p',
      { className: 'muted' },
      'Connect with ',
      el('code', {}, 'npx keelson registry connect NAME --url URL --username U --password-stdin'),
      '; credentials are checked, then sealed in the facade.',
    ),
    el('div', { className: 'actions' }, el('button', { type: 'button', onclick: () => refresh() }, 'Refresh')),
    notice,
    list,
  );
  await refresh();
}

async function showRegistries(list, { notice, signal, pageSize }) {
  const columns = [
    ['Name', (c) => c.name],
    ['URL', (c) => el('code', {}, c.url)],
    ['Credentials', credentialsText],
    ['CA', (c) => (c.caFingerprint ? el('code', { title: c.caFingerprint }, c.caFingerprint.slice(0, 12)) : 'system')],
    ['Connected', (c) => when(c.connectedAt)],
    ['Test', () => ''],
    ['', (c) => [testButton(c, notice), removeButton(c, notice)]],
  ];
  await pagedTable(list, {
    path: '/v1/registries',
    pageSize,
    columns,
    key: (c) => c.name,
    signal,
    empty: 'No registries connected.',
    noun: ['registry', 'registries'],
  });
}

/** Pings the registry with its stored credentials and writes the outcome on the row. */
function testButton(connection, notice) {
  const button = el('button', { type: 'button', className: 'secondary' }, 'Test');
  button.addEventListener('click', async () => {
    const cell = button.closest('tr').querySelector('td[data-col="Test"]');
    button.disabled = true;
    fill(notice);
    fill(cell, 'testing…');
    try {
      const r = await api(`${pathOf(connection)}/test`, { method: 'POST' });
      fill(cell, el('span', { className: 'badge badge-succeeded' }, 'ok'), ` ${r.elapsedMs} ms, ${r.auth}`);
    } catch (err) {
      fill(cell, el('span', { className: 'badge badge-failed' }, 'failed'), ` ${err?.message ?? err}`);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

function removeButton(connection, notice) {
  const button = el('button', { type: 'button', className: 'danger' }, 'Remove');
  button.addEventListener('click', async () => {
    if (!confirmed(`Remove the registry ${connection.name}? Its credentials are destroyed; artifacts already copied from it stay.`)) return;
    button.disabled = true;
    fill(notice);
    try {
      await api(pathOf(connection), { method: 'DELETE' });
      button.closest('tr').remove(); // the list is a projection that follows a moment later
    } catch (err) {
      fill(notice, errorLine(err));
      button.disabled = false;
    }
  });
  return button;
}
