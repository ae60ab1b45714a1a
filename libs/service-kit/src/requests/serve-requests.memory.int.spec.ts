import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { defineRequest } from '@keelson/requests';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { sendRequest, handlerFor, serveRequests } from '../index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const hold = defineRequest('gateway', 'hold-for-memory-spec', z.strictObject({ pad: z.string() }), z.strictObject({ length: z.number() }));

/** ArrayBuffer bytes still reachable after two full collections. */
async function liveArrayBuffers(): Promise<number> {
  gc();
  await new Promise((r) => setImmediate(r));
  gc();
  return process.memoryUsage().arrayBuffers;
}

describe('serveRequests and the memory of requests in flight', () => {
  let server: NatsConnection;
  let client: NatsConnection;
  const naming = testNamespace();

  beforeAll(async () => {
    [server, client] = await Promise.all([connectTestNats(), connectTestNats()]);
  });
  afterAll(async () => {
    await Promise.all([server.close(), client.close()]);
  });

  it('keeps no request message while its handler runs: its payload is a view into the read buffer', async () => {
    const requests = 40;
    const padBytes = 256 * 1024;
    let started = 0;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const everyStarted = new Promise<void>((resolve) => {
      serveRequests(server, naming, [
        handlerFor(hold, async (input) => {
          if (++started === requests) resolve();
          await released;
          return { length: input.pad.length };
        }),
      ]);
    });
    await server.flush();
    const before = await liveArrayBuffers();
    const calls = Array.from({ length: requests }, (_, i) =>
      sendRequest(client, naming, hold, { pad: String(i % 10).repeat(padBytes) }, undefined, { timeoutMs: 60_000 }),
    );
    await everyStarted;
    const held = (await liveArrayBuffers()) - before;
    release();
    await expect(Promise.all(calls)).resolves.toEqual(Array.from({ length: requests }, () => ({ length: padBytes })));
    // Holding the messages kept ≥ 40 × 256 KiB = 10 MiB; the parsed inputs are JS strings, not ArrayBuffers.
    expect(held).toBeLessThan(2 * 1024 * 1024);
  });
});
