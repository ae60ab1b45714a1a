import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tarEntries } from './tar-entries.js';

/** Reads a tar in chunks of `chunk` bytes and answers each file entry's name and bytes. */
async function filesOf(tar: Buffer, chunk: number): Promise<Map<string, Buffer>> {
  async function* chunks() {
    for (let at = 0; at < tar.length; at += chunk) yield tar.subarray(at, at + chunk);
  }
  const files = new Map<string, Buffer>();
  for await (const entry of tarEntries(chunks())) {
    const parts: Buffer[] = [];
    for await (const part of entry.body) parts.push(part);
    if (entry.type === '0') files.set(entry.name, Buffer.concat(parts));
  }
  return files;
}

describe('tarEntries', () => {
  let dir: string;
  const long = `blobs/${'deep-directory-name/'.repeat(6)}sha256-file`;
  const content = { 'index.json': Buffer.from('{"manifests":[]}'), [long]: randomBytes(70_001), 'oci-layout': Buffer.alloc(0) };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keelson-tar-'));
    for (const [name, bytes] of Object.entries(content)) {
      mkdirSync(join(dir, 'root', name, '..'), { recursive: true });
      writeFileSync(join(dir, 'root', name), bytes);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['gnu', 'pax', 'ustar'])(
    'reads every file of a %s tar with its bytes, whatever the chunking, long names included',
    async (format) => {
      const names = format === 'ustar' ? Object.keys(content).filter((n) => n !== long) : Object.keys(content);
      const made = spawnSync('tar', [`--format=${format}`, '-C', join(dir, 'root'), '-cf', '-', ...names], { maxBuffer: 16 * 1024 * 1024 });
      expect(made.status).toBe(0);
      for (const chunk of [1000, 512, 65_536, 7]) {
        const files = await filesOf(made.stdout, chunk);
        expect([...files.keys()].sort()).toEqual([...names].sort());
        for (const name of names) expect(files.get(name)!.equals(content[name]!)).toBe(true);
      }
    },
  );

  it('refuses a truncated archive and one whose sizes are not octal', async () => {
    const made = spawnSync('tar', ['-C', join(dir, 'root'), '-cf', '-', 'index.json']);
    await expect(filesOf(made.stdout.subarray(0, 700), 100)).rejects.toMatchObject({ code: 'container.bad-archive' });
    const header = Buffer.from(made.stdout);
    header.write('99999999999', 124, 'latin1');
    await expect(filesOf(header, 512)).rejects.toMatchObject({ code: 'container.bad-archive' });
  });
});
