// Pointing a release channel of an artifact name at one of its published versions, by hand: the
// same call as `keelson channel set`. The API checks the names and that the version is published;
// its refusal is shown next to the form and moves nothing.
import { api } from '../api.js';
import { el, errorLine, fill } from '../dom.js';

const fields = [
  ['artifact', 'Artifact', 'name'],
  ['channel', 'Channel', 'stable'],
  ['version', 'Version', '1.2.0'],
];

/** The form; `onSet(view)` runs with the artifact's channels once the API has moved the pointer. */
export function channelForm(onSet) {
  const inputs = Object.fromEntries(
    fields.map(([key, , placeholder]) => [
      key,
      el('input', { id: `set-channel-${key}`, name: key, placeholder, required: true, autocomplete: 'off' }),
    ]),
  );
  const notice = el('div', { id: 'set-channel-notice' });
  const button = el('button', { type: 'submit' }, 'Set channel');
  const form = el(
    'form',
    { id: 'set-channel', className: 'inline' },
    fields.map(([key, label]) => [el('label', { for: `set-channel-${key}` }, label), inputs[key]]),
    button,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const [artifact, channel, version] = fields.map(([key]) => inputs[key].value.trim());
    fill(notice);
    button.disabled = true;
    try {
      const path = `/v1/channels/${encodeURIComponent(artifact)}/${encodeURIComponent(channel)}`;
      const view = await api(path, { method: 'POST', body: { version, reason: 'set from the console' } });
      fill(notice, el('p', { role: 'status' }, `Channel ${channel} of ${artifact} now points at ${version}.`));
      await onSet(view);
    } catch (err) {
      fill(notice, errorLine(err));
    } finally {
      button.disabled = false;
    }
  });
  return el('section', {}, el('h2', {}, 'Release channels'), form, notice);
}
