/** Where a profiled function lives, for aggregating self time by file and by package. */

// Repository code, compiled or not: services/<name>/…, libs/<name>/…, bench/….
const repoPath = /\/(services|libs)\/([^/]+)\/(?:dist|src)\/(.*)$/;

/** A file as a reader recognises it: the path inside node_modules or the repository, or a Node built-in module. */
export function fileOf(url: string): string {
  if (url === '') return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length);
  const repo = repoPath.exec(path);
  if (repo) return `${repo[1]}/${repo[2]}/${repo[3]}`;
  const bench = path.indexOf('/bench/');
  if (bench >= 0) return path.slice(bench + 1);
  return path;
}

/**
 * The package a file belongs to: an npm package (`pg`, `@nats-io/jetstream`), a Keelson service or
 * library (`services/device-gateway`), a Node built-in area (`node:internal/tls`), or `(native)` for
 * V8 builtins and C++ functions that have no script.
 */
export function packageOf(url: string): string {
  if (url === '') return '(native)';
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/');
    // node:internal/streams/readable → node:internal/streams; node:fs → node:fs
    return `node:${parts[0] === 'internal' && parts.length > 1 ? `internal/${parts[1]}` : parts[0]}`;
  }
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const repo = repoPath.exec(path);
  if (repo) return `${repo[1]}/${repo[2]}`;
  if (path.includes('/bench/')) return 'bench';
  return path;
}
