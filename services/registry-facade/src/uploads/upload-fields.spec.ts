import { InvalidInput } from '@keelson/domain-kit';
import { parseArtifactUpload } from './upload-fields.js';

const digest = `sha256:${'a'.repeat(64)}`;
const containerHead = (name: string, repository: string) => ({
  fields: { name, version: '1.0.0', kind: 'container', manifest: JSON.stringify({ kind: 'container', repository, digest }) },
  filename: 'web.tar',
  mimeType: 'application/x-tar',
});
const issuesOf = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    if (err instanceof InvalidInput) return { code: err.code, issues: err.issues };
    throw err;
  }
  throw new Error('the upload was taken');
};

describe('podman-steps: the declared fields of an upload', () => {
  it('takes a container whose name and repository are OCI names', () => {
    expect(parseArtifactUpload(containerHead('line-inspector', 'ghcr.io/acme/line-inspector'))).toMatchObject({
      name: 'line-inspector',
      kind: 'container',
    });
  });

  it('refuses a container name devices could not pull, naming the field', () => {
    const { code, issues } = issuesOf(() => parseArtifactUpload(containerHead('web-', 'apps/web')));
    expect(code).toBe('upload.invalid');
    expect(issues).toEqual([{ path: ['name'], message: expect.stringContaining('container name devices can pull') }]);
  });

  it.each(['apps//web', 'Apps/web', 'harbor:5000/apps/web', 'apps/web:1.0'])('refuses the repository %p', (repository) => {
    const { issues } = issuesOf(() => parseArtifactUpload(containerHead('web', repository)));
    expect(issues).toEqual([{ path: ['manifest', 'repository'], message: expect.stringMatching(/OCI repository/) }]);
  });

  it('lists both problems at once', () => {
    const { issues } = issuesOf(() => parseArtifactUpload(containerHead('web..a', 'apps/web/')));
    expect(issues.map((i) => i.path.join('.'))).toEqual(['name', 'manifest.repository']);
  });

  it('keeps the looser artifact name for other kinds (a model may be called web-)', () => {
    const head = {
      fields: { name: 'web-', version: '1.0.0', kind: 'config', manifest: '{"kind":"config"}' },
      filename: 'a.json',
      mimeType: 'application/json',
    };
    expect(parseArtifactUpload(head)).toMatchObject({ name: 'web-', kind: 'config' });
  });
});
