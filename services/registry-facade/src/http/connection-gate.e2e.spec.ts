import { Agent, request } from 'node:https';
import type { Server } from 'node:net';
import { eventually } from '@keelson/testing';
import { deviceRequest, type DeviceAnswer } from '../test-fixtures/device-tls.js';
import { startFacade, type FacadeApp } from '../test-fixtures/facade-app.js';
import { gateConnections, type ConnectionGate } from './connection-gate.js';

// Issue 11 (the facade's memory at 10,000 devices): every open TLS connection holds ~100 KiB, so
// the facade serves at most KEELSON_FACADE_MAX_CONNECTIONS at once; the others wait, unrefused.
describe('the facade serves at most KEELSON_FACADE_MAX_CONNECTIONS connections at once (whole facade on HTTPS)', () => {
  let facade: FacadeApp;
  let gate: ConnectionGate;
  const health = () => `${facade.url}/healthz`;

  beforeAll(async () => {
    facade = await startFacade({ KEELSON_FACADE_MAX_CONNECTIONS: '1' }, { tls: true });
    // Installed at boot; asking again returns the server's own gate.
    gate = gateConnections(facade.app.getHttpServer() as Server, 99);
  });
  afterAll(async () => {
    await facade?.close();
  });

  /** A client holding one kept-alive connection, idle after its first answer. */
  const holder = async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: facade.ca! });
    expect((await deviceRequest(health(), { agent })).status).toBe(200);
    return agent;
  };

  it('keeps a connection beyond the limit waiting before its handshake, and serves it once a served one closes', async () => {
    const first = await holder();
    let answered: DeviceAnswer | undefined;
    const second = deviceRequest(health(), { ca: facade.ca!, agent: false }).then((a) => (answered = a));
    await eventually(() => gate.counts.waiting === 1);
    expect([gate.counts, answered]).toEqual([{ served: 1, waiting: 1 }, undefined]);
    first.destroy();
    expect((await second).status).toBe(200);
    await eventually(() => gate.counts.served === 0);
  });

  it('drops a waiting connection whose client gave up, and goes on serving', async () => {
    const first = await holder();
    const gaveUp = request(health(), { ca: facade.ca!, agent: false });
    const failed = new Promise((resolve) => gaveUp.on('error', resolve));
    gaveUp.end();
    await eventually(() => gate.counts.waiting === 1);
    gaveUp.destroy();
    await failed;
    await eventually(() => gate.counts.waiting === 0);
    expect(gate.counts.served).toBe(1);
    first.destroy();
    expect((await deviceRequest(health(), { ca: facade.ca!, agent: false })).status).toBe(200);
  });
});
