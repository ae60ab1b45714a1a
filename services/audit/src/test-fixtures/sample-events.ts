import type { KeelsonEvent } from '@keelson/events';

// Valid events of every family, shaped as their owners write them.
export const sha = (c: string) => c.repeat(64);

export const artifactRef = (name: string, version = '1.0.0') => ({
  name,
  version,
  kind: 'model' as const,
  targetPath: `model/${name}/${version}/model.onnx`,
  sha256: sha('a'),
  length: 1234,
});

export function artifactReceived(fleet: string, artifactId: string, name: string, version = '1.0.0'): KeelsonEvent {
  return {
    type: 'ArtifactReceived',
    schemaVersion: 1,
    data: {
      fleet,
      artifactId,
      ...artifactRef(name, version),
      manifest: {
        kind: 'model',
        framework: 'onnx',
        inputs: [{ name: 'images', dtype: 'float32', shape: [-1, 3, 640, 640] }],
        metrics: { map: 0.373 },
        hardware: {},
      },
    },
  } as KeelsonEvent;
}

export function artifactPublished(fleet: string, artifactId: string, name: string, version = '1.0.0'): KeelsonEvent {
  const { kind: _kind, ...ref } = artifactRef(name, version);
  return { type: 'ArtifactPublished', schemaVersion: 1, data: { fleet, artifactId, ...ref, targetsVersion: 2 } };
}

export const artifactRejected = (fleet: string, artifactId: string): KeelsonEvent => ({
  type: 'ArtifactRejected',
  schemaVersion: 1,
  data: { fleet, artifactId, reason: 'signing refused' },
});

export const targetsSigned = (fleet: string, ...targetPaths: string[]): KeelsonEvent => ({
  type: 'TargetsSigned',
  schemaVersion: 1,
  data: {
    fleet,
    version: 2,
    expires: '2030-01-01T00:00:00.000Z',
    metadata: { signed: { _type: 'targets', version: 2 }, signatures: [] },
    targetPaths,
  },
});

export function rolloutCreated(fleet: string, rolloutId: string, artifact: string, deviceIds: string[]): KeelsonEvent {
  return {
    type: 'RolloutCreated',
    schemaVersion: 1,
    data: {
      fleet,
      rolloutId,
      artifact: artifactRef(artifact),
      groupId: 'g-1',
      deviceIds,
      probe: { kind: 'file', path: '/tmp/ok', timeoutSeconds: 10, attempts: 1, initialDelaySeconds: 0 },
      strategy: { waves: [{ percent: 100, gate: 'auto' }], maxFailures: 0 },
      createdAt: '2026-01-01T00:00:00.000Z',
    },
  } as unknown as KeelsonEvent; // a version-1 event, as older streams hold them
}

// a version-1 event, as older streams hold them
export const waveStarted = (fleet: string, rolloutId: string, deviceIds: string[]): KeelsonEvent =>
  ({ type: 'WaveStarted', schemaVersion: 1, data: { fleet, rolloutId, wave: 0, deviceIds } }) as unknown as KeelsonEvent;

export const rolloutHalted = (fleet: string, rolloutId: string): KeelsonEvent => ({
  type: 'RolloutHalted',
  schemaVersion: 1,
  data: { fleet, rolloutId, reason: 'operator asked', automatic: false, haltedAt: '2026-01-01T00:00:00.000Z' },
});

export const deviceEnrolled = (fleet: string, deviceId: string): KeelsonEvent => ({
  type: 'DeviceEnrolled',
  schemaVersion: 1,
  data: {
    fleet,
    deviceId,
    name: `Device ${deviceId}`,
    certificateSerial: '0a',
    certificateFingerprint: sha('c'),
    labels: {},
    hardware: {},
    enrolledWith: 'et-1',
  },
});

/** As version 1 stored it (one per step, no step times): the audit chain's fixtures pin its hashes. */
export const deviceReported = (fleet: string, deviceId: string, rolloutId: string, state: 'downloading' | 'healthy'): KeelsonEvent =>
  ({
    type: 'DeviceReportedProgress',
    schemaVersion: 1,
    data: { fleet, deviceId, assignmentId: `${rolloutId}-${deviceId}`, rolloutId, state, reportedAt: '2026-01-01T00:00:00.000Z' },
  }) as unknown as KeelsonEvent;

export const tokenIssued = (fleet: string, tokenId: string): KeelsonEvent => ({
  type: 'EnrollmentTokenIssued',
  schemaVersion: 1,
  data: { fleet, tokenId, tokenSha256: sha('d'), expiresAt: '2030-01-01T00:00:00.000Z', labels: {} },
});

export const rolloutFinishedFailed = (fleet: string, rolloutId: string): KeelsonEvent => ({
  type: 'RolloutFinished',
  schemaVersion: 1,
  data: { fleet, rolloutId, outcome: 'failed', finishedAt: '2026-01-01T00:00:00.000Z' },
});
