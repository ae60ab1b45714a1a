import { ok } from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LengthOrHashMismatchError } from '@tufjs/models/dist/error.js';
import { register } from 'prom-client';
import { Updater } from 'tuf-js';
import { InvalidInput } from '@keelson/domain-kit';
import { signer } from '@keelson/requests';
import { sendRequest } from '@keelson/service-kit';
import { eventually } from '@keelson/testing';
import { startSigner, type SignerApp } from './test-fixtures/signer-app.js';
import { signedPaths } from './test-fixtures/tuf-devices.js';
import { serveTufMetadata, type TufMetadataServer } from './test-fixtures/tuf-metadata-server.js';

const fleet = 'line-7';

describe('the signer, as a device sees it', () => {
  let s: SignerApp;
  let facade: TufMetadataServer;
  let work: string;

  beforeAll(async () => {
    s = await startSigner({ KEELSON_TUF_HASH_BINS: '16' });
    facade = await serveTufMetadata(() => s.tufEventsOf(fleet));
    work = mkdtempSync(join(tmpdir(), 'keelson-device-'));
  });

  afterAll(async () => {
    await facade.close();
    await s.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** The root a device pins at enrollment (the fleet's first get-root creates the repository). */
  const enrollmentRoot = async () => (await sendRequest(s.nc, s.naming, signer.getRoot, { fleet })).root;

  /** A device that pinned `root` at enrollment and verifies with the real tuf-js client. */
  function device(name: string, root: Record<string, unknown>): Updater {
    const metadataDir = join(work, name, 'metadata');
    const targetDir = join(work, name, 'targets');
    mkdirSync(metadataDir, { recursive: true });
    mkdirSync(targetDir, { recursive: true });
    writeFileSync(join(metadataDir, 'root.json'), JSON.stringify(root));
    return new Updater({
      metadataDir,
      metadataBaseUrl: facade.metadataBaseUrl,
      targetDir,
      targetBaseUrl: facade.targetBaseUrl,
      config: { fetchRetries: 0 },
    });
  }

  async function signedTarget(artifact: { targetPath: string }): Promise<void> {
    await eventually(async () => signedPaths(await s.tufEventsOf(fleet)).includes(artifact.targetPath));
  }

  it('answers get-root with a development root that the first request creates, and the same root after', async () => {
    const first = await sendRequest(s.nc, s.naming, signer.getRoot, { fleet });
    const second = await sendRequest(s.nc, s.naming, signer.getRoot, { fleet });
    expect(first.version).toBe(1);
    expect(first.development).toBe(true);
    expect(second).toEqual(first);
    expect((await s.tufEventsOf(fleet)).map((e) => e.type)).toEqual([
      'TufRepositoryInitialised',
      'RootMetadataSigned',
      'TargetsSigned',
      ...Array(16).fill('DelegatedTargetsSigned'),
      'SnapshotSigned',
      'TimestampRenewed',
    ]);
    const rootKey = readdirSync(join(s.dataDir, 'keys', fleet)).find((f) => f.startsWith('root-'))!;
    expect(statSync(join(s.dataDir, 'keys', fleet, rootKey)).mode & 0o777).toBe(0o600);
  });

  it('signs a received artifact into its hash bin so that tuf-js refreshes, finds it through the bin with its manifest and downloads the exact bytes', async () => {
    const root = await enrollmentRoot();
    const before = (await s.tufEventsOf(fleet)).length;
    const requests = facade.requests.length;
    const artifact = await s.receive(fleet, 'detector', '1.0.0', Buffer.from('onnx model bytes v1'));
    facade.targets.set(artifact.targetPath, artifact.bytes);
    await signedTarget(artifact);
    const events = await s.tufEventsOf(fleet);
    expect(events.slice(before).map((e) => `${e.type}:${'version' in e.data ? e.data.version : ''}`)).toEqual([
      'DelegatedTargetsSigned:2',
      'SnapshotSigned:2',
      'TimestampRenewed:2',
    ]);
    const signedBin = events[before];
    const bin = signedBin?.type === 'DelegatedTargetsSigned' ? signedBin.data.role : '';

    const updater = device('a', root);
    await updater.refresh();
    const info = await updater.getTargetInfo(artifact.targetPath);
    expect(info).toBeDefined();
    expect(info!.length).toBe(artifact.bytes.length);
    expect(info!.custom).toMatchObject({
      keelson: { artifactId: artifact.artifactId, manifest: { kind: 'model', framework: 'onnx', metrics: { mAP: '0.712' } } },
    });
    const file = await updater.downloadTarget(info!, join(work, 'a', 'targets', 'detector.onnx'));
    expect(readFileSync(file)).toEqual(artifact.bytes);
    const fetched = facade.requests.slice(requests);
    expect(fetched).toContain(`/targets/model/detector/1.0.0/${artifact.sha256}.detector.onnx`);
    // The top-level targets never changed (version 1); the device fetched the one bin of the target, no other.
    expect(fetched).toEqual(
      expect.arrayContaining([
        '/tuf/2.root.json',
        '/tuf/timestamp.json',
        '/tuf/2.snapshot.json',
        '/tuf/1.targets.json',
        `/tuf/2.${bin}.json`,
      ]),
    );
    expect(fetched.filter((r) => /^\/tuf\/\d+\.bins-/.test(r))).toEqual([`/tuf/2.${bin}.json`]);
  });

  it('refuses a tampered target byte: tuf-js rejects the download and writes nothing', async () => {
    const root = await enrollmentRoot();
    const artifact = await s.receive(fleet, 'segmenter', '2.0.0', Buffer.from('segmenter weights'));
    await signedTarget(artifact);
    const tampered = Buffer.from(artifact.bytes);
    tampered[3] = tampered[3]! ^ 0x01;
    facade.targets.set(artifact.targetPath, tampered);
    const updater = device('b', root);
    await updater.refresh();
    const info = await updater.getTargetInfo(artifact.targetPath);
    expect(info?.hashes.sha256).toBe(artifact.sha256);
    ok(info);
    const out = join(work, 'b', 'targets', 'segmenter.onnx');
    const download = updater.downloadTarget(info, out);
    await expect(download).rejects.toBeInstanceOf(LengthOrHashMismatchError);
    await expect(download).rejects.toThrow(
      `Expected hash ${artifact.sha256} but got ${createHash('sha256').update(tampered).digest('hex')}`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('changes nothing when the same target arrives again, and refuses the same path with other bytes', async () => {
    const root = await enrollmentRoot();
    const original = await s.receive(fleet, 'classifier', '1.0.0', Buffer.from('classifier v1'));
    await signedTarget(original);
    const before = (await s.tufEventsOf(fleet)).length;
    await s.receive(fleet, 'classifier', '1.0.0', Buffer.from('classifier v1')); // a second upload, identical bytes
    await s.receive(fleet, 'classifier', '1.0.0', Buffer.from('classifier EVIL'));
    const sentinel = await s.receive(fleet, 'classifier', '1.0.1', Buffer.from('classifier v1.0.1'));
    await signedTarget(sentinel); // events are handled in order: the two before it are done
    const events = await s.tufEventsOf(fleet);
    expect(events.length).toBe(before + 3);
    facade.targets.set(original.targetPath, original.bytes);
    const updater = device('c', root);
    await updater.refresh();
    const info = (await updater.getTargetInfo(original.targetPath))!;
    expect(info.hashes.sha256).toBe(original.sha256);
    expect(await register.getSingleMetricAsString('keelson_signer_artifacts_refused_total')).toMatch(/code="tuf.target-conflict"} 1/);
  });

  it('refuses to start a replica whose KEELSON_SIGNER_KEY_SECRET does not open the keys, naming the variable and not the secret', async () => {
    await enrollmentRoot(); // the fleet's keys exist, sealed under the running signer's secret
    const start = startSigner({ KEELSON_SIGNER_KEY_SECRET: 'not-the-secret-the-keys-use' }, { naming: s.naming, dataDir: s.dataDir });
    await expect(start).rejects.toThrow(/KEELSON_SIGNER_KEY_SECRET does not open signer key line-7\//);
    await expect(start).rejects.not.toThrow(/not-the-secret/);
  });

  it('refuses a fleet id that is not a subject token, and creates nothing', async () => {
    await expect(sendRequest(s.nc, s.naming, signer.getRoot, { fleet: 'Line.7' } as never)).rejects.toThrow(InvalidInput);
    expect(existsSync(join(s.dataDir, 'keys', 'Line.7'))).toBe(false);
  });
});
