import { randomBytes } from 'node:crypto';
import type { TufEvent } from '@keelson/events';
import { eventually, TestClock, TestDeviceCa, type TestDeviceCertificate } from '@keelson/testing';
import { KeyedRepository, newSigningKey, tufEventsOf } from '@keelson/tuf/testing';
import { artifactIdOf } from '../artifacts/artifact-id.js';
import { deviceGet } from '../test-fixtures/device-tls.js';
import { startFacade, type FacadeApp } from '../test-fixtures/facade-app.js';
import { startGatewayResponder } from '../test-fixtures/gateway-responder.js';
import { appendTuf } from '../test-fixtures/signer-stream.js';
import { postUpload, uploadForm } from '../test-fixtures/uploads.js';

const fleet = 'plant-7';
const roleOf = {
  RootMetadataSigned: 'root',
  TargetsSigned: 'targets',
  SnapshotSigned: 'snapshot',
  TimestampRenewed: 'timestamp',
  TufRepositoryInitialised: 'none',
} as const;

/**
 * Two replicas of the facade on one database and one NATS, each serving devices from its own memory.
 * The clock is pinned, so nothing a replica remembers runs out during the spec: a device gets the
 * new documents only because each replica was told of the signing.
 */
describe('TUF metadata from memory, on two replicas (whole facade, real NATS and PostgreSQL)', () => {
  let facade: FacadeApp;
  let replica: Awaited<ReturnType<FacadeApp['replica']>>;
  let gateway: ReturnType<typeof startGatewayResponder>;
  let cam: TestDeviceCertificate;
  const clock = new TestClock();
  const read = async (url: string, file: string) => {
    const res = await deviceGet(`${url}/v1/fleets/${fleet}/tuf/${file}`, facade.ca!, cam);
    return res.status === 200 ? (JSON.parse(res.body.toString('utf8')) as { signed: { version: number } }).signed.version : res.status;
  };
  const published = async (name: string, version: string) =>
    (await facade.artifacts.load(facade.artifacts.subject('artifact', fleet, artifactIdOf(name, version)))).events.some(
      (r) => r.event.type === 'ArtifactPublished',
    );
  /**
   * Appends one event at a time, each once stored: both replicas follow one durable consumer, and
   * ProjectionRunner skips a batch below a checkpoint that a batch fetched by the other replica
   * already advanced (an event-store issue of its own, reported with this change).
   */
  const sign = async (...events: TufEvent[]) => {
    for (const event of events) {
      await appendTuf(facade, fleet, event);
      const { version } = event.data as { version: number };
      const role = event.type === 'DelegatedTargetsSigned' ? event.data.role : roleOf[event.type];
      await eventually(
        async () =>
          (await facade.db.query(`SELECT 1 FROM tuf_metadata WHERE fleet = $1 AND role = $2 AND version = $3`, [fleet, role, version]))
            .length === 1,
      );
    }
  };
  const upload = async (version: string) => {
    const bytes = randomBytes(1024);
    const { body } = await postUpload(facade, fleet, uploadForm({ name: 'yolo-v8n', version, bytes }));
    return { [body.targetPath!]: bytes };
  };

  beforeAll(async () => {
    clock.set(new Date());
    facade = await startFacade({}, { tls: true, clock });
    replica = await facade.replica();
    const ca = await TestDeviceCa.create(fleet);
    cam = await ca.issue('d-cam-1');
    gateway = startGatewayResponder(facade.nc, facade.naming, {
      cas: { [fleet]: [ca.certPem] },
      devices: { 'd-cam-1': { fleet, certificateFingerprint: cam.fingerprint } },
    });
  });
  afterAll(async () => {
    await gateway.stop();
    await replica.close();
    await facade.close();
  });

  it('serves the new timestamp, snapshot and root on every replica once the artifact they cover is published', async () => {
    // Root, targets, snapshot and timestamp 1, targets 1 listing the upload.
    const repo = new KeyedRepository({ targets: await upload('1.0.0') });
    await sign(...tufEventsOf(fleet, repo.signings));
    await eventually(() => published('yolo-v8n', '1.0.0'));
    for (const url of [facade.url, replica.url]) {
      // Each replica now remembers timestamp 1, and that it has no snapshot 2 and no root 2.
      expect([
        await read(url, 'timestamp.json'),
        await read(url, '2.snapshot.json'),
        await read(url, '2.root.json'),
        await read(url, '1.snapshot.json'),
      ]).toEqual([1, 404, 404, 1]);
      expect([await read(url, 'timestamp.json'), await read(url, '2.snapshot.json'), await read(url, '2.root.json')]).toEqual([
        1, 404, 404,
      ]);
    }

    // Root 2 (a new timestamp key), then targets, snapshot and timestamp 2, targets 2 listing the next upload.
    const mark = repo.signings.length;
    repo.rotate('timestamp', [newSigningKey()]);
    repo.publishAll(await upload('2.0.0'));
    await sign(...tufEventsOf(fleet, repo.signings.slice(mark)));
    await eventually(() => published('yolo-v8n', '2.0.0'));
    for (const url of [facade.url, replica.url]) {
      expect([
        url,
        await read(url, 'timestamp.json'),
        await read(url, '2.snapshot.json'),
        await read(url, '2.root.json'),
        await read(url, '2.targets.json'),
      ]).toEqual([url, 2, 2, 2, 2]);
    }
  });
});
