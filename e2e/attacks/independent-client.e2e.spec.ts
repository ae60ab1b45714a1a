import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// A TUF client written apart from tuf-js (Freedom of the Press Foundation's, WebCrypto + noble
// curves): if our metadata only verified with the library that the agent also uses, a shared
// misreading of the spec would go unnoticed.
import { TUFClient } from '@freedomofpress/tuf-browser';
import { DataDirLayout } from '../../services/agent/src/index.js';
import { startMetadataProxy, type MetadataProxy } from '../support/attacks/metadata-proxy.js';
import { flipSignedByte } from '../support/attacks/tampering.js';
import { platformCaOf } from '../support/device-https.js';
import { startFleet, type TestFleet } from '../support/fleet.js';
import { verifyTargetInBin } from './independent-bin-check.js';
import { publishArtifact } from '../support/operator.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

// Issue 4: the fleet repository the signer keeps and the facade serves verifies with a second,
// independent TUF client, from the root a device pinned at enrollment. The fleet's targets live in
// hash bins, a delegation tuf-browser does not follow: it verifies root, timestamp, snapshot and
// the top-level targets, and the bin step is done with its crypto library (independent-bin-check.ts).
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

  const client = () =>
    new TUFClient(`${proxy.url}/v1/fleets/default/tuf/`, pinnedRoot, 'keelson', `${proxy.url}/v1/fleets/default/targets/`, { disableCache: true });
  const fetchJson = async (file: string) => {
    const res = await fetch(`${proxy.url}/v1/fleets/default/tuf/${file}`);
    if (res.status !== 200) throw new Error(`${file} answered ${res.status}`);
    return (await res.json()) as { signed: Record<string, unknown> & { version: number; expires: string }; signatures: { keyid: string; sig: string }[] };
  };
  /** The snapshot and top-level targets the client just verified (the same files, through the same proxy). */
  const verifiedTopLevel = async () => {
    const timestamp = await fetchJson('timestamp.json');
    const snapshot = await fetchJson(`${(timestamp.signed.meta as Record<string, { version: number }>)['snapshot.json']!.version}.snapshot.json`);
    const targetsFile = `${(snapshot.signed.meta as Record<string, { version: number }>)['targets.json']!.version}.targets.json`;
    expect(proxy.requests).toContain(`/v1/fleets/default/tuf/${targetsFile}`);
    return { snapshot, top: await fetchJson(targetsFile) };
  };
  const blobOf = async (sha256: string) => Buffer.from(await (await fetch(`${proxy.url}/v1/fleets/default/targets/model/classifier/4.0.0/${sha256}.model.onnx`)).arrayBuffer());

  it('accepts root, timestamp, snapshot and targets; the target is signed in its hash bin, whose bytes match by hash', async () => {
    const tuf = client();
    await tuf.updateTUF();
    expect(await tuf.listSignedTargets()).toEqual([]); // the top-level targets signs none itself
    const { snapshot, top } = await verifiedTopLevel();
    const verdict = await verifyTargetInBin(fetchJson, top, snapshot, published.targetPath);
    expect(verdict.target).toEqual({ length: weights.length, hashes: { sha256: published.sha256 }, custom: expect.anything() });
    const bytes = await blobOf(published.sha256);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(verdict.target!.hashes.sha256);
    expect(bytes).toEqual(weights);
    expect(proxy.requests).toEqual(expect.arrayContaining(['/v1/fleets/default/tuf/2.root.json', '/v1/fleets/default/tuf/timestamp.json', `/v1/fleets/default/tuf/${verdict.version}.${verdict.bin}.json`]));
  });

  it('refuses the same repository with one byte of its targets changed on the wire', async () => {
    proxy.rewrite = (path, body) => (path.endsWith('.targets.json') ? flipSignedByte(body) : body);
    try {
      await expect(client().updateTUF()).rejects.toThrow(/Failed verifying targets role/);
    } finally {
      proxy.rewrite = undefined;
    }
  });

  it('refuses the target\'s bin with one byte changed on the wire', async () => {
    const { snapshot, top } = await verifiedTopLevel();
    proxy.rewrite = (path, body) => (/\/\d+\.bins-[0-9a-f]+\.json$/.test(path) ? flipSignedByte(body) : body);
    try {
      await expect(verifyTargetInBin(fetchJson, top, snapshot, published.targetPath)).rejects.toThrow(/bins-[0-9a-f]+ was signed by 0\/1 keys/);
    } finally {
      proxy.rewrite = undefined;
    }
  });

  it('refuses target bytes changed in the blob store after signing', async () => {
    const blob = join(platform.home, 'registry-facade', 'blobs', 'sha256', published.sha256);
    const good = readFileSync(blob);
    const bad = Buffer.from(good);
    bad[0] = bad[0]! ^ 0xff;
    writeFileSync(blob, bad);
    try {
      const { snapshot, top } = await verifiedTopLevel();
      const verdict = await verifyTargetInBin(fetchJson, top, snapshot, published.targetPath);
      expect(createHash('sha256').update(await blobOf(published.sha256)).digest('hex')).not.toBe(verdict.target!.hashes.sha256);
    } finally {
      writeFileSync(blob, good);
    }
  });
});
