import { startPlatformNats, type PlatformNatsOptions } from './platform-nats.js';
import { serviceReplicas } from './service-replicas.js';

// Bad input is refused before any process starts: the binary does not even exist.
const options: PlatformNatsOptions = {
  binary: '/nonexistent/nats-server',
  dir: '/nonexistent/nats',
  host: '127.0.0.1',
  nodes: 1,
  users: [{ user: 'u', password: 'p' }],
  systemUser: { user: 'sys', password: 's' },
};

describe('startPlatformNats: bad input', () => {
  it('refuses a node count that is not a positive whole number', async () => {
    await expect(startPlatformNats({ ...options, nodes: 0 })).rejects.toThrow(/natsNodes must be a positive whole number, got 0/);
    await expect(startPlatformNats({ ...options, nodes: 2.5 })).rejects.toThrow(/natsNodes/);
  });

  it("refuses a cluster on npm start's fixed ports, and profiling a cluster", async () => {
    await expect(startPlatformNats({ ...options, nodes: 3, ports: { nats: 4222, mqtt: 1883, natsMonitor: 8222 } })).rejects.toThrow(
      /free ports/,
    );
    await expect(startPlatformNats({ ...options, nodes: 3, profiling: true })).rejects.toThrow(/single node/);
  });
});

describe('serviceReplicas: bad input', () => {
  it('refuses a replica count that is not a positive whole number', () => {
    const launch = () => Promise.reject(new Error('never launched'));
    expect(() => serviceReplicas(0, () => ({ host: '127.0.0.1', port: 1 }), launch)).toThrow(
      /serviceReplicas must be a positive whole number, got 0/,
    );
  });
});
