// The forms of the groups pages: a new group from device names, and names to add to a group.
// Names are typed the way the CLI takes them: comma or whitespace separated, names or ids.
import { api } from '../api.js';
import { el, errorLine, fill } from '../dom.js';

/** `cam-01, cam-02 cam-03` as `['cam-01', 'cam-02', 'cam-03']`. */
export function namesOf(text) {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

/** A line that says which names matched no device and were kept in the group as unresolved. */
export function unresolvedNote(group) {
  if (!group.unresolvedNames.length) return null;
  return el(
    'p',
    { className: 'muted', id: 'unresolved-note' },
    `No device is named ${group.unresolvedNames.join(', ')} (yet): kept in the group as unresolved.`,
  );
}

/**
 * A form with one text field of device names and a submit button; `send(names)` does the call,
 * `done(answer)` shows it. The API's refusal is shown under the form and nothing is cleared.
 */
function namesForm({ id, title, nameField, submitText, send, done }) {
  const name = nameField ? el('input', { id: `${id}-name`, required: true, placeholder: 'line-7' }) : null;
  const devices = el('input', { id: `${id}-devices`, required: true, placeholder: 'cam-01, cam-02' });
  const outcome = el('div', { id: `${id}-outcome` });
  const submit = el('button', { type: 'submit' }, submitText);
  const form = el(
    'form',
    { className: 'stack', id },
    el('h2', {}, title),
    name ? [el('label', { for: `${id}-name` }, 'Group name'), name] : null,
    el('label', { for: `${id}-devices` }, 'Device names or ids'),
    devices,
    submit,
    outcome,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(outcome);
    submit.disabled = true;
    try {
      const answer = await send(namesOf(devices.value), name?.value.trim());
      devices.value = '';
      done(answer, outcome);
    } catch (err) {
      fill(outcome, errorLine(err));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** Creates a group and opens its page. */
export function createGroupForm(open) {
  return namesForm({
    id: 'create-group',
    title: 'New group',
    nameField: true,
    submitText: 'Create group',
    send: (devices, name) => api('/v1/groups', { method: 'POST', body: { name, devices } }),
    done: (group) => open(group),
  });
}

/** Adds devices to `group`; `changed(group)` redraws the page with the answer. */
export function addMembersForm(group, changed) {
  return namesForm({
    id: 'add-members',
    title: 'Add devices',
    nameField: false,
    submitText: 'Add to group',
    send: (devices) => api(`/v1/groups/${encodeURIComponent(group.groupId)}/members`, { method: 'POST', body: { devices } }),
    done: (answer) => changed(answer),
  });
}
