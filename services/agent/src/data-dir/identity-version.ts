import { resolve } from 'node:path';
import type { DataDirLayout } from './layout.js';

/**
 * How many times this process began or finished replacing the device key and certificate of a
 * data directory. Whoever keeps the pair in memory (the TLS client identity) compares this number
 * with the one it read the files under, so it never serves a pair a renewal replaced. Only this
 * process changes a running agent's identity: the renewal swaps the files (pending-renewal.ts),
 * and enrollment refuses a data directory that is already enrolled.
 */
const versions = new Map<string, number>();

/** Each layout's absolute identity directory, resolved once (it is read at every device request). */
const keys = new WeakMap<DataDirLayout, string>();

function keyOf(layout: DataDirLayout): string {
  let key = keys.get(layout);
  if (key === undefined) keys.set(layout, (key = resolve(layout.identityDir)));
  return key;
}

export function identityVersion(layout: DataDirLayout): number {
  return versions.get(keyOf(layout)) ?? 0;
}

/** Call before the first live identity file is replaced and again after the last one is. */
export function identityReplaced(layout: DataDirLayout): void {
  versions.set(keyOf(layout), identityVersion(layout) + 1);
}
