// bench/broker-tls-resume: what a device's MQTT reconnect costs in TLS, a full handshake against one
// that resumes the session the broker gave (the agent's `brokerStreams`), on both sides: the
// device's CPU (this process) and nats-server's (its /proc stat), per connection. A real nats-server
// with an mqtts listener and the local CA the platform uses; TLS only (no MQTT CONNECT), so the
// figures are the handshakes' alone. Rounds alternate full and resumed, so both see the same load.
//
//   node bench/dist/broker-tls-resume/main.js [--connections 300] [--rounds 2]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createSecureContext } from 'node:tls';
import { parseArgs } from 'node:util';
import { ensureLocalTls, freePort, startNatsServer } from '@keelson/local-infra';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '300' }, rounds: { type: 'string', default: '2' } } });
const [connections, rounds] = [Number(values.connections), Number(values.rounds)];

/** CPU seconds (user + system) of a process, from /proc (USER_HZ 100). */
const cpuOf = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const ownCpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const dir = mkdtempSync(join(tmpdir(), 'keelson-broker-tls-'));
const tls = await ensureLocalTls(join(dir, 'tls'));
const [port, mqttPort, monitorPort] = [await freePort(), await freePort(), await freePort()];
const nats = await startNatsServer({
  binary: join(process.cwd(), '.keelson', 'tools', 'nats-server-2.15.1', 'nats-server'),
  dir: join(dir, 'nats'),
  serverName: 'tls-resume',
  host: '127.0.0.1',
  port,
  mqttPort,
  monitorPort,
  users: [{ user: 'device', password: 'pw' }],
  systemUser: { user: 'system', password: 'system-pw' },
  mqttTls: { certFile: tls.certFile, keyFile: tls.keyFile },
});
// One context for the CA, as the agent's MQTT connections share one (link/ca-context.ts).
const secureContext = createSecureContext({ ca: tls.caPem });
let session: Buffer | undefined;

/** One TLS connection to the broker's mqtts port; true when it resumed. */
const handshake = (resume: boolean) =>
  new Promise<boolean>((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port: mqttPort, secureContext, rejectUnauthorized: true, ...(resume && session ? { session } : {}) },
      () => {
        const resumed = socket.isSessionReused();
        // The broker's ticket follows its Finished: wait for it before closing, as a live connection would.
        setImmediate(() => (socket.destroy(), resolve(resumed)));
      },
    );
    socket.on('session', (next: Buffer) => (session = next));
    socket.on('error', reject);
  });

try {
  await handshake(false);
  console.log(
    `broker-tls-resume: ${connections} TLS connections per round to nats-server's mqtts listener (ECDSA P-256, TLS 1.3), load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
  for (let round = 1; round <= rounds; round++) {
    for (const resume of [false, true]) {
      const [mine, theirs] = [ownCpu(), cpuOf(nats.pid)];
      let resumed = 0;
      for (let i = 0; i < connections; i++) resumed += (await handshake(resume)) ? 1 : 0;
      const [device, broker] = [((ownCpu() - mine) * 1000) / connections, ((cpuOf(nats.pid) - theirs) * 1000) / connections];
      console.log(
        `  round ${round} ${resume ? 'resumed' : 'full   '}  device ${device.toFixed(2)} CPU-ms, nats-server ${broker.toFixed(2)} CPU-ms per connection (${resumed}/${connections} resumed)`,
      );
    }
  }
} finally {
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
}
