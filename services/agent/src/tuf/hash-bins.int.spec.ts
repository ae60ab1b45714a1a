import { readFileSync } from 'node:fs';
import { KeyedRepository } from '@keelson/tuf/testing';
import type { FakeFacade } from '../test-fixtures/fake-facade.js';
import { enrolledDevice, type EnrolledDevice } from '../test-fixtures/enrolled-device.js';
import { fleet } from '../test-fixtures/reconcile-harness.js';

// Issue 4, TUF scale: a fleet's targets live in hash bins the top-level targets delegates to
// (succinct_roles). The agent's tuf-js follows the delegation and fetches only the bin of the target.
describe('fetching an artifact whose target is signed in a hash bin', () => {
  let repo: KeyedRepository;
  let facade: FakeFacade;
  let device: EnrolledDevice;
  const bytes = Buffer.from('onnx model bytes in a bin');
  const tuf = `/v1/fleets/${fleet}/tuf/`;

  beforeEach(async () => {
    repo = new KeyedRepository({ bins: 16 });
    device = await enrolledDevice(repo);
    ({ facade } = device);
  });
  afterEach(() => device.close());
  const downloads = () => device.downloads();
  const ref = (published: { targetPath: string; sha256: string; length: number }) => ({
    name: 'yolo',
    version: '2.1.0',
    kind: 'model' as const,
    ...published,
  });
  const metadataRequests = () =>
    facade.requests
      .map((r) => r.path)
      .filter((p) => p.startsWith(tuf))
      .map((p) => p.slice(tuf.length));

  it('finds the target through its bin and fetches that bin only, by its consistent-snapshot name', async () => {
    for (const i of [1, 2, 3, 4, 5, 6, 7, 8]) repo.publish(`model/other-${i}/1.0.0/model.onnx`, Buffer.from(`other ${i}`));
    const published = repo.publish('model/yolo/2.1.0/model.onnx', bytes);
    const d = downloads();
    expect(readFileSync(await d.download(await d.refresh(), ref(published)))).toEqual(bytes);
    const bin = repo.binOf(published.targetPath);
    expect(metadataRequests()).toEqual([
      '2.root.json',
      'timestamp.json',
      '10.snapshot.json',
      '1.targets.json',
      expect.stringMatching(new RegExp(`^\\d+\\.${bin}\\.json$`)),
    ]);
  });

  it('refuses a bin changed on the wire: the target is not found, nothing is downloaded', async () => {
    const published = repo.publish('model/yolo/2.1.0/model.onnx', bytes);
    const bin = repo.binOf(published.targetPath);
    const file = [...repo.metadata.keys()]
      .filter((f) => f.endsWith(`.${bin}.json`))
      .sort()
      .at(-1)!;
    const tampered = Buffer.from(repo.metadata.get(file)!);
    const at = tampered.indexOf('"length":') + '"length":'.length;
    tampered[at] = tampered[at] === 0x39 ? 0x38 : 0x39;
    repo.metadata.set(file, tampered);
    // The top-level metadata is intact, so the refresh passes; the bin is checked when the target is looked up.
    const d = downloads();
    const updater = await d.refresh();
    await expect(d.download(updater, ref(published))).rejects.toThrow(new RegExp(`${bin} was signed by 0/1 keys`));
    expect(facade.requests.filter((r) => r.path.includes('/targets/'))).toEqual([]);
  });
});
