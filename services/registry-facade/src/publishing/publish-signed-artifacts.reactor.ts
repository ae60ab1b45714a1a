import { ConcurrencyError, isDomainError } from '@keelson/domain-kit';
import { eventStreams, type Reactor } from '@keelson/event-store';
import { parseTufEvent, type TufEvent } from '@keelson/events';
import { artifactIdOf, parseTargetPath } from '../artifacts/artifact-id.js';
import type { Artifacts } from '../artifacts/artifacts.js';
import { signedTargetOf } from './signed-target.js';

const correlationPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** Told about a signed target that was not published (not ours, unknown, other bytes): for logs. */
export type OnNotPublished = (fleet: string, targetPath: string, why: string) => void;

/** Whether the facade serves devices of `fleet` a timestamp and snapshot that reach `role` at `version` or later. */
export type ServesRoleVersion = (fleet: string, role: string, version: number) => Promise<boolean>;

/**
 * The signed targets metadata is not reachable through the served timestamp and snapshot yet (the
 * TUF projection has not written them): not a refusal, so the runner redelivers the event later.
 */
export class NotYetServedError extends Error {
  override readonly name = 'NotYetServedError';
  constructor(fleet: string, role: string, version: number) {
    super(
      `fleet '${fleet}': ${role}.json version ${version} is signed but the served timestamp and snapshot do not reach it yet; publishing waits for them`,
    );
  }
}

/**
 * Publishes artifacts once the signer has signed them: on `DelegatedTargetsSigned` (a hash bin; or
 * `TargetsSigned` of a repository from before hash bins), each listed target path
 * is turned back into its artifact id (name and version are in the path, so this never waits for a
 * read model that may lag) and `PublishArtifact` runs with the length and sha256 that were signed.
 * Only once the facade serves that metadata, though: a published artifact gets rolled out, and a
 * device must then find it through `timestamp.json` and the snapshot it names, which the TUF
 * projection writes on a consumer of its own. Until then the event is retried (`NotYetServedError`).
 * Idempotent: a published artifact yields no new event, and event ids derive from the TUF event's
 * sequence, so a redelivery is also de-duplicated by JetStream.
 */
export function publishSignedArtifacts(
  artifacts: Artifacts,
  servesRoleVersion: ServesRoleVersion,
  onNotPublished: OnNotPublished,
): Reactor<TufEvent> {
  return {
    name: 'registry-publish-signed-artifacts',
    stream: eventStreams.signer,
    filterSubjects: ['ev.tuf.>'],
    parse: parseTufEvent,
    async handle({ event, seq, meta }) {
      if (event.type !== 'TargetsSigned' && event.type !== 'DelegatedTargetsSigned') return;
      const { fleet, version, metadata, targetPaths } = event.data;
      if (targetPaths.length === 0) return;
      const role = event.type === 'DelegatedTargetsSigned' ? event.data.role : 'targets';
      if (!(await servesRoleVersion(fleet, role, version))) throw new NotYetServedError(fleet, role, version);
      for (const [i, targetPath] of targetPaths.entries()) {
        const parts = parseTargetPath(targetPath);
        const signed = signedTargetOf(metadata, targetPath);
        if (!parts || !signed) {
          onNotPublished(
            fleet,
            targetPath,
            parts ? 'the targets metadata does not list it with length and sha256' : 'not a target path this registry writes',
          );
          continue;
        }
        const command = {
          type: 'PublishArtifact',
          targetPath,
          signedSha256: signed.sha256,
          signedLength: signed.length,
          targetsVersion: version,
        } as const;
        const commandId = `publish-tuf-${seq}-${i}`;
        const correlationId = correlationPattern.test(meta.correlationId) ? meta.correlationId : commandId;
        const eventMeta = { actor: { kind: 'service', id: 'registry-facade' } as const, correlationId, commandId };
        try {
          await artifacts.execute(fleet, artifactIdOf(parts.name, parts.version), command, eventMeta);
        } catch (err) {
          // One refused target must not hold back the others; infrastructure failures retry the whole event.
          if (!isDomainError(err) || err instanceof ConcurrencyError) throw err;
          onNotPublished(fleet, targetPath, err.code);
        }
      }
    },
  };
}
