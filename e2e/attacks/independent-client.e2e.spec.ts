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
import { publishArtifact } from '../support/operator.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

// Issue 4: the fleet repository the signer keeps and the facade serves verifies with a second,
// independent TUF client, from the root a device pinned at enrollment.
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

  it('accepts root, timestamp, snapshot and targets, lists the signed target and fetches its bytes by hash', async () => {
    const tuf = client();
    await tuf.updateTUF();
    expect(await tuf.listSignedTargets()).toEqual([published.targetPath]);
    expect(Buffer.from(await tuf.getTarget(published.targetPath))).toEqual(weights);
    expect(proxy.requests).toEqual(expect.arrayContaining([
      '/v1/fleets/default/tuf/2.root.json', '/v1/fleets/default/tuf/timestamp.json',
      `/v1/fleets/default/targets/model/classifier/4.0.0/${published.sha256}.model.onnx`,
    ]));
  });

  it('refuses the same repository with one byte of its targets changed on the wire', async () => {
    proxy.rewrite = (path, body) => (path.endsWith('.targets.json') ? flipSignedByte(body) : body);
    try {
      await expect(client().updateTUF()).rejects.toThrow(/Failed verifying targets role/);
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
      const tuf = client();
      await tuf.updateTUF();
      await expect(tuf.getTarget(published.targetPath)).rejects.toThrow(/sha256 hash mismatch/);
    } finally {
      writeFileSync(blob, good);
    }
  });
});
