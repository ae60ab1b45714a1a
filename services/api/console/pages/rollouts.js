// Rollouts: every rollout of the fleet, with a link to follow one live.
import { api } from '../api.js';
import { badge, el, fill, table, when } from '../dom.js';

const artifactText = (r) => `${r.artifact.name}@${r.artifact.version}`;
const waveText = (r) => `${Math.min(r.currentWave + 1, r.strategy.waves.length)} of ${r.strategy.waves.length}`;

export async function rolloutsPage(view, { signal }) {
  fill(view, el('h1', {}, 'Rollouts'), el('p', { className: 'muted' }, 'Loading…'));
  const { items } = await api('/v1/rollouts?limit=200', { signal });
  const columns = [
    ['Rollout', (r) => el('a', { href: `#/rollouts/${encodeURIComponent(r.rolloutId)}` }, r.rolloutId)],
    ['Artifact', artifactText],
    ['Status', (r) => badge(r.status)],
    ['Wave', waveText],
    ['Devices', (r) => String(r.devices.length)],
    ['Created', (r) => when(r.createdAt)],
    ['Finished', (r) => when(r.finishedAt)],
  ];
  fill(
    view,
    el('h1', {}, 'Rollouts'),
    el('p', { className: 'muted' }, 'Create one with ', el('code', {}, 'npx keelson rollout create'), '; open one to follow it live and approve, halt, resume or abort it.'),
    items.length ? table(columns, items, (r) => r.rolloutId) : el('p', { className: 'muted' }, 'No rollouts yet.'),
  );
}
