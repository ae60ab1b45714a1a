import { Controller } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { defineRequest } from '@keelson/requests';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { sendRequest, RequestPattern, type DeclaredWorker } from '../index.js';
import { startRequestsApp } from '../test-fixtures/requests-app.js';

const ping = defineRequest('audit', 'lifecycle-spec-ping', z.strictObject({}), z.strictObject({ pong: z.boolean() }));

@Controller()
class PingRequests {
  @RequestPattern(ping)
  async ping(): Promise<{ pong: boolean }> {
    return { pong: true };
  }
}

describe('the RequestServer in the ServiceRunner order', () => {
  let nc: NatsConnection;
  const naming = testNamespace();
  const isServed = () =>
    sendRequest(nc, naming, ping, {}, undefined, { timeoutMs: 1_000 }).then(
      () => true,
      () => false,
    );

  beforeAll(async () => {
    nc = await connectTestNats();
  });
  afterAll(() => nc.close());

  it("serves a module's controllers after its projections and reactors start, and stops serving before they stop", async () => {
    const log: string[] = [];
    const worker = (name: string): DeclaredWorker => ({
      name,
      replicas: 'every-replica',
      start: async () => void log.push(`start ${name} (served: ${await isServed()})`),
      stop: async () => void log.push(`stop ${name} (served: ${await isServed()})`),
    });
    const app = await startRequestsApp(naming, [PingRequests], {
      declaration: { projections: [worker('projection')], reactors: [worker('reactor')] },
    });
    expect(await isServed()).toBe(true);
    await app.close();
    expect(await isServed()).toBe(false);
    expect(log).toEqual([
      'start projection (served: false)',
      'start reactor (served: false)',
      'stop reactor (served: false)',
      'stop projection (served: false)',
    ]);
  });

  it('refuses to start when no module declares a controller with a @RequestPattern (it would never be served)', async () => {
    await expect(startRequestsApp(naming, [], { controllers: [PingRequests] })).rejects.toThrow(
      'commands-spec: no module declares the controller of cmd.audit.lifecycle-spec-ping (declareModule requestControllers): never served',
    );
  });

  it('refuses to start when a declared controller is not a controller of the app', async () => {
    await expect(startRequestsApp(naming, [PingRequests], { controllers: [] })).rejects.toThrow(
      /^spec: requests failed: no handler of cmd\.audit\.lifecycle-spec-ping is registered/,
    );
    expect(await isServed()).toBe(false);
  });
});
