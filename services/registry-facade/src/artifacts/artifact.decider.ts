import { assertNever, NotFound, RuleViolation, type Decider } from '@keelson/domain-kit';
import type { ArtifactEvent, ArtifactManifest, ArtifactKind } from '@keelson/events';

/** What the aggregate remembers of a stored artifact: enough to refuse and to publish. */
interface Stored {
  fleet: string;
  artifactId: string;
  name: string;
  version: string;
  targetPath: string;
  sha256: string;
  length: number;
}

/** One artifact (`ev.artifact.<fleet>.<artifactId>`): nothing, then received, then published or rejected. */
export type Artifact = { status: 'absent' } | ({ status: 'received' | 'published' | 'rejected' } & Stored);

export type ArtifactCommand =
  | {
      type: 'ReceiveArtifact';
      fleet: string;
      artifactId: string;
      name: string;
      version: string;
      kind: ArtifactKind;
      targetPath: string;
      sha256: string;
      length: number;
      contentType?: string;
      manifest: ArtifactManifest;
    }
  | {
      /** The signer signed `targetPath` into targets `targetsVersion` with this digest and length. */
      type: 'PublishArtifact';
      targetPath: string;
      signedSha256: string;
      signedLength: number;
      targetsVersion: number;
    };

export const initialState = (): Artifact => ({ status: 'absent' });

function publish(command: Extract<ArtifactCommand, { type: 'PublishArtifact' }>, state: Artifact): ArtifactEvent[] {
  if (state.status === 'absent') throw new NotFound('artifact', command.targetPath);
  if (state.status === 'published') return []; // signed again in a later targets version: nothing new
  if (state.status === 'rejected')
    throw new RuleViolation('artifact.rejected', `artifact '${state.name}@${state.version}' was rejected and cannot be published`);
  if (command.targetPath !== state.targetPath) {
    throw new RuleViolation(
      'artifact.target-mismatch',
      `'${command.targetPath}' is not the target path of '${state.name}@${state.version}'`,
    );
  }
  const { fleet, artifactId, name, version, targetPath, sha256, length } = state;
  // Devices verify the bytes against what was signed: a signature over other bytes would make the
  // artifact undeliverable forever, so it is refused here instead of published.
  if (command.signedSha256 !== sha256 || command.signedLength !== length) {
    return [
      {
        type: 'ArtifactRejected',
        schemaVersion: 1,
        data: { fleet, artifactId, reason: 'the signed target lists another sha256 or length than the stored blob' },
      },
    ];
  }
  return [
    {
      type: 'ArtifactPublished',
      schemaVersion: 1,
      data: { fleet, artifactId, name, version, targetPath, sha256, length, targetsVersion: command.targetsVersion },
    },
  ];
}

export function decide(command: ArtifactCommand, state: Artifact): ArtifactEvent[] {
  switch (command.type) {
    case 'ReceiveArtifact': {
      // Versions are immutable: devices and signatures already refer to the first bytes.
      if (state.status !== 'absent')
        throw new RuleViolation('artifact.exists', `artifact '${command.name}@${command.version}' already exists in this fleet`);
      const { type: _type, ...data } = command;
      return [{ type: 'ArtifactReceived', schemaVersion: 1, data }];
    }
    case 'PublishArtifact':
      return publish(command, state);
    default:
      return assertNever(command);
  }
}

export function evolve(state: Artifact, event: ArtifactEvent): Artifact {
  switch (event.type) {
    case 'ArtifactReceived': {
      const { fleet, artifactId, name, version, targetPath, sha256, length } = event.data;
      return { status: 'received', fleet, artifactId, name, version, targetPath, sha256, length };
    }
    case 'ArtifactPublished':
      return state.status === 'absent' ? state : { ...state, status: 'published' };
    case 'ArtifactRejected':
      return state.status === 'absent' ? state : { ...state, status: 'rejected' };
    default:
      return state;
  }
}

export const artifactDecider: Decider<ArtifactCommand, ArtifactEvent, Artifact> = { initialState, decide, evolve };
