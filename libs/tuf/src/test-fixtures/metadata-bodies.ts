import { Snapshot, Targets, Timestamp } from '@tufjs/models';
import { binOf, expiresAt, specVersion, targetFileOf, type TargetEntry } from '../index.js';
import { day } from './signing-keys.js';

// The unsigned documents a KeyedRepository signs when a spec picks what goes in them: a version of
// its choosing (a gap, or a version signed again), a path listed again.

/** A version a spec chooses for the next document of a role, in place of the current one + 1. */
export interface ChosenVersion {
  version?: number;
}

/**
 * `current` (or an empty targets) with `entries` signed in, at `version`, valid 90 days: unlike the
 * signer's `nextTargets`/`nextBin`, a path signed before is listed again (with these bytes), which
 * is what a spec of a re-signing, or of a forged digest, needs.
 */
export function withTargets(current: Targets | null, entries: TargetEntry[], version: number, now: Date): Targets {
  const targets = { ...current?.targets };
  for (const entry of entries) targets[entry.path] = targetFileOf(entry);
  return new Targets({ version, specVersion, expires: expiresAt(now, 90 * day), targets, delegations: current?.delegations });
}

/** `entries` by the role that signs them: the hash bin each falls into (TAP 15) under `delegating`, or `targets` when flat. */
export function byRole(delegating: Targets | null, entries: TargetEntry[]): Map<string, TargetEntry[]> {
  const roles = new Map<string, TargetEntry[]>();
  for (const entry of entries) {
    const role = delegating ? binOf(delegating, entry.path) : 'targets';
    roles.set(role, [...(roles.get(role) ?? []), entry]);
  }
  return roles;
}

/** `body` at `version` instead of its own, when a spec chose one. */
export function atVersion<T extends Snapshot | Timestamp>(body: T, version: number | undefined): T {
  if (version === undefined) return body;
  const json = { ...body.toJSON(), version };
  return (body instanceof Snapshot ? Snapshot.fromJSON(json) : Timestamp.fromJSON(json)) as T;
}
