import { ContainerArtifactName, OciRepositoryName } from './oci-names.js';

describe('podman-steps: OCI names of container artifacts', () => {
  const ok = (schema: typeof OciRepositoryName, value: string) => schema.safeParse(value).success;

  it.each(['web', 'apps/web', 'ghcr.io/acme/line-inspector', 'a/b/c', 'my__app', 'my--app', 'web.v2', 'r2d2/x_y-z'])(
    'takes the repository %p',
    (name) => {
      expect(ok(OciRepositoryName, name)).toBe(true);
    },
  );

  it.each([
    '',
    'Apps/web',
    'apps//web',
    '/apps/web',
    'apps/web/',
    'apps/web:1.0',
    'host:5000/apps/web',
    'apps/web@sha256:ab',
    'web-',
    '-web',
    'a..b',
    'a._b',
    'a___b',
    'apps/ web',
    `${'a/'.repeat(100)}a`,
  ])('refuses the repository %p with a message naming the grammar', (name) => {
    const parsed = OciRepositoryName.safeParse(name);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/OCI repository name/);
  });

  it.each(['web', 'line-inspector', 'web.v2', 'a__b', 'a--b', '0'])('takes the container artifact name %p', (name) => {
    expect(ContainerArtifactName.safeParse(name).success).toBe(true);
  });

  it.each(['web-', 'web.', 'web..a', 'web_-a', 'apps/web', 'Web', '-web', '.web'])(
    'refuses the container artifact name %p: devices could not pull it',
    (name) => {
      const parsed = ContainerArtifactName.safeParse(name);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.map((i) => i.message).join(' ')).toMatch(/container name devices can pull|artifact name/);
    },
  );
});
