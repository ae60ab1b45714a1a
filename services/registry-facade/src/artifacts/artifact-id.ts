import { createHash } from 'node:crypto';
import { ArtifactKind, ArtifactName, SemverLike, type ArtifactKind as Kind } from '@keelson/events';

/**
 * The id of a fleet's artifact `name@version`: `a-` and the first 16 hex digits of
 * sha256("<name>@<version>"). Deterministic, so a second upload of the same name and version lands
 * on the same aggregate subject and the aggregate itself refuses it, on any replica; and the
 * publisher can find the artifact from a signed target path alone, without any read model.
 */
export function artifactIdOf(name: string, version: string): string {
  return `a-${createHash('sha256').update(`${name}@${version}`, 'utf8').digest('hex').slice(0, 16)}`;
}

/** `<kind>/<name>/<version>/<file>`: where a target lives in the fleet's TUF repository. */
export function targetPathOf(kind: Kind, name: string, version: string, basename: string): string {
  return `${kind}/${name}/${version}/${basename}`;
}

/** The parts of a target path this registry writes; null for any path it would not have written. */
export function parseTargetPath(path: string): { kind: Kind; name: string; version: string; basename: string } | null {
  const parts = path.split('/');
  if (parts.length !== 4) return null;
  const [kind, name, version, basename] = parts as [string, string, string, string];
  const k = ArtifactKind.safeParse(kind);
  if (!k.success || !ArtifactName.safeParse(name).success || !SemverLike.safeParse(version).success || !isSafeBasename(basename))
    return null;
  return { kind: k.data, name, version, basename };
}

const basenamePattern = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

/**
 * A file name that may become the last segment of a target path and of a device's file path:
 * letters, digits, `.`, `_`, `-`, no leading dot (no hidden files, no `.`/`..`), at most 200 characters.
 */
export function isSafeBasename(name: string): boolean {
  return basenamePattern.test(name);
}
