import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { applyStream, StreamConfigRefused, streamSchemaKey, streamSchemaVersion } from './apply-stream.js';
import { eventStreamConfig, type StreamDeclaration } from './streams.js';

// A service applies its streams at every start; a second replica or an older release must not
// change a stream another configuration or a newer release set up.
describe('applyStream against a real nats-server', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let n = 0;
  const fresh = (replicas = 1) => {
    const decl: StreamDeclaration = { name: `EV_APPLY_${++n}`, subjects: [`ev.apply${n}.>`], description: 'apply-stream spec' };
    return eventStreamConfig(naming, decl, { replicas });
  };
  const configOf = async (name: string) => (await jsm.streams.info(name)).config;

  beforeAll(async () => {
    nc = await connectTestNats();
    jsm = await jetstreamManager(nc);
  });
  afterAll(() => nc.close());

  it('creates a stream stamped with this release’s schema, and brings an existing one to the declared config', async () => {
    const config = fresh();
    await applyStream(jsm, config);
    expect((await configOf(config.name)).metadata?.[streamSchemaKey]).toBe(String(streamSchemaVersion));
    await applyStream(jsm, { ...config, description: 'changed by a later release' });
    expect((await configOf(config.name)).description).toBe('changed by a later release');
  });

  it('creates a missing stream once when replicas race to create it', async () => {
    const config = fresh();
    await Promise.all([applyStream(jsm, config), applyStream(jsm, config), applyStream(jsm, config, { update: false })]);
    expect((await configOf(config.name)).num_replicas).toBe(1);
  });

  it('refuses a stream of another replica count, names the setting, and changes nothing', async () => {
    const config = fresh(1);
    await applyStream(jsm, config);
    const refusal = applyStream(jsm, { ...config, num_replicas: 3, description: 'never applied' });
    await expect(refusal).rejects.toThrow(StreamConfigRefused);
    await expect(refusal).rejects.toThrow(
      `stream ${config.name} has 1 replica(s), this service is configured for 3 (KEELSON_STREAM_REPLICAS): refusing to start; set KEELSON_STREAM_REPLICAS=1`,
    );
    expect((await configOf(config.name)).description).toBe('apply-stream spec');
  });

  it('refuses a stream a newer release set up, with or without updating, and changes nothing', async () => {
    const config = fresh();
    await jsm.streams.add({
      ...config,
      description: 'set up by release N+1',
      metadata: { [streamSchemaKey]: String(streamSchemaVersion + 1) },
    });
    for (const update of [true, false]) {
      await expect(applyStream(jsm, config, { update })).rejects.toThrow(
        `stream ${config.name} was set up by a newer Keelson (stream schema ${streamSchemaVersion + 1}, this release writes ${streamSchemaVersion}): refusing to start`,
      );
    }
    const after = await configOf(config.name);
    expect(after.description).toBe('set up by release N+1');
    expect(after.metadata?.[streamSchemaKey]).toBe(String(streamSchemaVersion + 1));
  });

  it('takes over a stream an earlier release made without a schema stamp', async () => {
    const config = fresh();
    await jsm.streams.add(config); // no metadata, as releases before the stamp made it
    await applyStream(jsm, config);
    expect((await configOf(config.name)).metadata?.[streamSchemaKey]).toBe(String(streamSchemaVersion));
  });

  it('leaves an existing stream as it is with update: false', async () => {
    const config = fresh();
    await applyStream(jsm, config);
    await applyStream(jsm, { ...config, description: 'not the owner’s' }, { update: false });
    expect((await configOf(config.name)).description).toBe('apply-stream spec');
  });
});
