import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { semiSpaceMiBOf, serviceNodeArgs } from './memory-settings.js';
import { platformServices } from './platform-services.js';

// The image's entry point (deploy/container/keelson-service) starts a service as the local stack
// does: same services, same Node memory settings. Run for real, with a `node` on PATH that prints
// what it was given instead of starting anything.
const entrypoint = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../deploy/container/keelson-service');

describe('the container entry point', () => {
  const bin = mkdtempSync(join(tmpdir(), 'keelson-entry-'));
  beforeAll(() => {
    writeFileSync(join(bin, 'node'), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
    chmodSync(join(bin, 'node'), 0o755);
  });
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  const run = (...args: string[]) => spawnSync('sh', [entrypoint, ...args], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });

  it.each(platformServices)('starts %s with the Node arguments of the local stack', (service) => {
    const ran = run(service);
    expect(ran.status).toBe(0);
    expect(ran.stdout.trim().split('\n')).toEqual([...serviceNodeArgs(semiSpaceMiBOf(service)), `/app/services/${service}/dist/main.js`]);
  });

  it('refuses a name that is not a service, and lists the services', () => {
    for (const bad of ['', 'agent', 'api; id', '../signer', 'signer extra']) {
      const ran = run(bad);
      expect(ran.status).toBe(64);
      expect(ran.stdout).toBe('');
      expect(ran.stderr).toContain(`one of: ${platformServices.join(' ')}`);
    }
  });

  it('prints its usage for --help and exits 0', () => {
    const ran = run('--help');
    expect(ran.status).toBe(0);
    expect(ran.stderr).toMatch(/^usage: keelson-service <service>/);
  });
});
