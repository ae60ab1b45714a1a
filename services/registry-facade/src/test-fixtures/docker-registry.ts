import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalTls, freePort } from '@keelson/local-infra';
import { sendUpstream } from '../registry-connections/upstream/upstream-http.js';

/** How the test registry authenticates: htpasswd (Basic), a token realm (Bearer), or not at all. */
export type RegistryAuth =
  | { kind: 'htpasswd'; username: string; password: string }
  | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string }
  | { kind: 'none' };

/** A real `docker-registry` (CNCF distribution 2.8) on loopback, with TLS from the project's own helper. */
export interface RunningDockerRegistry {
  url: string;
  /** PEM of the CA that issued the registry's certificate (absent without TLS). */
  caPem?: string;
  caFile?: string;
  dir: string;
  stop(): Promise<void>;
}

function configOf(o: {
  dir: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  auth: RegistryAuth;
  htpasswdFile: string;
}): string {
  const lines = [
    'version: 0.1',
    'log: { level: error, accesslog: { disabled: true } }',
    `storage: { filesystem: { rootdirectory: ${JSON.stringify(join(o.dir, 'data'))} }, delete: { enabled: true } }`,
    `http: { addr: "127.0.0.1:${o.port}", secret: "${randomBytes(16).toString('hex')}"${o.tls ? `, tls: { certificate: ${JSON.stringify(o.tls.certFile)}, key: ${JSON.stringify(o.tls.keyFile)} }` : ''} }`,
  ];
  if (o.auth.kind === 'htpasswd') lines.push(`auth: { htpasswd: { realm: keelson-test, path: ${JSON.stringify(o.htpasswdFile)} } }`);
  if (o.auth.kind === 'token') {
    const { realm, service, issuer, rootCertBundle } = o.auth;
    lines.push(
      `auth: { token: { realm: ${JSON.stringify(realm)}, service: ${JSON.stringify(service)}, issuer: ${JSON.stringify(issuer)}, rootcertbundle: ${JSON.stringify(rootCertBundle)} } }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string, caPem?: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`docker-registry exited (${child.exitCode ?? child.signalCode}): ${output()}`);
    try {
      (await sendUpstream({ url: new URL('/v2/', url), caPem, timeoutMs: 1000 })).body.resume();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`docker-registry did not serve ${url} within 15 s: ${output()}`);
}

/**
 * Starts `docker-registry serve` on a free loopback port, in a directory of its own; `tls` (default
 * on) serves HTTPS with a certificate from a CA made for this registry alone, or the one in `tlsDir`
 * (shared with a token realm, so one CA file trusts both).
 */
export async function startDockerRegistry(
  auth: RegistryAuth,
  options: { tls?: boolean; tlsDir?: string } = {},
): Promise<RunningDockerRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-docker-registry-'));
  const tls = options.tls === false ? undefined : await ensureLocalTls(options.tlsDir ?? join(dir, 'tls'));
  const port = await freePort();
  const htpasswdFile = join(dir, 'htpasswd');
  if (auth.kind === 'htpasswd') {
    const made = spawnSync('htpasswd', ['-Bbn', auth.username, auth.password], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`htpasswd failed (apt-get install apache2-utils): ${made.stderr}`);
    writeFileSync(htpasswdFile, made.stdout);
  }
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, configOf({ dir, port, tls, auth, htpasswdFile }));
  const child = spawn('docker-registry', ['serve', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.on('error', (err) => (stderr += `\n${err.message} (apt-get install docker-registry)`));
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      // distribution waits for open connections on SIGTERM; a spec's keep-alive client must not hold it up.
      const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(kill);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(url, child, () => stderr, tls?.caPem);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, dir, stop, ...(tls ? { caPem: tls.caPem, caFile: tls.caFile } : {}) };
}
