// Artifacts: what was pushed, whether it is signed and published, and where each release channel points.
import { api } from '../api.js';
import { badge, el, fill, table, when } from '../dom.js';

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

export async function artifactsPage(view, { signal }) {
  fill(view, el('h1', {}, 'Artifacts'), el('p', { className: 'muted' }, 'Loading…'));
  const { items } = await api('/v1/artifacts?limit=200', { signal });
  const channels = await channelsByName([...new Set(items.map((a) => a.name))], signal);
  const pointing = (a) =>
    (channels.get(a.name) ?? [])
      .filter((c) => c.version === a.version)
      .map((c) => el('span', { className: 'chip' }, c.channel));
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
  fill(
    view,
    el('h1', {}, 'Artifacts'),
    el('p', { className: 'muted' }, 'Push with ', el('code', {}, 'npx keelson artifact push'), '; a version is published once the signer has signed it.'),
    items.length ? table(columns, items, (a) => `${a.name}@${a.version}`) : el('p', { className: 'muted' }, 'No artifacts yet.'),
  );
}
