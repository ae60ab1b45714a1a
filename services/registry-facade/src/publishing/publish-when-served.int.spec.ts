import { createHash, randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore, ProjectionRunner, ReactorRunner } from '@keelson/event-store';
import { ArtifactManifest, parseArtifactEvent, parseTufEvent, type TufEvent } from '@keelson/events';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, eventually, testNamespace, type TestDatabase, type TestNamespace } from '@keelson/testing';
import { KeyedRepository, tufEventsOf } from '@keelson/tuf/testing';
import { artifactIdOf } from '../artifacts/artifact-id.js';
import { Artifacts } from '../artifacts/artifacts.js';
import { modelManifest } from '../test-fixtures/uploads.js';
import { servesRoleVersion } from '../tuf-metadata/served-coverage.js';
import { tufMetadataMigrations, tufMetadataProjection } from '../tuf-metadata/tuf-metadata.projection.js';
import { NotYetServedError, publishSignedArtifacts } from './publish-signed-artifacts.reactor.js';

const fleet = 'plant-race';
const meta = (commandId: string) => ({ actor: { kind: 'service' as const, id: 'spec' }, correlationId: 'spec', commandId });

/**
 * The publisher and the TUF metadata projection follow the signer's stream on consumers of their own.
 * Here the projection is held back, as it is when it lags: the publisher must not call the artifact
 * published while devices are still served a timestamp and snapshot that do not reach its bin.
 */
describe('publishing waits until the facade serves the signed bin (publisher and TUF projection on real NATS and PostgreSQL)', () => {
  let naming: TestNamespace;
  let nc: NatsConnection;
  let testDb: TestDatabase;
  let db: Database;
  let artifacts: Artifacts;
  let tuf: EventStore<TufEvent>;
  const errors: unknown[] = [];
  let publisher: ReactorRunner<TufEvent>;
  let projection: ProjectionRunner<TufEvent>;

  beforeAll(async () => {
    naming = testNamespace();
    nc = await connectTestNats();
    testDb = await createTestDatabase();
    db = await openDatabase({ url: testDb.url });
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.registry, eventStreams.signer]);
    await migrate(db, tufMetadataMigrations);
    artifacts = new Artifacts(new EventStore({ nc, naming, stream: eventStreams.registry, parse: parseArtifactEvent }));
    tuf = new EventStore({ nc, naming, stream: eventStreams.signer, parse: parseTufEvent });
    const reactor = publishSignedArtifacts(
      artifacts,
      (f, role, version) => servesRoleVersion(db, f, role, version),
      (f, path, why) => errors.push(`${f}:${path} ${why}`),
    );
    publisher = new ReactorRunner({ nc, naming, reactor, retryDelayMs: 50, onError: (err) => errors.push(err) });
    projection = new ProjectionRunner({ nc, naming, db, projection: tufMetadataProjection });
  });
  afterAll(async () => {
    await publisher.stop();
    await projection.stop();
    await nc.close();
    await db.close();
    await testDb.drop();
  });

  it('publishes nothing while the served timestamp does not reach the bin, and publishes once it does', async () => {
    const bytes = randomBytes(1024);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const targetPath = 'model/yolo-v8n/4.0.0/model.onnx';
    const artifactId = artifactIdOf('yolo-v8n', '4.0.0');
    await artifacts.execute(
      fleet,
      artifactId,
      {
        type: 'ReceiveArtifact',
        fleet,
        artifactId,
        name: 'yolo-v8n',
        version: '4.0.0',
        kind: 'model',
        manifest: ArtifactManifest.parse(modelManifest),
        targetPath,
        sha256,
        length: bytes.length,
      },
      meta('receive'),
    );
    const repo = new KeyedRepository({ bins: 16 });
    const initialised = repo.signings.length;
    repo.publish(targetPath, bytes);
    const signing = tufEventsOf(fleet, repo.signings.slice(initialised));
    const bin = signing[0]!;
    if (bin.type !== 'DelegatedTargetsSigned') throw new Error('a hash-bin repository signs the target into its bin first');
    // As the signer appends: the whole repository, then [bin, snapshot, timestamp] in one batch.
    const subject = tuf.subject('tuf', fleet, 'repository');
    const initial = await tuf.append(subject, 0, tufEventsOf(fleet, repo.signings.slice(0, initialised)), meta('init'));
    await tuf.append(subject, initial!.lastSeq, signing, meta('sign'));
    const history = async () => (await artifacts.history(fleet, artifactId)).map((r) => r.event.type);

    await publisher.start();
    // The publisher's own report that it handled the bin and held it back (or, unprotected, the publication).
    await eventually(async () => errors.some((e) => e instanceof NotYetServedError) || (await history()).length > 1);
    expect(await history()).toEqual(['ArtifactReceived']);
    expect(errors[0]).toBeInstanceOf(NotYetServedError);
    expect(String(errors[0])).toMatch(
      new RegExp(
        `fleet '${fleet}': ${bin.data.role}\\.json version ${bin.data.version} is signed but the served timestamp and snapshot do not reach it yet`,
      ),
    );

    await projection.start();
    await eventually(async () => (await history()).length === 2);
    const [, published] = await artifacts.history(fleet, artifactId);
    expect(published!.event).toMatchObject({
      type: 'ArtifactPublished',
      data: { targetPath, sha256, length: bytes.length, targetsVersion: bin.data.version },
    });
    expect(await servesRoleVersion(db, fleet, bin.data.role, bin.data.version)).toBe(true);
    expect(errors.filter((e) => !(e instanceof NotYetServedError))).toEqual([]);
  });
});
