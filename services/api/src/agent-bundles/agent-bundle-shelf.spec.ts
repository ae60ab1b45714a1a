import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentBundleShelf } from './agent-bundle-shelf.js';

const hex = (c: string) => c.repeat(64);

describe('the agent bundle shelf', () => {
  let dir: string;
  const put = (file: string, sha?: string) => {
    writeFileSync(join(dir, file), 'bytes');
    if (sha) writeFileSync(join(dir, `${file}.sha256`), `${sha}  ${file}\n`);
  };

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'keelson-shelf-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('offers the newest version per architecture that has its sha256 file', () => {
    put('keelson-agent-0.9.0-linux-x64.tar.gz', hex('a'));
    put('keelson-agent-0.10.0-linux-x64.tar.gz', hex('b'));
    put('keelson-agent-0.11.0-linux-x64.tar.gz'); // no .sha256: not offered
    put('keelson-agent-0.1.0-linux-arm64.tar.gz', hex('c'));
    expect(new AgentBundleShelf(dir).latest()).toEqual([
      { version: '0.1.0', arch: 'arm64', file: 'keelson-agent-0.1.0-linux-arm64.tar.gz', sha256: hex('c') },
      { version: '0.10.0', arch: 'x64', file: 'keelson-agent-0.10.0-linux-x64.tar.gz', sha256: hex('b') },
    ]);
  });

  it('ignores a sha256 file that names another file or is not a sha256', () => {
    put('keelson-agent-0.1.0-linux-x64.tar.gz');
    writeFileSync(join(dir, 'keelson-agent-0.1.0-linux-x64.tar.gz.sha256'), `${hex('a')}  other.tar.gz\n`);
    put('keelson-agent-0.1.0-linux-arm64.tar.gz');
    writeFileSync(join(dir, 'keelson-agent-0.1.0-linux-arm64.tar.gz.sha256'), 'not a digest\n');
    expect(new AgentBundleShelf(dir).latest()).toEqual([]);
  });

  it('serves bundles and their sha256 files by name and nothing else of the directory', () => {
    put('keelson-agent-0.1.0-linux-x64.tar.gz', hex('a'));
    writeFileSync(join(dir, 'secrets.json'), '{}');
    const shelf = new AgentBundleShelf(dir);
    expect(shelf.pathOf('keelson-agent-0.1.0-linux-x64.tar.gz')).toBe(join(dir, 'keelson-agent-0.1.0-linux-x64.tar.gz'));
    expect(shelf.pathOf('keelson-agent-0.1.0-linux-x64.tar.gz.sha256')).toBe(join(dir, 'keelson-agent-0.1.0-linux-x64.tar.gz.sha256'));
    for (const name of [
      'secrets.json',
      '../keelson-agent-0.1.0-linux-x64.tar.gz',
      'keelson-agent-0.1.0-linux-arm64.tar.gz',
      'secrets.json.sha256',
    ]) {
      expect(shelf.pathOf(name)).toBeUndefined();
    }
  });
});
