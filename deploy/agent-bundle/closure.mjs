// Which package directories the installed agent needs at run time, found in the checkout's node_modules.
// Workspace packages contribute the bare imports of their compiled dist/ (they declare their siblings
// nowhere else); third-party packages their dependencies, peerDependencies and optionalDependencies.
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

const importPattern = /(?:from|import)\s*\(?\s*'([^'.][^']*)'/g;

function packageName(specifier) {
  if (specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsFiles(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}

function importsOfDist(dir) {
  const names = new Set();
  for (const file of jsFiles(join(dir, 'dist'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(importPattern)) {
      const name = packageName(match[1]);
      if (name) names.add(name);
    }
  }
  return names;
}

/** Node's lookup: the nearest node_modules/<name> from `from` upwards, stopping at the checkout. */
function resolvePackage(name, from, repoRoot) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dir === repoRoot || dirname(dir) === dir) return undefined;
  }
}

/**
 * Returns the real directories of every package the entry workspace package needs, each with the
 * path it takes inside the bundle's `lib/` (its path under node_modules, workspace packages under
 * node_modules/@keelson/<name>). Throws on a missing dependency or a native addon, which a bundle for
 * another architecture could not carry.
 */
export function runtimeClosure(repoRoot, entryDir) {
  const found = new Map();
  const workspaceTarget = (dir) => join('node_modules', JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name);
  const queue = [{ dir: realpathSync(entryDir), target: workspaceTarget(entryDir) }];
  while (queue.length) {
    const { dir, target } = queue.shift();
    if (found.has(dir)) continue;
    found.set(dir, target);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const workspace = !dir.split(sep).includes('node_modules');
    const optional = new Set(Object.keys(manifest.optionalDependencies ?? {}));
    const peerOptional = new Set(
      Object.entries(manifest.peerDependenciesMeta ?? {})
        .filter(([, meta]) => meta.optional)
        .map(([name]) => name),
    );
    const names = workspace
      ? [...importsOfDist(dir)]
      : [...new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {}), ...optional])];
    for (const name of names) {
      if (name.startsWith('@types/')) continue; // type declarations only: nothing to run
      const depDir = resolvePackage(name, dir, repoRoot);
      if (!depDir) {
        if (optional.has(name) || peerOptional.has(name)) continue;
        throw new Error(`${manifest.name} needs ${name}, which is not installed: run npm install`);
      }
      const inModules = depDir.split(sep).includes('node_modules');
      queue.push({ dir: depDir, target: inModules ? relativeModulesPath(repoRoot, depDir, found) : workspaceTarget(depDir) });
    }
    if (!workspace && hasNativeAddon(dir))
      throw new Error(`${manifest.name} carries a native addon (.node): a bundle cannot carry it for another architecture`);
  }
  return [...found].map(([dir, target]) => ({ dir, target }));
}

/** node_modules/a/node_modules/b stays nested; one under a workspace package nests under that package's bundle path. */
function relativeModulesPath(repoRoot, depDir, found) {
  const rel = relative(repoRoot, depDir);
  if (rel.startsWith('node_modules')) return rel;
  const owner = [...found.keys()].find((dir) => depDir.startsWith(`${dir}${sep}node_modules${sep}`));
  if (!owner) throw new Error(`cannot place ${depDir} in the bundle`);
  return join(found.get(owner), relative(owner, depDir));
}

function hasNativeAddon(dir) {
  const stack = [dir];
  while (stack.length) {
    const current = stack.pop();
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') stack.push(path);
      else if (entry.isFile() && entry.name.endsWith('.node') && statSync(path).size > 0) return true;
    }
  }
  return false;
}
