import {
  artifactPublished,
  artifactReceived,
  deviceReported,
  rolloutCreated,
  targetsSigned,
  deviceEnrolled,
} from '../test-fixtures/sample-events.js';
import { artifactRef } from '../test-fixtures/sample-events.js';
import { referencesOf } from './event-references.js';

const refs = (family: string, event: { data: unknown }) => referencesOf(family, event.data as Record<string, unknown>);

describe('what an event concerns', () => {
  it('a rollout: its id, its devices and the artifact name', () => {
    expect(refs('rollout', rolloutCreated('default', 'r-1', 'yolo', ['d-1', 'd-2']))).toEqual({
      rolloutIds: ['r-1'],
      deviceIds: ['d-1', 'd-2'],
      artifacts: ['yolo'],
    });
  });

  it('a device report: the device and the rollout it reports on', () => {
    expect(refs('device', deviceReported('default', 'd-1', 'r-1', 'healthy'))).toEqual({
      rolloutIds: ['r-1'],
      deviceIds: ['d-1'],
      artifacts: [],
    });
  });

  it('a desired state: the device, and the rollout and artifact of each assignment', () => {
    const assignment = (rolloutId: string, name: string) => ({
      assignmentId: `${rolloutId}-d-1`,
      rolloutId,
      action: 'install',
      artifact: artifactRef(name),
    });
    const data = { fleet: 'default', deviceId: 'd-1', generation: 2, assignments: [assignment('r-1', 'yolo'), assignment('r-2', 'cfg')] };
    expect(referencesOf('device', data)).toEqual({ rolloutIds: ['r-1', 'r-2'], deviceIds: ['d-1'], artifacts: ['yolo', 'cfg'] });
  });

  it('an artifact: its name, but a device or group name is no artifact', () => {
    expect(refs('artifact', artifactReceived('default', 'a-1', 'yolo')).artifacts).toEqual(['yolo']);
    expect(refs('artifact', artifactPublished('default', 'a-1', 'yolo')).artifacts).toEqual(['yolo']);
    expect(refs('device', deviceEnrolled('default', 'd-1'))).toEqual({ rolloutIds: [], deviceIds: ['d-1'], artifacts: [] });
  });

  it('an experiment: its artifact name and the devices of its arms', () => {
    expect(referencesOf('experiment', { fleet: 'default', experimentId: 'x-1', artifactName: 'yolo', candidate: '2.0.0' })).toEqual({
      rolloutIds: [],
      deviceIds: [],
      artifacts: ['yolo'],
    });
    const arms = { fleet: 'default', experimentId: 'x-1', candidateDeviceIds: ['d-1'], controlDeviceIds: ['d-2'], untouchedCount: 3 };
    expect(referencesOf('experiment', arms)).toEqual({ rolloutIds: [], deviceIds: ['d-1', 'd-2'], artifacts: [] });
    expect(referencesOf('experiment', { fleet: 'default', experimentId: 'x-1', arm: 'candidate', rolloutId: 'r-1' }).rolloutIds).toEqual([
      'r-1',
    ]);
  });

  it('signed targets: the artifact names inside the target paths', () => {
    expect(refs('tuf', targetsSigned('default', 'model/yolo/1.0.0/model.onnx', 'config/cfg/2.0.0/c.yaml')).artifacts).toEqual([
      'yolo',
      'cfg',
    ]);
  });

  it('ignores values that are not ids', () => {
    expect(referencesOf('rollout', { rolloutId: 'Not An Id', deviceIds: ['ok-1', 7, '../x'] })).toEqual({
      rolloutIds: [],
      deviceIds: ['ok-1'],
      artifacts: [],
    });
  });

  it('lists each id once, in the order first named, for a chunk of a large rollout as for a small event', () => {
    const deviceIds = Array.from({ length: 1500 }, (_, i) => `d-${i}`);
    const data = {
      fleet: 'default',
      rolloutId: 'r-1',
      deviceId: 'd-7',
      deviceIds: [...deviceIds, 'd-3', 'd-1499', 'Bad'],
      artifact: artifactRef('yolo'),
    };
    expect(referencesOf('rollout', data)).toEqual({
      rolloutIds: ['r-1'],
      deviceIds: ['d-7', ...deviceIds.filter((d) => d !== 'd-7')],
      artifacts: ['yolo'],
    });
    expect(referencesOf('tuf', { targetPaths: ['model/yolo/1/a', 'model/yolo/2/b', 'config/cfg/1/c'] }).artifacts).toEqual(['yolo', 'cfg']);
  });
});
