import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseArtifactEvent, parseTufEvent, type ArtifactEvent, type TufEvent } from '@keelson/events';
import { createServiceApp, InfrastructureModule, loadServiceConfig, NATS, type InfrastructureOptions } from '@keelson/service-kit';
import { connectTestNats, testEnv, testNamespace, type TestNamespace } from '@keelson/testing';
import { signerModules } from '../app.module.js';

/** An artifact as the facade stores it: its bytes and the target it becomes. */
export interface ReceivedArtifact {
  artifactId: string;
  targetPath: string;
  sha256: string;
  bytes: Buffer;
}

/** The signer's modules running against the run's NATS, with the facade's side played by the spec. */
export interface SignerApp {
  app: INestApplication;
  nc: NatsConnection;
  naming: TestNamespace;
  dataDir: string;
  tuf: EventStore<TufEvent>;
  /** Appends `ArtifactReceived` to EV_ARTIFACTS, as the facade does after storing the bytes. */
  receive(fleet: string, name: string, version: string, bytes: Buffer, artifactId?: string): Promise<ReceivedArtifact>;
  tufEventsOf(fleet: string): Promise<TufEvent[]>;
  close(): Promise<void>;
}

let n = 0;

/** The key secret the spec signers run with (a real secret: their key files are sealed under it). */
export const testKeySecret = 'spec-signer-key-secret-0123456789';

/**
 * Starts the signer; `share` runs a second replica on the same namespace and data directory, and
 * `infrastructure.clock` is the time it signs and renews by (default: the system clock).
 */
export async function startSigner(
  env: Record<string, string> = {},
  share?: { naming: TestNamespace; dataDir: string },
  infrastructure: InfrastructureOptions = {},
): Promise<SignerApp> {
  const naming = share?.naming ?? testNamespace();
  const nc = await connectTestNats();
  const dataDir = share?.dataDir ?? mkdtempSync(join(tmpdir(), 'keelson-signer-'));
  const { natsUrl, natsUser, natsPass } = testEnv();
  const config = loadServiceConfig('signer', {
    KEELSON_NATS_URL: natsUrl,
    KEELSON_NATS_USER: natsUser,
    KEELSON_NATS_PASSWORD: natsPass,
    KEELSON_DATA_DIR: dataDir,
    KEELSON_SIGNER_KEY_SECRET: testKeySecret,
    KEELSON_STREAM_PREFIX: naming.streamPrefix,
    KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
    ...env,
  });
  // The facade declares EV_ARTIFACTS; here the spec plays the facade.
  await applyStreams(await jetstreamManager(nc), naming, [eventStreams.registry]);
  @Module({ imports: [InfrastructureModule.forRoot(config, infrastructure), ...signerModules] })
  class SignerTestModule {}
  const app = await createServiceApp(SignerTestModule, config);
  try {
    await app.init();
    // The command subscriptions are made on init but reach the server later: without this a spec's
    // first request can find no responder.
    await app.get<NatsConnection>(NATS).flush();
  } catch (err) {
    await app.close().catch(() => undefined);
    await nc.close();
    throw err;
  }
  const artifacts = new EventStore<ArtifactEvent>({ nc, naming, stream: eventStreams.registry, parse: parseArtifactEvent });
  const tuf = new EventStore<TufEvent>({ nc, naming, stream: eventStreams.signer, parse: parseTufEvent });
  return {
    app,
    nc,
    naming,
    dataDir,
    tuf,
    async receive(fleet, name, version, bytes, artifactId = `art-${++n}-${Date.now().toString(36)}`) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const targetPath = `model/${name}/${version}/${name}.onnx`;
      await artifacts.append(
        artifacts.subject('artifact', fleet, artifactId),
        0,
        [
          {
            type: 'ArtifactReceived',
            schemaVersion: 1,
            data: {
              fleet,
              artifactId,
              name,
              version,
              kind: 'model',
              targetPath,
              sha256,
              length: bytes.length,
              manifest: {
                kind: 'model',
                framework: 'onnx',
                inputs: [{ name: 'images', dtype: 'float32', shape: [-1, 3, 64, 64] }],
                metrics: { mAP: 0.712 },
                hardware: {},
              },
            },
          },
        ],
        { actor: { kind: 'operator', id: 'admin' }, correlationId: `push-${artifactId}`, commandId: `push-${artifactId}` },
      );
      return { artifactId, targetPath, sha256, bytes };
    },
    async tufEventsOf(fleet) {
      return (await tuf.load(tuf.subject('tuf', fleet, 'repository'))).events.map((r) => r.event);
    },
    async close() {
      await app.close();
      await nc.close();
      if (!share) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
