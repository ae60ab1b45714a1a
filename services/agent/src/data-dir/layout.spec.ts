import { join } from 'node:path';
import { DataDirLayout } from './layout.js';

// The artifact paths are built in one join each; these are the paths the nested joins gave, for
// ordinary names and for the odd ones a join normalises (dots, slashes), relative roots included.
describe('the data directory layout', () => {
  const names = ['yolo-v8n', 'a/b', 'x/', '.', '..', '../escape', 'with space'];
  const versions = ['2.1.0', '1.0.0-rc.1', './v', '../v', 'v/'];

  for (const root of ['/var/lib/keelson', 'data', './data/', '/']) {
    it(`names every artifact path as the nested joins did, under '${root}'`, () => {
      const layout = new DataDirLayout(root);
      const artifactsDir = join(root, 'artifacts');
      for (const name of names) {
        const artifactDir = join(artifactsDir, name);
        expect(layout.artifactDir(name)).toBe(artifactDir);
        expect(layout.versionsDir(name)).toBe(join(artifactDir, 'versions'));
        for (const slot of ['current', 'previous'] as const) expect(layout.slot(name, slot)).toBe(join(artifactDir, slot));
        for (const version of versions) {
          expect(layout.versionDir(name, version)).toBe(join(join(artifactDir, 'versions'), version));
          expect(layout.activeFile(name, version)).toBe(join(join(artifactDir, 'current'), version));
        }
      }
    });
  }
});
