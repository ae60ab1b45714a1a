import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreamConfig, eventStreams } from '@keelson/event-store';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { ensureEventStreams } from './event-streams.js';

describe('the event streams the audit reads, against real NATS', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const naming = testNamespace();

  beforeAll(async () => {
    nc = await connectTestNats();
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await nc.close();
  });

  it('creates those that do not exist yet and leaves an existing one as its owner configured it', async () => {
    const owned = eventStreamConfig(naming, eventStreams.signer);
    await jsm.streams.add({ ...owned, description: 'set by the signer' });
    await ensureEventStreams(jsm, naming, 1);
    await ensureEventStreams(jsm, naming, 1); // again, as every restart does
    for (const decl of Object.values(eventStreams)) {
      const info = await jsm.streams.info(`${naming.streamPrefix}${decl.name}`);
      expect(info.config.subjects).toEqual(decl.subjects.map((s) => `${naming.subjectPrefix}${s}`));
    }
    expect((await jsm.streams.info(owned.name)).config.description).toBe('set by the signer');
  });
});
