// Artifacts: what was pushed, whether it is signed and published, and where each release channel points.
import { api } from '../api.js';
import { badge, el, fill, when } from '../dom.js';
import { pagedTable, pageSizeOf } from '../paged-table.js';
import { uploadForm } from './artifact-upload.js';
import { channelForm } from './channel-form.js';

const size = (bytes) => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`);

/** Channel lines per artifact name, e.g. `stable → 2.1.0`; one request per name. */
async function channelsByName(names, signal) {
  const entries = await Promise.all(
    names.map(async (name) => {
      const { channels } = await api(`/v1/channels/${encodeURIComponent(name)}`, { signal });
      return [name, channels];
    }),
  );
  return new Map(entries);
}

export async function artifactsPage(view, { query, signal }) {
  const list = el('div', { id: 'artifact-list' }, el('p', { className: 'muted' }, 'Loading…'));
  fill(
    view,
    el('h1', {}, 'Artifacts'),
    el(
      'p',
      { className: 'muted' },
      'Upload here or push with ',
      el('code', {}, 'npx keelson artifact push'),
      '; a version is published once the signer has signed it.',
    ),
    list,
    uploadForm(() => artifactsTable(list, query, signal)),
    channelForm(() => artifactsTable(list, query, signal)),
  );
  await artifactsTable(list, query, signal);
}

/** The artifacts a page at a time, each with the channels pointing at it. */
async function artifactsTable(list, query, signal) {
  const channels = new Map();
  // Each page asks for the channels of the names it shows that no earlier page asked for.
  const prepare = async (items) => {
    const names = [...new Set(items.map((a) => a.name))].filter((n) => !channels.has(n));
    for (const [name, pointers] of await channelsByName(names, signal)) channels.set(name, pointers);
  };
  const pointing = (a) =>
    (channels.get(a.name) ?? []).filter((c) => c.version === a.version).map((c) => el('span', { className: 'chip' }, c.channel));
  const columns = [
    ['Name', (a) => a.name],
    ['Version', (a) => a.version],
    ['Kind', (a) => a.kind],
    ['Status', (a) => [badge(a.status), a.rejectedReason ? ` ${a.rejectedReason}` : '']],
    ['Channels', pointing],
    ['Size', (a) => size(a.length)],
    ['SHA-256', (a) => el('code', { title: a.sha256 }, a.sha256.slice(0, 12))],
    ['Received', (a) => when(a.receivedAt)],
    ['Published', (a) => when(a.publishedAt)],
  ];
  await pagedTable(list, {
    path: '/v1/artifacts',
    pageSize: pageSizeOf(query),
    columns,
    key: (a) => `${a.name}@${a.version}`,
    signal,
    empty: 'No artifacts yet.',
    noun: ['artifact', 'artifacts'],
    prepare,
  });
}
