import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { UnsignedMetadataError } from '@tufjs/models/dist/error.js';
import { TestDeviceCa } from '@keelson/testing';
import { KeyedRepository, tamperTarget } from '@keelson/tuf/testing';
import { issuedBy, startFakeFacade, type FakeFacade } from '../test-fixtures/fake-facade.js';
import { deviceId, enrolledDataDir, fleet } from '../test-fixtures/reconcile-harness.js';
import type { DataDirLayout } from '../data-dir/layout.js';
import { defaultRetry } from './device-fetcher.js';
import { trustedMetadataFiles } from './kept-metadata.js';
import { VerificationFailed, VerifiedDownloads } from './verified-download.js';

describe('fetching an artifact through the facade, verified with tuf-js against the pinned root', () => {
  let repo: KeyedRepository;
  let facade: FakeFacade;
  let layout: DataDirLayout;
  let ca: TestDeviceCa;
  const modelBytes = Buffer.from('onnx model bytes, version 2.1.0');

  beforeEach(async () => {
    repo = new KeyedRepository();
    ca = await TestDeviceCa.create(fleet);
    facade = await startFakeFacade(fleet, repo, issuedBy(ca.certPem, fleet));
    layout = await enrolledDataDir(repo, facade, await ca.issue(deviceId));
  });
  afterEach(async () => {
    await facade.close();
    rmSync(layout.root, { recursive: true, force: true });
  });
  const downloads = () => new VerifiedDownloads(layout, { facadeUrl: facade.url, fleet, platformCa: facade.ca });
  const ref = (published: { targetPath: string; sha256: string; length: number }) => ({
    name: 'yolo',
    version: '2.1.0',
    kind: 'model' as const,
    ...published,
  });

  it('downloads a signed target into the data dir, authenticated as the device by its certificate, with consistent-snapshot URLs', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', modelBytes);
    const d = downloads();
    const file = await d.download(await d.refresh(), ref(published));
    expect(file).toBe(layout.partialDownload(published.sha256)); // the verified file is moved from there into its version directory
    expect(readFileSync(file)).toEqual(modelBytes);
    expect(facade.requests.map((r) => r.path)).toEqual([
      `/v1/fleets/${fleet}/tuf/2.root.json`,
      `/v1/fleets/${fleet}/tuf/timestamp.json`,
      `/v1/fleets/${fleet}/tuf/2.snapshot.json`,
      `/v1/fleets/${fleet}/tuf/2.targets.json`,
      `/v1/fleets/${fleet}/targets/model/yolo/2.1.0/${published.sha256}.model.onnx`,
    ]);
    expect(new Set(facade.requests.map((r) => r.deviceId))).toEqual(new Set([deviceId]));
  });

  it('refuses a tampered target: nothing is left behind in the data dir', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', modelBytes);
    tamperTarget(repo, published.targetPath);
    const d = downloads();
    const updater = await d.refresh();
    await expect(d.download(updater, ref(published))).rejects.toThrow(VerificationFailed);
    await expect(d.download(updater, ref(published))).rejects.toThrow(/model\/yolo\/2.1.0\/model.onnx failed verification/);
    expect(readdirSync(layout.downloadsDir)).toEqual([]); // bytes that failed the check are never resumed
  });

  it('refuses an assignment whose digest or length disagrees with the signed targets, or a target that is not signed', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', modelBytes);
    const d = downloads();
    const updater = await d.refresh();
    await expect(d.download(updater, ref({ ...published, sha256: 'c'.repeat(64) }))).rejects.toThrow(
      /signed targets disagree with the assignment/,
    );
    await expect(d.download(updater, ref({ ...published, length: published.length + 1 }))).rejects.toThrow(/signed targets disagree/);
    await expect(d.download(updater, ref({ ...published, targetPath: 'model/yolo/2.1.0/other.onnx' }))).rejects.toThrow(
      /is not in the fleet's signed targets/,
    );
    expect(facade.requests.filter((r) => r.path.includes('/targets/'))).toEqual([]);
  });

  it('refuses metadata from a repository the pinned root does not vouch for, and keeps its trusted metadata', async () => {
    repo.publish('model/yolo/2.1.0/model.onnx', modelBytes);
    await downloads().refresh();
    const trusted = () => Object.fromEntries(Object.entries(trustedMetadataFiles(layout)).map(([f, bytes]) => [f, bytes.toString('utf8')]));
    const before = trusted();
    expect(Object.keys(before).sort()).toEqual(['pristine-root.json', 'root.json', 'snapshot.json', 'targets.json', 'timestamp.json']);
    // Versions past the device's, so only the signatures stand in the way.
    const impostor = new KeyedRepository();
    impostor.publish('model/yolo/2.1.0/model.onnx', modelBytes);
    impostor.publish('model/evil/6.6.6/model.onnx', Buffer.from('evil'));
    await facade.close();
    facade = await startFakeFacade(fleet, impostor, async () => deviceId);
    const refresh = downloads().refresh();
    await expect(refresh).rejects.toBeInstanceOf(UnsignedMetadataError);
    await expect(refresh).rejects.toThrow(/^timestamp was signed by 0\/1 keys$/);
    expect(trusted()).toEqual(before);
  });

  it('rides out a facade that answers 503 for a moment', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', modelBytes);
    facade.unavailable = 2;
    const d = downloads();
    expect(readFileSync(await d.download(await d.refresh(), ref(published)))).toEqual(modelBytes);
    expect(facade.unavailable).toBe(0);
  });

  it('waits out a facade that answers 503 five times in a row (an overloaded gateway behind it), backing off', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', modelBytes);
    facade.unavailable = 5;
    const d = new VerifiedDownloads(layout, { facadeUrl: facade.url, fleet, platformCa: facade.ca }, { ...defaultRetry, pauseMs: 20 });
    expect(readFileSync(await d.download(await d.refresh(), ref(published)))).toEqual(modelBytes);
    expect(facade.unavailable).toBe(0);
  });

  it('gives up after its last attempt: a facade that keeps answering 503 fails the refresh', async () => {
    repo.publish('model/yolo/2.1.0/model.onnx', modelBytes);
    facade.unavailable = defaultRetry.attempts;
    const d = new VerifiedDownloads(layout, { facadeUrl: facade.url, fleet, platformCa: facade.ca }, { ...defaultRetry, pauseMs: 20 });
    await expect(d.refresh()).rejects.toThrow(/answered 503/);
    expect(facade.unavailable).toBe(0);
  });

  it('presents the certificate on disk at each request: one the facade does not trust does not get past it', async () => {
    repo.publish('model/yolo/2.1.0/model.onnx', modelBytes);
    const stranger = await (await TestDeviceCa.create(fleet)).issue(deviceId);
    writeFileSync(layout.deviceCertificate, stranger.cert);
    writeFileSync(layout.deviceKey, stranger.key);
    await expect(downloads().refresh()).rejects.toThrow(/answered 401/);
    const renewed = await ca.issue(deviceId); // as a renewal leaves it: the next request presents it
    writeFileSync(layout.deviceCertificate, renewed.cert);
    writeFileSync(layout.deviceKey, renewed.key);
    await expect(downloads().refresh()).resolves.toBeDefined();
    expect(facade.requests.map((r) => r.deviceId)).toEqual(['-', deviceId, deviceId, deviceId, deviceId]);
  });

  it('starts again from the pristine root when root.json was left unreadable', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', modelBytes);
    writeFileSync(layout.trustedRoot, '{"signed": {"_ty');
    const d = downloads();
    expect(readFileSync(await d.download(await d.refresh(), ref(published)))).toEqual(modelBytes);
  });

  it('starts again from the pristine root when root.json is gone', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', modelBytes);
    rmSync(layout.trustedRoot);
    const d = downloads();
    expect(readFileSync(await d.download(await d.refresh(), ref(published)))).toEqual(modelBytes);
    expect(readFileSync(layout.trustedRoot, 'utf8')).toBe(readFileSync(layout.pristineRoot, 'utf8'));
  });

  it('keeps a root.json that parses but fails its own signature check, and refuses to refresh with it', async () => {
    const pinned = repo.rootDocument() as { signed: { version: number } };
    const forged = { ...pinned, signed: { ...pinned.signed, version: pinned.signed.version + 1 } };
    writeFileSync(layout.trustedRoot, JSON.stringify(forged));
    await expect(downloads().refresh()).rejects.toThrow(UnsignedMetadataError);
    expect(JSON.parse(readFileSync(layout.trustedRoot, 'utf8'))).toEqual(forged);
  });
});
