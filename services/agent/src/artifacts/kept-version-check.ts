import { join } from 'node:path';
import type { KeptVersion } from '../data-dir/agent-state.js';
import type { DataDirLayout } from '../data-dir/layout.js';
import { fileDigest } from './file-digest.js';

/**
 * Checks a kept version before a revert or a rollback makes it active again, as an install checks
 * a download: its file must still hash to the sha256 and length of the TUF target it was installed
 * from (recorded with the version when it was verified). Returns why it must not be restored, or
 * null when it is intact. A kept version that was edited, truncated or swapped on disk is refused.
 */
export async function keptVersionProblem(
  layout: DataDirLayout,
  name: string,
  version: string,
  kept: KeptVersion | undefined,
): Promise<string | null> {
  if (!kept) return `${name}@${version} has no recorded TUF target to check it against`;
  const file = join(layout.versionDir(name, version), kept.basename);
  const digest = await fileDigest(file).catch(() => null);
  if (!digest) return `${name}@${version} is missing on disk`;
  if (digest.sha256 !== kept.sha256 || digest.length !== kept.length) {
    return `${name}@${version} no longer matches its TUF target (sha256 ${digest.sha256.slice(0, 12)}…, expected ${kept.sha256.slice(0, 12)}…)`;
  }
  return null;
}
