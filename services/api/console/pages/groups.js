// Groups: the fleet's static groups with their sizes, a new group from device names, and one
// group's members to add to, remove from, or the group to delete. A rollout keeps the devices its
// group had when it was created, so editing a group never moves a rollout already under way.
import { api } from '../api.js';
import { confirmed, el, errorLine, fill, table } from '../dom.js';
import { pagedTable, pageSizeOf } from '../paged-table.js';
import { addMembersForm, createGroupForm, unresolvedNote } from './group-forms.js';

const groupHref = (g) => `#/groups/${encodeURIComponent(g.groupId)}`;
const open = (g) => {
  location.hash = groupHref(g);
};

export async function groupsPage(view, { query, signal }) {
  const list = el('div', { id: 'group-list' }, el('p', { className: 'muted' }, 'Loading…'));
  const create = el('section', { id: 'create-group-panel', className: 'panel', hidden: true }, createGroupForm(open));
  const columns = [
    ['Name', (g) => el('a', { href: groupHref(g) }, g.name)],
    ['Devices', (g) => String(g.deviceIds.length)],
    ['Unresolved', (g) => g.unresolvedNames.join(', ')],
  ];
  const refresh = () =>
    pagedTable(list, {
      path: '/v1/groups',
      pageSize: pageSizeOf(query),
      columns,
      key: (g) => g.groupId,
      signal,
      empty: 'No groups yet: create one.',
      noun: ['group', 'groups'],
    });
  const newGroup = el('button', { type: 'button', id: 'new-group', onclick: () => (create.hidden = false) }, 'New group');
  fill(
    view,
    el('h1', {}, 'Groups'),
    el('div', { className: 'actions' }, newGroup, el('button', { type: 'button', onclick: () => refresh() }, 'Refresh')),
    create,
    list,
  );
  await refresh();
}

export async function groupPage(view, { params: [idOrName], signal }) {
  const group = await api(`/v1/groups/${encodeURIComponent(idOrName)}`, { signal });
  drawGroup(view, group);
}

function drawGroup(view, group) {
  const notice = el('div', { id: 'notice' });
  const redraw = (g) => drawGroup(view, g);
  const members = [
    ...group.deviceIds.map((id) => ({ member: id, kind: 'device' })),
    ...group.unresolvedNames.map((name) => ({ member: name, kind: 'unresolved name' })),
  ];
  const columns = [
    ['Member', (m) => m.member],
    ['Kind', (m) => m.kind],
    ['', (m) => removeButton(group, m.member, notice, redraw)],
  ];
  fill(
    view,
    el('h1', {}, `Group ${group.name}`),
    el(
      'p',
      { className: 'muted' },
      el('a', { href: '#/groups' }, 'All groups'),
      ` · id ${group.groupId} · `,
      el('span', { id: 'member-count' }, `${group.deviceIds.length} devices`),
    ),
    unresolvedNote(group),
    el('div', { className: 'actions' }, deleteButton(group, notice)),
    notice,
    el('section', { className: 'panel' }, addMembersForm(group, redraw)),
    el(
      'div',
      { id: 'member-list' },
      members.length ? table(columns, members, (m) => m.member) : el('p', { className: 'muted' }, 'No members.'),
    ),
  );
}

function removeButton(group, member, notice, redraw) {
  const button = el('button', { type: 'button', className: 'danger' }, 'Remove');
  button.addEventListener('click', async () => {
    button.disabled = true;
    fill(notice);
    try {
      redraw(await api(`/v1/groups/${encodeURIComponent(group.groupId)}/members`, { method: 'DELETE', body: { devices: [member] } }));
    } catch (err) {
      fill(notice, errorLine(err));
      button.disabled = false;
    }
  });
  return button;
}

function deleteButton(group, notice) {
  const button = el('button', { type: 'button', className: 'danger', id: 'delete-group' }, 'Delete group');
  button.addEventListener('click', async () => {
    if (!confirmed(`Delete the group ${group.name}? Rollouts already created keep their devices; the name becomes free.`)) return;
    button.disabled = true;
    fill(notice);
    try {
      await api(`/v1/groups/${encodeURIComponent(group.groupId)}`, { method: 'DELETE' });
      location.hash = '#/groups';
    } catch (err) {
      fill(notice, errorLine(err));
      button.disabled = false;
    }
  });
  return button;
}
