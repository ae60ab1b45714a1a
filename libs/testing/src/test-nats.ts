import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { testEnv } from './test-env.js';

/** Connects to the run's nats-server as the services user. */
export function connectTestNats(name = 'keelson-test'): Promise<NatsConnection> {
  const env = testEnv();
  return connect({ servers: env.natsUrl, user: env.natsUser, pass: env.natsPass, name });
}

/** Fresh names for one spec file, so specs share a server without seeing each other's streams. */
export interface TestNamespace {
  /** Prepended to stream and durable names, e.g. `T3F9A1C2_`. */
  streamPrefix: string;
  /** Prepended to every subject, e.g. `t3f9a1c2.`. */
  subjectPrefix: string;
}

export function testNamespace(): TestNamespace {
  const id = randomBytes(5).toString('hex');
  return { streamPrefix: `T${id.toUpperCase()}_`, subjectPrefix: `t${id}.` };
}
