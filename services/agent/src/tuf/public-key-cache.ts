import { createRequire } from 'node:module';

// @tufjs/models 5.0.x turns a TUF key into a Node KeyObject (`createPublicKey`, an SPKI parse) for
// every signature it checks: a device's refresh checks the root, timestamp, snapshot and targets
// signatures and its hash bin's, each time parsing the same few keys again (3.5 % of the simulated
// fleet's CPU in the issue 11 profile). This keeps the key objects of the keys seen, by their exact
// type, scheme and value: the same input always gives the same key, so what is verified, and
// against which key, does not change. Errors (an unsupported or malformed key) are not kept: they
// are thrown again each time. Patched on the copy tuf-js itself loads, like linear-snapshot.ts.

interface KeyInfo {
  keyType: string;
  scheme: string;
  keyVal: string;
}
interface KeyUtils {
  getPublicKey(keyInfo: KeyInfo): unknown;
}

const requireFromTufJs = createRequire(createRequire(import.meta.url).resolve('tuf-js'));
const keyUtils = requireFromTufJs('@tufjs/models/dist/utils/key.js') as KeyUtils;
const { version } = requireFromTufJs('@tufjs/models/package.json') as { version: string };

/** The library's own function, for the spec's comparison. */
export const originalGetPublicKey = keyUtils.getPublicKey;

/** More keys than a fleet repository has (root, timestamp, snapshot, targets, bins): past it, start again. */
const maxKept = 64;
const kept = new Map<string, unknown>();

function keptPublicKey(keyInfo: KeyInfo): unknown {
  const id = JSON.stringify([keyInfo.keyType, keyInfo.scheme, keyInfo.keyVal]);
  const known = kept.get(id);
  if (known) return known;
  const key = originalGetPublicKey(keyInfo);
  if (kept.size >= maxKept) kept.clear();
  kept.set(id, key);
  return key;
}

/** Whether the key objects are kept: only on the @tufjs/models version this was checked against. */
export const publicKeyCacheInstalled = /^5\.0\./.test(version);
if (publicKeyCacheInstalled) keyUtils.getPublicKey = keptPublicKey;
