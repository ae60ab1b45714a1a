import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLayout } from '../data-dir/layout.js';
import { readDeviceIdentity } from './device-identity.js';
import { enrollDevice } from './enroll.js';

// The enrollment answer is a platform -> device message too: a newer gateway may add fields, at
// the top or inside `broker`, and an older agent keeps what it knows (docs/device-protocol.md).
describe('enrolling at a gateway newer than the agent (real HTTP)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-enroll-answer-'));
  let server: Server;
  let gatewayUrl: string;
  const broker = { mqttUrl: 'mqtt://127.0.0.1:1883', clientId: 'dev-1', username: 'dev-1', password: 'p'.repeat(32), topicRoot: 'keelson' };
  let answer: Record<string, unknown> = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const newerAnswer = (brokerFields: object) => ({
    deviceId: 'dev-1',
    fleet: 'default',
    certificate: 'CERT',
    caCertificate: 'CA',
    tufRoot: { signed: {} },
    facadeUrl: 'https://127.0.0.1:9443',
    broker: { ...broker, ...brokerFields },
    heartbeatHint: 30,
  });

  it('keeps what it knows of the answer and of its broker credentials, and drops the rest', async () => {
    answer = newerAnswer({ keepAliveSeconds: 20, qosPolicy: { desired: 1 } });
    const dataDir = join(dir, 'newer');
    await enrollDevice({ gatewayUrl, token: 'kenr_x', dataDir, name: 'cam-1' });
    expect((await readDeviceIdentity(new DataDirLayout(dataDir))).broker).toEqual(broker);
  });

  it('still refuses an answer whose known broker field is malformed, keeping nothing', async () => {
    answer = newerAnswer({ username: '', keepAliveSeconds: 20 });
    const dataDir = join(dir, 'malformed');
    await expect(enrollDevice({ gatewayUrl, token: 'kenr_x', dataDir, name: 'cam-2' })).rejects.toThrow(/username/);
    await expect(readDeviceIdentity(new DataDirLayout(dataDir))).rejects.toThrow();
  });
});
