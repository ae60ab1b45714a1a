import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Controller, type INestApplication } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { defineRequest } from '@keelson/requests';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { sendRequest, RequestPattern } from '../index.js';
import { startRequestsApp } from '../test-fixtures/requests-app.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const hold = defineRequest('gateway', 'hold-for-memory-spec', z.strictObject({ pad: z.string() }), z.strictObject({ length: z.number() }));
const requests = 40;
const padBytes = 256 * 1024;
let started = 0;
let everyStarted!: () => void;
const allStarted = new Promise<void>((r) => (everyStarted = r));
let release!: () => void;
const released = new Promise<void>((r) => (release = r));

@Controller()
class HoldRequests {
  @RequestPattern(hold)
  async hold(input: { pad: string }): Promise<{ length: number }> {
    if (++started === requests) everyStarted();
    await released;
    return { length: input.pad.length };
  }
}

/** ArrayBuffer bytes still reachable after two full collections. */
async function liveArrayBuffers(): Promise<number> {
  gc();
  await new Promise((r) => setImmediate(r));
  gc();
  return process.memoryUsage().arrayBuffers;
}

describe('the RequestServer and the memory of requests in flight', () => {
  let client: NatsConnection;
  let app: INestApplication;
  const naming = testNamespace();

  beforeAll(async () => {
    client = await connectTestNats();
    app = await startRequestsApp(naming, [HoldRequests]);
  });
  afterAll(async () => {
    await app?.close();
    await client.close();
  });

  it('keeps no request message while its handler runs: its payload is a view into the read buffer', async () => {
    const before = await liveArrayBuffers();
    const calls = Array.from({ length: requests }, (_, i) =>
      sendRequest(client, naming, hold, { pad: String(i % 10).repeat(padBytes) }, undefined, { timeoutMs: 60_000 }),
    );
    await allStarted;
    const held = (await liveArrayBuffers()) - before;
    release();
    await expect(Promise.all(calls)).resolves.toEqual(Array.from({ length: requests }, () => ({ length: padBytes })));
    // Holding the messages kept ≥ 40 × 256 KiB = 10 MiB; the parsed inputs are JS strings, not ArrayBuffers.
    expect(held).toBeLessThan(2 * 1024 * 1024);
  });
});
