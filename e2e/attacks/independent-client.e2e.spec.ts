import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// A TUF client written apart from tuf-js (Freedom of the Press Foundation's, WebCrypto + noble
// curves): if our metadata only verified with the library that the agent also uses, a shared
// misreading of the spec would go unnoticed.
import { TUFClient } from '@freedomofpress/tuf-browser';
import { DataDirLayout } from '../../services/agent/src/index.js';
import { startMetadataProxy, type MetadataProxy } from '@keelson/agent/testing';
import { flipSignedByte } from '@keelson/tuf/testing';
import { platformCaOf } from '../support/device-https.js';
import { startFleet, type TestFleet } from '../support/fleet.js';
import { VerifiedMetadata, verifyTargetInBin } from './independent-bin-check.js';
import { publishArtifact } from '../support/operator.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

// Issue 4: the fleet repository the signer keeps and the facade serves verifies with a second,
// independent TUF client, from the root a device pinned at enrollment. The fleet's targets live in
// hash bins, a delegation tuf-browser does not follow: it verifies root, timestamp, snapshot and
// the top-level targets, the bin step is done with its crypto library (independent-bin-check.ts),
// and tuf-browser downloads the target and checks its bytes against the bin's entry.
describe('the fleet repository, verified by an independent TUF client', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  let proxy: MetadataProxy;
  let pinnedRoot: string;
  const weights = Buffer.from(`classifier 4.0.0\n${'independent '.repeat(500)}`);
  let published: { sha256: string; targetPath: string };

  beforeAll(async () => {
    platform = await startTestPlatform();
    fleet = await startFleet(platform, { count: 1 });
    const [device] = fleet.devices;
    pinnedRoot = readFileSync(new DataDirLayout(device!.dataDir).pristineRoot, 'utf8');
    published = await publishArtifact(platform, { name: 'classifier', version: '4.0.0', bytes: weights });
    // The client presents no certificate of its own: the proxy speaks as the device, and changes nothing else.
    proxy = await startMetadataProxy(platform.facadeUrl, { as: { dataDir: device!.dataDir, ca: platformCaOf(platform) } });
  }, 240_000);

  afterAll(async () => {
    await proxy?.close();
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  const client = (store = new VerifiedMetadata('keelson')) =>
    new TUFClient(`${proxy.url}/v1/fleets/default/tuf/`, pinnedRoot, 'keelson', `${proxy.url}/v1/fleets/default/targets/`, {
      backend: store,
    });
  const fetchJson = async (file: string) => {
    const res = await fetch(`${proxy.url}/v1/fleets/default/tuf/${file}`);
    if (res.status !== 200) throw new Error(`${file} answered ${res.status}`);
    return (await res.json()) as {
      signed: Record<string, unknown> & { version: number; expires: string };
      signatures: { keyid: string; sig: string }[];
    };
  };
  /** tuf-browser verifies root, timestamp, snapshot and top-level targets; its store holds what it verified. */
  const verifiedTopLevel = async () => {
    const store = new VerifiedMetadata('keelson');
    const tuf = client(store);
    await tuf.updateTUF();
    return { tuf, store, ...store.topLevel() };
  };
  const targetUrl = () => `/v1/fleets/default/targets/model/classifier/4.0.0/${published.sha256}.model.onnx`;

  // First, before any download of the target: the facade keeps a target's bytes in memory only once
  // they matched the signed digest, so bytes changed before that are served as stored.
  it('refuses target bytes changed in the blob store after signing: its download fails on the sha256', async () => {
    const blob = join(platform.home, 'registry-facade', 'blobs', 'sha256', published.sha256);
    const good = readFileSync(blob);
    const bad = Buffer.from(good);
    bad[0] = bad[0]! ^ 0xff; // same length: only the hash can tell
    writeFileSync(blob, bad);
    try {
      const { tuf, store, snapshot, top } = await verifiedTopLevel();
      store.admit(published.targetPath, await verifyTargetInBin(fetchJson, top, snapshot, published.targetPath));
      const served = proxy.requests.length;
      await expect(tuf.getTarget(published.targetPath)).rejects.toThrow(`Target '${published.targetPath}': sha256 hash mismatch`);
      // Its one request was the target's: the facade served the changed bytes, and the client refused them.
      expect(proxy.requests.slice(served)).toEqual([targetUrl()]);
    } finally {
      writeFileSync(blob, good);
    }
  });

  it('accepts root, timestamp, snapshot and targets; the target is signed in its hash bin, and downloads with the bytes signed', async () => {
    const { tuf, store, snapshot, top } = await verifiedTopLevel();
    expect(await tuf.listSignedTargets()).toEqual([]); // the top-level targets signs none itself
    const verdict = await verifyTargetInBin(fetchJson, top, snapshot, published.targetPath);
    expect(verdict.target).toEqual({ length: weights.length, hashes: { sha256: published.sha256 }, custom: expect.anything() });
    store.admit(published.targetPath, verdict);
    expect(Buffer.from(await tuf.getTarget(published.targetPath))).toEqual(weights);
    expect(proxy.requests).toEqual(
      expect.arrayContaining([
        '/v1/fleets/default/tuf/2.root.json',
        '/v1/fleets/default/tuf/timestamp.json',
        `/v1/fleets/default/tuf/${verdict.version}.${verdict.bin}.json`,
        targetUrl(),
      ]),
    );
  });

  it('refuses the same repository with one byte of its targets changed on the wire', async () => {
    proxy.rewrite = (path, body) => (path.endsWith('.targets.json') ? flipSignedByte(body) : body);
    try {
      await expect(client().updateTUF()).rejects.toThrow(/Failed verifying targets role/);
    } finally {
      proxy.rewrite = undefined;
    }
  });

  it("refuses the target's bin with one byte changed on the wire", async () => {
    const { snapshot, top } = await verifiedTopLevel();
    proxy.rewrite = (path, body) => (/\/\d+\.bins-[0-9a-f]+\.json$/.test(path) ? flipSignedByte(body) : body);
    try {
      await expect(verifyTargetInBin(fetchJson, top, snapshot, published.targetPath)).rejects.toThrow(
        /bins-[0-9a-f]+ was signed by 0\/1 keys/,
      );
    } finally {
      proxy.rewrite = undefined;
    }
  });
});
