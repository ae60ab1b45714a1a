import { ok } from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LengthOrHashMismatchError } from '@tufjs/models/dist/error.js';
import { BaseFetcher, Updater } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { eventually, TestDeviceCa, type TestDeviceCertificate } from '@keelson/testing';
import { KeyedRepository } from '@keelson/tuf/testing';
import { deviceGet } from './test-fixtures/device-tls.js';
import { startFacade, type FacadeApp } from './test-fixtures/facade-app.js';
import { startGatewayResponder } from './test-fixtures/gateway-responder.js';
import { appendSigned } from './test-fixtures/signer-stream.js';
import { postUpload, uploadForm } from './test-fixtures/uploads.js';

const fleet = 'plant-7';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** What the agent does: tuf-js's fetcher over HTTPS, pinning the platform CA and presenting the device certificate. */
class DeviceFetcher extends BaseFetcher {
  /** Every URL fetched, in order. */
  readonly urls: string[] = [];

  constructor(
    private readonly ca: string,
    private readonly identity: TestDeviceCertificate,
  ) {
    super();
  }

  override async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    this.urls.push(new URL(url).pathname);
    const res = await deviceGet(url, this.ca, this.identity);
    if (res.status !== 200) throw new DownloadHTTPError(`GET ${url}`, res.status);
    return new Blob([res.body]).stream() as ReadableStream<Uint8Array<ArrayBuffer>>;
  }
}

describe('a real TUF client (tuf-js) against the facade', () => {
  let facade: FacadeApp;
  let gateway: ReturnType<typeof startGatewayResponder>;
  let work: string;
  const repo = new KeyedRepository({ bins: 16 });
  const bytes = randomBytes(64_000);
  let targetPath: string;
  let cam: TestDeviceCertificate;
  let fetcher: DeviceFetcher;

  function device(name: string): Updater {
    fetcher = new DeviceFetcher(facade.ca!, cam);
    const metadataDir = join(work, name, 'metadata');
    mkdirSync(metadataDir, { recursive: true });
    mkdirSync(join(work, name, 'targets'), { recursive: true });
    writeFileSync(join(metadataDir, 'root.json'), JSON.stringify(repo.rootDocument()));
    return new Updater({
      metadataDir,
      targetDir: join(work, name, 'targets'),
      config: { fetchRetries: 0 },
      metadataBaseUrl: `${facade.url}/v1/fleets/${fleet}/tuf`,
      targetBaseUrl: `${facade.url}/v1/fleets/${fleet}/targets`,
      fetcher,
    });
  }

  beforeAll(async () => {
    facade = await startFacade({}, { tls: true });
    const ca = await TestDeviceCa.create(fleet);
    cam = await ca.issue('d-cam-1');
    gateway = startGatewayResponder(facade.nc, facade.naming, {
      cas: { [fleet]: [ca.certPem] },
      devices: { 'd-cam-1': { fleet, certificateFingerprint: cam.fingerprint } },
    });
    work = mkdtempSync(join(tmpdir(), 'keelson-tuf-device-'));
    const { body } = await postUpload(facade, fleet, uploadForm({ bytes }));
    targetPath = body.targetPath!;
    repo.publish(targetPath, bytes);
    await appendSigned(facade, fleet, repo);
    await eventually(
      async () =>
        (await deviceGet(`${facade.url}/v1/fleets/${fleet}/tuf/2.${repo.binOf(targetPath)}.json`, facade.ca!, cam)).status === 200,
    );
  });
  afterAll(async () => {
    await gateway.stop();
    await facade.close();
    rmSync(work, { recursive: true, force: true });
  });

  // First, before any device downloaded the target: the facade keeps a target's bytes in memory only
  // once they matched the signed digest (TargetBytes), so bytes changed before that reach the client.
  it('refuses bytes changed in the blob store after signing, and writes nothing', async () => {
    const blob = join(facade.dataDir, 'blobs', 'sha256', sha(bytes));
    const tampered = Buffer.from(bytes);
    tampered[100] = tampered[100]! ^ 0x01;
    writeFileSync(blob, tampered);
    try {
      const updater = device('tampered');
      await updater.refresh();
      const info = await updater.getTargetInfo(targetPath);
      // The metadata still vouches for the uploaded bytes: what refuses the download is the hash check.
      expect(info?.hashes.sha256).toBe(sha(bytes));
      ok(info);
      const file = join(work, 'tampered', 'targets', 'model.onnx');
      const download = updater.downloadTarget(info, file);
      await expect(download).rejects.toBeInstanceOf(LengthOrHashMismatchError);
      await expect(download).rejects.toThrow(`Expected hash ${sha(bytes)} but got ${sha(tampered)}`);
      expect(existsSync(file)).toBe(false);
    } finally {
      writeFileSync(blob, bytes);
    }
  });

  it('refreshes, finds the target through its hash bin and downloads exactly the uploaded bytes', async () => {
    const updater = device('good');
    await updater.refresh();
    const info = await updater.getTargetInfo(targetPath);
    expect([info?.length, info?.hashes.sha256]).toEqual([bytes.length, sha(bytes)]);
    ok(info);
    const file = await updater.downloadTarget(info, join(work, 'good', 'targets', 'model.onnx'));
    expect(readFileSync(file).equals(bytes)).toBe(true);
    // Metadata by consistent-snapshot name: the top-level targets (version 1, unchanged) and the one bin that signs the target.
    const tuf = `/v1/fleets/${fleet}/tuf`;
    expect(fetcher.urls.filter((u) => u.startsWith(tuf))).toEqual([
      `${tuf}/2.root.json`,
      `${tuf}/timestamp.json`,
      `${tuf}/2.snapshot.json`,
      `${tuf}/1.targets.json`,
      `${tuf}/2.${repo.binOf(targetPath)}.json`,
    ]);
  });

  it('answers 404 for a bin version that was never signed', async () => {
    const res = await deviceGet(`${facade.url}/v1/fleets/${fleet}/tuf/9.${repo.binOf(targetPath)}.json`, facade.ca!, cam);
    expect(res.status).toBe(404);
  });
});
