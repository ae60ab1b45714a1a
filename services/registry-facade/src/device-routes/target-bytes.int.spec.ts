import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DirectoryBlobStore } from '../blobs/directory-blob-store.js';
import { TargetBytes, wholeReadMaxBytes, type ServedTarget } from './target-bytes.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'served',
    (err: { code?: string }) => err.code,
  );

describe('TargetBytes on a real blob directory', () => {
  let dataDir: string;
  let blobs: DirectoryBlobStore;
  const stored = async (bytes: Buffer) => (await blobs.put(Readable.from([bytes]), 10_000_000)).sha256;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keelson-target-bytes-'));
    blobs = new DirectoryBlobStore(dataDir);
    await blobs.open();
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('reads a small target once and serves it from memory afterwards, even with its file gone', async () => {
    const bytes = randomBytes(64 * 1024);
    const targets = new TargetBytes(blobs);
    const first = await targets.open(await stored(bytes), bytes.length);
    rmSync(blobs.pathOf(sha(bytes)));
    const second = await targets.open(sha(bytes), bytes.length);
    expect([first.bytes?.equals(bytes), second.bytes, targets.keptBytes]).toEqual([true, first.bytes, bytes.length]);
  });

  it('gives concurrent first requests of a target one read and the same bytes', async () => {
    const bytes = randomBytes(100_000);
    const targets = new TargetBytes(blobs);
    const digest = await stored(bytes);
    const answers = await Promise.all(Array.from({ length: 8 }, () => targets.open(digest, bytes.length)));
    expect(answers.every((a) => a.bytes === answers[0]!.bytes) && answers[0]!.bytes!.equals(bytes)).toBe(true);
  });

  describe('when the stored bytes are not what was signed', () => {
    it('serves bytes changed on disk as they are, for the device to refuse, and keeps none of them; the restored bytes are kept', async () => {
      const bytes = randomBytes(5_000);
      const targets = new TargetBytes(blobs);
      const digest = await stored(bytes);
      const tampered = Buffer.from(bytes);
      tampered[100] = tampered[100]! ^ 0xff;
      writeFileSync(blobs.pathOf(digest), tampered);
      expect([(await targets.open(digest, bytes.length)).bytes?.equals(tampered), targets.keptBytes]).toEqual([true, 0]);
      writeFileSync(blobs.pathOf(digest), bytes);
      expect([(await targets.open(digest, bytes.length)).bytes?.equals(bytes), targets.keptBytes]).toEqual([true, bytes.length]);
    });

    it('streams a file longer or shorter than the signed length with its own size, keeping nothing', async () => {
      const bytes = randomBytes(5_000);
      const targets = new TargetBytes(blobs);
      const digest = await stored(bytes);
      for (const signed of [bytes.length + 1, bytes.length - 1]) {
        const served = await targets.open(digest, signed);
        await served.blob?.close();
        expect([signed, served.bytes, served.blob?.size, targets.keptBytes]).toEqual([signed, undefined, bytes.length, 0]);
      }
    });

    it('answers a target with no stored bytes blob.missing', async () => {
      expect(await codeOf(new TargetBytes(blobs).open(sha(randomBytes(8)), 8))).toBe('blob.missing');
    });
  });

  it('opens a target above the whole-read size as a file to stream, and keeps none of it in memory', async () => {
    const bytes = randomBytes(wholeReadMaxBytes + 1);
    const targets = new TargetBytes(blobs);
    const served: ServedTarget = await targets.open(await stored(bytes), bytes.length);
    try {
      expect([served.bytes, served.blob?.size, targets.keptBytes]).toEqual([undefined, bytes.length, 0]);
    } finally {
      await served.blob?.close();
    }
  });

  it('keeps at most its byte budget: the least recently served target goes first', async () => {
    const [a, b, c] = [randomBytes(40_000), randomBytes(40_000), randomBytes(40_000)];
    const targets = new TargetBytes(blobs, 100_000);
    for (const bytes of [a, b, a, c]) await targets.open(await stored(bytes), bytes.length);
    for (const bytes of [a, b, c]) rmSync(blobs.pathOf(sha(bytes)));
    const still = async (bytes: Buffer) => (await codeOf(targets.open(sha(bytes), bytes.length))) === 'served';
    expect([targets.keptBytes, await still(a), await still(b), await still(c)]).toEqual([80_000, true, false, true]);
  });
});
