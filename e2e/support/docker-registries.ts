import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keelsonWithStdin, type CliRun } from '../../services/cli/src/test-fixtures/run-cli.js';
import { startDockerRegistry, type RunningDockerRegistry } from '../../services/registry-facade/src/test-fixtures/docker-registry.js';
import { startedTogether } from './started-together.js';
import { startTestPlatform, type TestPlatform } from './test-platform.js';

// The registry specs' set-up: a platform (no device TLS, the diagnostics user to read its streams)
// beside a real docker-registry that asks for a password, and `keelson registry connect` to it.

export interface RegistryUser {
  username: string;
  password: string;
}

/**
 * Starts the platform and a docker-registry for `user` together, each handed to `keep` as soon as
 * both are settled (so the spec's `afterAll` stops whichever started), and writes the registry's CA
 * to the platform's home; returns that file.
 */
export async function startWithRegistry(
  user: RegistryUser,
  keep: (platform: TestPlatform, upstream: RunningDockerRegistry) => void,
): Promise<string> {
  let platform: TestPlatform | undefined;
  let upstream: RunningDockerRegistry | undefined;
  await startedTogether(
    startTestPlatform({ tls: false, diagnosticsUser: true }),
    startDockerRegistry({ kind: 'htpasswd', ...user }),
    (p, u) => {
      [platform, upstream] = [p, u];
      keep(p!, u!);
    },
  );
  const caFile = join(platform!.home, 'upstream-ca.pem');
  writeFileSync(caFile, upstream!.caPem!);
  return caFile;
}

/**
 * `keelson registry connect NAME --url URL --username USER --password-stdin --ca-file CA`, then
 * `more`, with `secret` on standard input.
 */
export function connectRegistry(
  platform: TestPlatform,
  registry: { name: string; url: string; username: string; caFile: string },
  secret: string,
  ...more: string[]
): Promise<CliRun> {
  const { name, url, username, caFile } = registry;
  const args = ['registry', 'connect', name, '--url', url, '--username', username, '--password-stdin', '--ca-file', caFile, ...more];
  return keelsonWithStdin(platform.apiUrl, platform.adminToken, `${secret}\n`, ...args);
}
