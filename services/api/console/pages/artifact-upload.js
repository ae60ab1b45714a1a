// Uploading an artifact from the console: the same multipart call as `keelson artifact push`
// (`POST /v1/artifacts`), checked by the same rules on the API. A config needs no manifest; the
// others carry theirs as JSON text. The API's refusal is shown under the form and stores nothing.
import { api } from '../api.js';
import { el, errorLine, fill } from '../dom.js';

const kinds = ['model', 'container', 'config'];

/** Waits (a few seconds at most) until the artifact views know the upload, so the list shows it. */
async function listed({ name, version }) {
  const path = `/v1/artifacts/${encodeURIComponent(name)}/${encodeURIComponent(version)}`;
  for (let i = 0; i < 20; i++) {
    if (
      await api(path).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The form; `onUploaded(artifact)` runs once the API has received the bytes. */
export function uploadForm(onUploaded) {
  const input = (id, attrs) => el('input', { id: `upload-${id}`, name: id, autocomplete: 'off', ...attrs });
  const name = input('name', { placeholder: 'detector', required: true });
  const version = input('version', { placeholder: '1.2.0', required: true });
  const kind = el(
    'select',
    { id: 'upload-kind', name: 'kind' },
    kinds.map((k) => el('option', { value: k }, k)),
  );
  const manifest = el('textarea', {
    id: 'upload-manifest',
    name: 'manifest',
    rows: 3,
    placeholder: '{"kind":"model", …} (optional for a config)',
  });
  const file = input('file', { type: 'file', required: true });
  const notice = el('div', { id: 'upload-notice' });
  const button = el('button', { type: 'submit' }, 'Upload');
  const label = (id, text) => el('label', { for: `upload-${id}` }, text);
  const form = el(
    'form',
    { id: 'upload-artifact', className: 'stack' },
    label('name', 'Name'),
    name,
    label('version', 'Version'),
    version,
    label('kind', 'Kind'),
    kind,
    label('manifest', 'Manifest (JSON)'),
    manifest,
    label('file', 'File'),
    file,
    button,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(notice);
    const body = new FormData();
    body.set('name', name.value.trim());
    body.set('version', version.value.trim());
    body.set('kind', kind.value);
    if (manifest.value.trim()) body.set('manifest', manifest.value.trim());
    if (file.files[0]) body.set('file', file.files[0], file.files[0].name);
    button.disabled = true;
    try {
      const artifact = await api('/v1/artifacts', { method: 'POST', body });
      fill(
        notice,
        el('p', { role: 'status' }, `Received ${artifact.name}@${artifact.version} (${artifact.status}); it is published once signed.`),
      );
      await listed(artifact);
      await onUploaded(artifact);
    } catch (err) {
      fill(notice, errorLine(err));
    } finally {
      button.disabled = false;
    }
  });
  return el('section', {}, el('h2', {}, 'Upload an artifact'), form, notice);
}
