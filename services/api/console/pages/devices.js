// Devices: who is enrolled, reachable and running what; add a device, re-enroll or decommission one.
import { api } from '../api.js';
import { badge, confirmed, el, errorLine, fill, labelChips, when } from '../dom.js';
import { pagedTable, pageSizeOf } from '../paged-table.js';
import { addDeviceForm } from './add-device.js';
import { deviceFilterForm, deviceListPath, narrowed, versionDistribution } from './device-filters.js';

const installedText = (d) => d.installed.map((a) => `${a.name}@${a.version}`).join(', ');

export async function devicesPage(view, { query, signal }) {
  const notice = el('div', { id: 'notice' });
  const list = el('div', { id: 'device-list' }, el('p', { className: 'muted' }, 'Loading…'));
  const enroll = el('section', { id: 'add-device-panel', className: 'panel', hidden: true });
  const showForm = (device) => {
    enroll.hidden = false;
    fill(enroll, addDeviceForm(refresh, device));
    enroll.scrollIntoView();
  };
  const add = el('button', { type: 'button', id: 'add-device', onclick: () => showForm() }, 'Add device');
  const versions = el('div', { id: 'versions' });
  const refresh = () =>
    Promise.all([
      showDevices(list, { notice, showForm, signal, pageSize: pageSizeOf(query), path: deviceListPath(query), filtered: narrowed(query) }),
      versionDistribution(signal).then((panel) => fill(versions, panel)),
    ]);
  fill(
    view,
    el('h1', {}, 'Devices'),
    el('div', { className: 'actions' }, add, el('button', { type: 'button', onclick: () => refresh() }, 'Refresh')),
    enroll,
    versions,
    deviceFilterForm(query),
    notice,
    list,
  );
  await refresh();
}

async function showDevices(list, { notice, showForm, signal, pageSize, path, filtered }) {
  const columns = [
    ['Name', (d) => d.name],
    ['Status', (d) => badge(d.status)],
    ['Reachable', (d) => (d.reachable ? 'yes' : 'no')],
    ['Labels', (d) => labelChips(d.labels)],
    ['Installed', installedText],
    ['Last seen', (d) => when(d.lastSeenAt)],
    ['', (d) => (d.status === 'active' ? [reenrollButton(d, showForm), decommissionButton(d, notice)] : '')],
  ];
  const empty = filtered ? 'No device matches these filters.' : 'No devices yet: add one.';
  await pagedTable(list, { path, pageSize, columns, key: (d) => d.deviceId, signal, empty, noun: ['device', 'devices'] });
}

/** For a wiped or replaced device: a token that enrolls it again under the same id (runbook: re-enroll). */
function reenrollButton(device, showForm) {
  return el('button', { type: 'button', className: 'secondary', onclick: () => showForm(device) }, 'Re-enroll');
}

function decommissionButton(device, notice) {
  const button = el('button', { type: 'button', className: 'danger' }, 'Decommission');
  button.addEventListener('click', async () => {
    if (!confirmed(`Decommission ${device.name}? Its credentials are revoked and it leaves every rollout. This cannot be undone.`)) return;
    button.disabled = true;
    fill(notice);
    try {
      const answer = await api(`/v1/devices/${encodeURIComponent(device.deviceId)}/decommission`, {
        method: 'POST',
        body: { reason: 'decommissioned from the console' },
      });
      // The device list is a projection that follows a moment later: show the answer on the row now.
      const row = button.closest('tr');
      fill(row.querySelector('td[data-col="Status"]'), badge(answer.status));
      fill(row.querySelector('td[data-col="Reachable"]'), 'no');
      fill(button.closest('td')); // nothing more to do with a retired device
    } catch (err) {
      fill(notice, errorLine(err));
      button.disabled = false;
    }
  });
  return button;
}
