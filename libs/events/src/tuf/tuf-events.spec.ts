import { rejectedPaths } from '../test-support/rejected-paths.js';
import { parseTufEvent, type DelegatedTargetsSigned, type TargetsSigned, type TufRepositoryInitialised } from './tuf-events.js';

const issuesOf = (raw: unknown): string[] => rejectedPaths(parseTufEvent, raw);

const keyId = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
const role = (...keys: number[]) => ({ keyIds: keys.map(keyId), threshold: 1 });

const initialised: TufRepositoryInitialised = {
  type: 'TufRepositoryInitialised',
  schemaVersion: 1,
  data: {
    fleet: 'plant-7',
    development: false,
    consistentSnapshot: true,
    roles: { root: { keyIds: [keyId(1), keyId(2)], threshold: 2 }, targets: role(3), snapshot: role(4), timestamp: role(5) },
  },
};

const targetsSigned: TargetsSigned = {
  type: 'TargetsSigned',
  schemaVersion: 1,
  data: {
    fleet: 'plant-7',
    version: 12,
    expires: '2026-03-01T00:00:00Z',
    targetPaths: ['model/yolo-v8n/2.1.0/model.onnx'],
    metadata: { signed: { _type: 'targets', version: 12 }, signatures: [{ keyid: keyId(3), sig: 'ab' }] },
  },
};

const binSigned: DelegatedTargetsSigned = {
  type: 'DelegatedTargetsSigned',
  schemaVersion: 1,
  data: { ...targetsSigned.data, role: 'bins-3f', version: 4 },
};

describe('TUF events', () => {
  it('parse one signed hash bin to itself', () => {
    expect(parseTufEvent(binSigned)).toEqual(binSigned);
  });

  it('refuse a bin name that is a top-level role, a path or not a hash bin', () => {
    for (const role of ['targets', 'root', '../bins-01', 'bins-0g', 'bins-01.json', 'Bins-01', 'bins-']) {
      expect([role, issuesOf({ ...binSigned, data: { ...binSigned.data, role } })]).toEqual([role, ['data.role']]);
    }
  });

  it('parse an initialised repository and signed targets to themselves', () => {
    expect(parseTufEvent(initialised)).toEqual(initialised);
    expect(parseTufEvent(targetsSigned)).toEqual(targetsSigned);
  });

  it('parse the other signing events, which share one shape', () => {
    for (const type of ['RootMetadataSigned', 'SnapshotSigned', 'TimestampRenewed']) {
      const { targetPaths: _, ...data } = targetsSigned.data;
      expect(parseTufEvent({ type, schemaVersion: 1, data }).type).toBe(type);
    }
  });

  describe('reject', () => {
    it('a threshold above the number of keys', () => {
      const roles = { ...initialised.data.roles, targets: { keyIds: [keyId(3)], threshold: 2 } };
      expect(issuesOf({ ...initialised, data: { ...initialised.data, roles } })).toEqual(['data.roles.targets.threshold']);
    });

    it('a repository missing a role or with a role TUF does not define', () => {
      const { timestamp: _, ...withoutTimestamp } = initialised.data.roles;
      expect(issuesOf({ ...initialised, data: { ...initialised.data, roles: withoutTimestamp } })).toEqual(['data.roles.timestamp']);
      const roles = { ...initialised.data.roles, mirrors: role(6) };
      expect(issuesOf({ ...initialised, data: { ...initialised.data, roles } })).toEqual(['data.roles']);
    });

    it('a target path that climbs out of the repository', () => {
      const data = { ...targetsSigned.data, targetPaths: ['model/../../etc/passwd'] };
      expect(issuesOf({ ...targetsSigned, data })).toEqual(['data.targetPaths.0']);
    });

    it('metadata that is not a JSON object, an expiry that is not ISO-8601 and version 0', () => {
      const data = { ...targetsSigned.data, metadata: ['signed'], expires: 'next March', version: 0 };
      expect(issuesOf({ ...targetsSigned, data })).toEqual(['data.version', 'data.expires', 'data.metadata']);
    });
  });
});
