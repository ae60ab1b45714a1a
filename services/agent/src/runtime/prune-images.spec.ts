import { isPulledFor } from './prune-images.js';

describe('podman-steps: which images the agent pulled', () => {
  const source = { registry: 'facade.example:8443' };
  const ours = (hex: string) => `facade.example:8443/web@sha256:${hex}`;

  it("an image whose every name is <facade>/<artifact>@sha256:… is the agent's", () => {
    expect(isPulledFor([ours('a'.repeat(64))], source, 'web')).toBe(true);
    expect(isPulledFor([ours('a'.repeat(64)), ours('b'.repeat(64))], source, 'web')).toBe(true);
  });

  it.each([
    ['no name at all', []],
    ['another name beside ours (an operator tagged it)', [ours('a'.repeat(64)), 'localhost/mine:2']],
    ['pulled by tag', ['facade.example:8443/web:1.0.0']],
    ['another artifact', ['facade.example:8443/web2@sha256:' + 'a'.repeat(64)]],
    ['another registry', ['other.example/web@sha256:' + 'a'.repeat(64)]],
    ['a short digest', [ours('a'.repeat(63))]],
  ])('is not when it has %s', (_, names) => {
    expect(isPulledFor(names, source, 'web')).toBe(false);
  });
});
