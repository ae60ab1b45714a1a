import { ConcurrencyError } from '@keelson/domain-kit';
import { eventStreams, type Reactor } from '@keelson/event-store';
import { parseArtifactEvent, type ArtifactEvent, type ArtifactReceived } from '@keelson/events';
import type { TargetEntry } from '@keelson/tuf';
import type { TufRepositories } from '../repository/tuf-repositories.js';

/**
 * The TUF target of a received artifact: its path, length and sha256, and the custom field devices
 * read, `{ keelson: { manifest, artifactId } }`.
 */
export function targetEntryOf(event: ArtifactReceived): TargetEntry {
  const { targetPath, length, sha256, manifest, artifactId } = event.data;
  return { path: targetPath, length, sha256, custom: { keelson: { manifest, artifactId } } };
}

/**
 * Publishing is signing: each `ArtifactReceived` is signed into its fleet's targets, with snapshot
 * and timestamp, in one decision. A redelivery finds the target signed and changes nothing; the
 * same path with other contents is refused by the decider (a DomainError: the runner terminates
 * the message and reports it as poison). Losing a race to another replica more often than the
 * signing loop retries is not a refusal: it is rethrown as a plain error so the message comes back.
 */
export function artifactSigningReactor(repositories: TufRepositories): Reactor<ArtifactEvent> {
  return {
    name: 'signer-artifacts',
    stream: eventStreams.registry,
    filterSubjects: ['ev.artifact.>'],
    parse: parseArtifactEvent,
    async handle({ event, meta, seq }) {
      if (event.type !== 'ArtifactReceived') return;
      const signingMeta = {
        actor: { kind: 'service' as const, id: 'signer' },
        correlationId: meta.correlationId,
        commandId: `sign-artifact-${event.data.artifactId}-${seq}`,
      };
      try {
        await repositories.addTargets(event.data.fleet, [targetEntryOf(event)], signingMeta);
      } catch (err) {
        if (err instanceof ConcurrencyError)
          throw new Error(`signing '${event.data.targetPath}' kept losing races; will retry`, { cause: err });
        throw err;
      }
    },
  };
}
