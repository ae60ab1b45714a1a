import { posix } from 'node:path';
import type { TargetFile, Updater } from 'tuf-js';

interface TrustedRootView {
  trustedSet?: { root?: { signed?: { consistentSnapshot?: unknown } } };
}

/**
 * The URL tuf-js's `downloadTarget` fetches a target from (TUF client workflow 5.7.3): with
 * consistent snapshots (every Keelson repository), `<dir>/<first hash>.<basename>` under the
 * targets base URL. Whether the repository uses them is read from the root tuf-js trusts after its
 * refresh (tuf-js 4–6 keep it in `trustedSet`, not exported): when that is not there, this throws,
 * rather than guessing a URL.
 */
export function targetUrl(updater: Updater, targetBaseUrl: string, info: TargetFile): string {
  const consistent = (updater as unknown as TrustedRootView).trustedSet?.root?.signed?.consistentSnapshot;
  if (typeof consistent !== 'boolean') throw new Error("tuf-js's trusted root is not where this agent reads it (tuf-js upgraded?)");
  let path = info.path;
  if (consistent) {
    const { dir, base } = posix.parse(path); // as tuf-js builds it
    const name = `${Object.values(info.hashes)[0]}.${base}`;
    path = dir ? `${dir}/${name}` : name;
  }
  return new URL(
    `${targetBaseUrl.endsWith('/') ? targetBaseUrl : `${targetBaseUrl}/`}${path.startsWith('/') ? path.slice(1) : path}`,
  ).toString();
}
