import { Controller } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { defineCommand } from '@keelson/commands';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { callCommand, CommandPattern, type DeclaredWorker } from '../index.js';
import { startCommandsApp } from '../test-fixtures/commands-app.js';

const ping = defineCommand('audit', 'lifecycle-spec-ping', z.strictObject({}), z.strictObject({ pong: z.boolean() }));

@Controller()
class PingCommands {
  @CommandPattern(ping)
  async ping(): Promise<{ pong: boolean }> {
    return { pong: true };
  }
}

describe('the CommandServer in the ServiceRunner order', () => {
  let nc: NatsConnection;
  const naming = testNamespace();
  const isServed = () => callCommand(nc, naming, ping, {}, undefined, { timeoutMs: 1_000 }).then(() => true, () => false);

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
    const app = await startCommandsApp(naming, [PingCommands], { declaration: { projections: [worker('projection')], reactors: [worker('reactor')] } });
    expect(await isServed()).toBe(true);
    await app.close();
    expect(await isServed()).toBe(false);
    expect(log).toEqual(['start projection (served: false)', 'start reactor (served: false)', 'stop reactor (served: false)', 'stop projection (served: false)']);
  });

  it('refuses to start when no module declares a controller with a @CommandPattern (it would never be served)', async () => {
    await expect(startCommandsApp(naming, [], { controllers: [PingCommands] })).rejects.toThrow(
      'commands-spec: no module declares the controller of cmd.audit.lifecycle-spec-ping (declareModule commandControllers): never served',
    );
  });

  it('refuses to start when a declared controller is not a controller of the app', async () => {
    await expect(startCommandsApp(naming, [PingCommands], { controllers: [] })).rejects.toThrow(/^spec: commands failed: no handler of cmd\.audit\.lifecycle-spec-ping is registered/);
    expect(await isServed()).toBe(false);
  });
});
