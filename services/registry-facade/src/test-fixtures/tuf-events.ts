import { randomUUID } from 'node:crypto';
import type { TufEvent } from '@keelson/events';
import type { FacadeApp } from './facade-app.js';

type Role = 'root' | 'targets' | 'snapshot' | 'timestamp';
const expires = '2030-01-01T00:00:00.000Z';

/** A well-formed signed TUF document as the signer's events carry it (the facade never checks signatures). */
export function signedDocument(role: Role, version: number, signed: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    signatures: [{ keyid: 'ab'.repeat(32), sig: 'cd'.repeat(64) }],
    signed: { _type: role, spec_version: '1.0.31', version, expires: '2030-01-01T00:00:00Z', ...signed },
  };
}

/** `TargetsSigned` listing `targets` with their length and sha256 (and the Keelson custom field). */
export function targetsSigned(
  fleet: string,
  version: number,
  targets: Record<string, { sha256: string; length: number }>,
  targetPaths = Object.keys(targets),
): TufEvent {
  const listed = Object.fromEntries(
    Object.entries(targets).map(([path, t]) => [
      path,
      { length: t.length, hashes: { sha256: t.sha256 }, custom: { keelson: { artifactId: 'set-by-signer' } } },
    ]),
  );
  return {
    type: 'TargetsSigned',
    schemaVersion: 1,
    data: { fleet, version, expires, metadata: signedDocument('targets', version, { targets: listed }), targetPaths },
  };
}

/** `DelegatedTargetsSigned`: hash bin `role` listing `targets`, as the signer signs a published target into its bin. */
export function binSigned(
  fleet: string,
  role: string,
  version: number,
  targets: Record<string, { sha256: string; length: number }>,
  targetPaths = Object.keys(targets),
): TufEvent {
  const event = targetsSigned(fleet, version, targets, targetPaths);
  return {
    type: 'DelegatedTargetsSigned',
    schemaVersion: 1,
    data: { ...(event.data as Extract<TufEvent, { type: 'TargetsSigned' }>['data']), role },
  };
}

const typeOf = { root: 'RootMetadataSigned', snapshot: 'SnapshotSigned', timestamp: 'TimestampRenewed' } as const;

/** A signing event of another role, carrying `document`. */
export function metadataSigned(
  fleet: string,
  role: Exclude<Role, 'targets'>,
  version: number,
  document = signedDocument(role, version),
): TufEvent {
  return { type: typeOf[role], schemaVersion: 1, data: { fleet, version, expires, metadata: document } };
}

/**
 * `signed` (a targets or a hash bin) as the signer appends it: followed by snapshot `n` listing it and
 * timestamp `n` naming that snapshot, so the facade serves it to devices (and only then publishes).
 * `n` must grow with each call for the fleet: the newest timestamp is the one served.
 */
export function signingBatch(fleet: string, signed: TufEvent, n: number): TufEvent[] {
  if (signed.type !== 'TargetsSigned' && signed.type !== 'DelegatedTargetsSigned')
    throw new Error(`${signed.type} is not a targets signing`);
  const role = signed.type === 'DelegatedTargetsSigned' ? signed.data.role : 'targets';
  return [
    signed,
    metadataSigned(fleet, 'snapshot', n, signedDocument('snapshot', n, { meta: { [`${role}.json`]: { version: signed.data.version } } })),
    metadataSigned(fleet, 'timestamp', n, signedDocument('timestamp', n, { meta: { 'snapshot.json': { version: n } } })),
  ];
}

/** Appends to `ev.tuf.<fleet>.repository` as the signer would. */
export async function appendTuf(facade: FacadeApp, fleet: string, ...events: TufEvent[]): Promise<void> {
  const subject = facade.tuf.subject('tuf', fleet, 'repository');
  const { lastSeq } = await facade.tuf.load(subject);
  await facade.tuf.append(subject, lastSeq, events, {
    actor: { kind: 'service', id: 'signer' },
    correlationId: 'spec',
    commandId: randomUUID(),
  });
}
