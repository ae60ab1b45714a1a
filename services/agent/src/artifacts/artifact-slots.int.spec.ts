import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLayout } from '../data-dir/layout.js';
import { ArtifactSlots } from './artifact-slots.js';

describe('the current/previous links of an artifact', () => {
  let layout: DataDirLayout;
  let slots: ArtifactSlots;
  const stage = (version: string, content = `model ${version}`) => {
    const file = join(layout.root, `download-${version}`);
    writeFileSync(file, content);
    return file;
  };
  const active = () => readFileSync(layout.activeFile('yolo', 'model.onnx'), 'utf8');
  const links = async () => [await slots.read('current'), await slots.read('previous')];

  beforeEach(() => {
    layout = new DataDirLayout(mkdtempSync(join(tmpdir(), 'keelson-slots-')));
    slots = new ArtifactSlots(layout, 'yolo');
  });
  afterEach(() => rmSync(layout.root, { recursive: true, force: true }));

  it('installs a version as a complete directory and swaps keeping the previous one', async () => {
    await slots.install('1.0.0', stage('1.0.0'), 'model.onnx');
    await slots.apply({ fromCurrent: null, fromPrevious: null, to: '1.0.0' });
    expect(active()).toBe('model 1.0.0');
    await slots.install('2.0.0', stage('2.0.0'), 'model.onnx');
    await slots.apply({ fromCurrent: '1.0.0', fromPrevious: null, to: '2.0.0' });
    expect(active()).toBe('model 2.0.0');
    expect(await links()).toEqual(['2.0.0', '1.0.0']);
    expect(readdirSync(layout.artifactDir('yolo')).sort()).toEqual(['current', 'previous', 'versions']);
  });

  it('reads a missing slot as empty, and a slot that is not a link as an error with its stack', async () => {
    expect(await links()).toEqual([null, null]); // no artifact directory yet
    mkdirSync(layout.artifactDir('yolo'), { recursive: true });
    writeFileSync(layout.slot('yolo', 'current'), 'not a link');
    const err = (await slots.read('current').catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(err.code).toBe('EINVAL');
    expect(err.stack).toContain('readlink');
  });

  it('restores both links exactly as the swap found them', async () => {
    for (const v of ['1.0.0', '2.0.0', '3.0.0']) await slots.install(v, stage(v), 'model.onnx');
    await slots.apply({ fromCurrent: '1.0.0', fromPrevious: null, to: '2.0.0' });
    const swap = { fromCurrent: '2.0.0', fromPrevious: '1.0.0', to: '3.0.0' };
    await slots.apply(swap);
    expect(await links()).toEqual(['3.0.0', '2.0.0']);
    await slots.restore(swap);
    expect(await links()).toEqual(['2.0.0', '1.0.0']);
    expect(active()).toBe('model 2.0.0');
  });

  it('repairs a crash after the temp link was made but before the rename: the old links stay, the temp goes', async () => {
    for (const v of ['1.0.0', '2.0.0']) await slots.install(v, stage(v), 'model.onnx');
    await slots.apply({ fromCurrent: null, fromPrevious: null, to: '1.0.0' });
    symlinkSync('versions/2.0.0', join(layout.artifactDir('yolo'), '.current.dead0001.tmp'));
    mkdirSync(join(layout.versionsDir('yolo'), '.3.0.0.dead0002.tmp'));
    await slots.repair();
    expect(await links()).toEqual(['1.0.0', null]);
    expect(readdirSync(layout.artifactDir('yolo')).sort()).toEqual(['current', 'versions']);
    expect(readdirSync(layout.versionsDir('yolo')).sort()).toEqual(['1.0.0', '2.0.0']);
  });

  it('repairs a current link left pointing at a version directory that never arrived: back to previous', async () => {
    await slots.install('1.0.0', stage('1.0.0'), 'model.onnx');
    await slots.apply({ fromCurrent: null, fromPrevious: null, to: '1.0.0' });
    await slots.point('previous', '1.0.0');
    await slots.point('current', '9.9.9'); // dangling
    await slots.repair();
    expect(await links()).toEqual(['1.0.0', '1.0.0']);
    expect(active()).toBe('model 1.0.0');
  });

  it('replaces a half-installed version directory instead of trusting it', async () => {
    mkdirSync(layout.versionDir('yolo', '2.0.0'), { recursive: true });
    writeFileSync(join(layout.versionDir('yolo', '2.0.0'), 'model.onnx'), 'partial');
    await slots.install('2.0.0', stage('2.0.0'), 'model.onnx');
    await slots.apply({ fromCurrent: null, fromPrevious: null, to: '2.0.0' });
    expect(active()).toBe('model 2.0.0');
    expect(existsSync(join(layout.root, 'download-2.0.0'))).toBe(false);
  });

  it('clears an absent link without making the directory, and makes it for a first link', async () => {
    await slots.point('previous', null);
    expect(existsSync(layout.artifactDir('yolo'))).toBe(false); // nothing was there: nothing changed
    await slots.point('current', '1.0.0');
    expect(await links()).toEqual(['1.0.0', null]);
    await slots.point('current', null);
    expect(await links()).toEqual([null, null]);
  });

  it('prunes versions neither link points at', async () => {
    for (const v of ['1.0.0', '2.0.0', '3.0.0']) await slots.install(v, stage(v), 'model.onnx');
    await slots.apply({ fromCurrent: '1.0.0', fromPrevious: null, to: '2.0.0' });
    expect(await slots.prune()).toEqual(['3.0.0']);
    expect(readdirSync(layout.versionsDir('yolo')).sort()).toEqual(['1.0.0', '2.0.0']);
  });
});
