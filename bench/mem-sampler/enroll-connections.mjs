// What the connections of an enrollment burst leave in an HTTPS server's memory, with and without
// `Connection: close` on the answer. A stand-alone Node HTTPS server (a throw-away P-256 certificate
// made with the openssl CLI, no client certificates: the device gateway's TLS) answers POSTs of
// 1.3 KB with 6 KB (an enrollment's sizes); `--concurrency` clients post one at a time each, every
// post on a new connection that the client keeps `--hold-ms` after its answer (the agent's idle
// timeout: 4 s) unless the server closed it. Each mode runs `--rounds` times, alternated, each in a
// fresh server process; printed: enrollments/s, glibc's main arena (`[heap]` in smaps) at most and
// at the end, the server's peak RSS (VmHWM). bench/README.md, "The gateway's enrollment peak".
//   node bench/mem-sampler/enroll-connections.mjs [--enrollments 2000] [--concurrency 32] [--hold-ms 4000] [--rounds 2]
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const answer = 'x'.repeat(6000);

if (process.argv[2] === '--serve') {
  const [dir, close] = [process.argv[3], process.argv[4] === 'close'];
  const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    req.resume();
    req.on('end', () => {
      if (close) res.shouldKeepAlive = false;
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': answer.length });
      res.end(answer);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
} else {
  const { values } = parseArgs({
    options: {
      enrollments: { type: 'string' },
      concurrency: { type: 'string' },
      'hold-ms': { type: 'string' },
      rounds: { type: 'string' },
    },
  });
  const [total, concurrency, holdMs, rounds] = [
    Number(values.enrollments ?? 2000),
    Number(values.concurrency ?? 32),
    Number(values['hold-ms'] ?? 4000),
    Number(values.rounds ?? 2),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'enroll-connections-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const ca = readFileSync(join(dir, 'cert.pem'));
  const body = 'y'.repeat(1300);
  try {
    for (let round = 0; round < rounds; round++) for (const mode of ['keep-alive', 'close']) await run(mode);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  async function run(mode) {
    const server = fork(new URL(import.meta.url).pathname, ['--serve', dir, mode]);
    const port = await new Promise((resolve) => server.once('message', resolve));
    const arenaMiB = () => {
      let kB = 0;
      for (const mapping of readFileSync(`/proc/${server.pid}/smaps`, 'utf8').split(/\n(?=[0-9a-f]+-)/)) {
        if (/^\S+ \S+ \S+ \S+ \S+\s+\[heap\]$/m.test(mapping)) kB += Number(/^Rss:\s+(\d+)/m.exec(mapping)[1]);
      }
      return kB / 1024;
    };
    const post = (agent) =>
      new Promise((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: '/v1/enroll',
            method: 'POST',
            ca,
            agent,
            headers: { 'content-type': 'application/json', 'content-length': body.length },
          },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    let sent = 0;
    let arenaMax = 0;
    const watch = setInterval(() => (arenaMax = Math.max(arenaMax, arenaMiB())), 200);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (sent < total) {
          sent++;
          const agent = new Agent({ keepAlive: true, maxSockets: 1 });
          await post(agent);
          setTimeout(() => agent.destroy(), holdMs); // the client's idle timeout; a closed connection is gone already
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    await new Promise((resolve) => setTimeout(resolve, holdMs + 500));
    clearInterval(watch);
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]) / 1024;
    console.log(
      `${mode.padEnd(10)} ${total} enrollments in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)}/s): main arena at most ${arenaMax.toFixed(1)} MiB, at the end ${arenaMiB().toFixed(1)}; peak RSS ${hwm.toFixed(1)} MiB`,
    );
    server.kill();
  }
}
