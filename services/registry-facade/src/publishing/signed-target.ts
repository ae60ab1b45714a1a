/** What the signed targets metadata says about one target: the length and digest devices will verify. */
export interface SignedTarget {
  sha256: string;
  length: number;
}

const obj = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/**
 * Reads `signed.targets[<path>]` of a targets metadata document (TUF spec 4.5: TARGETS with
 * `length` and `hashes`), the top-level targets or a hash bin it delegates to (same shape); null
 * when the document does not list the path with a sha256.
 */
export function signedTargetOf(metadata: Record<string, unknown>, targetPath: string): SignedTarget | null {
  const targets = obj(obj(metadata.signed)?.targets);
  const target = targets && Object.hasOwn(targets, targetPath) ? obj(targets[targetPath]) : null;
  const sha256 = obj(target?.hashes)?.sha256;
  const length = target?.length;
  if (typeof sha256 !== 'string' || typeof length !== 'number' || !Number.isSafeInteger(length)) return null;
  return { sha256, length };
}
