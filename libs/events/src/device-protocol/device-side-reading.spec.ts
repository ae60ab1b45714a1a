import { rejectedPaths } from '../test-support/rejected-paths.js';
import { fastDesiredState } from './device-messages.fast.js';
import { parseDeviceMessage, type DesiredState } from './device-messages.js';
import { parseMessageOnDevice } from './device-side-reading.js';

const sha256 = '3f786850e387550fdab836ed7e6dc881de23001b4f1d1b5f1ff4ad0b2e4d9d7c';
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

const desired: DesiredState = {
  type: 'DesiredState',
  schemaVersion: 1,
  data: {
    deviceId: 'cam-dock-02',
    generation: 4,
    assignments: [
      {
        assignmentId: 'r-2025-0042-cam-dock-02',
        rolloutId: 'r-2025-0042',
        artifact: {
          name: 'yolo-v8n',
          version: '2.1.0',
          kind: 'model',
          targetPath: 'model/yolo-v8n/2.1.0/model.onnx',
          sha256,
          length: 6_534_321,
        },
        probe: { kind: 'file', path: '/run/app/ready', timeoutSeconds: 60, attempts: 2, initialDelaySeconds: 0 },
        action: 'install',
      },
    ],
    traceparent,
  },
};

/** `desired` with a field a later platform might add at each level an agent reads. */
const fromALaterPlatform = {
  ...desired,
  sentBy: 'gateway-7',
  data: {
    ...desired.data,
    priority: 'high',
    assignments: desired.data.assignments.map((a) => ({
      ...a,
      deadline: '2026-12-31T00:00:00.000Z',
      artifact: { ...a.artifact, signatureBundle: { mediaType: 'x' } },
      probe: { ...a.probe, successThreshold: 2 },
    })),
  },
};

const issuesOnDevice = (raw: unknown): string[] => rejectedPaths(parseMessageOnDevice, raw);

describe('an agent reading what the platform sends it', () => {
  it('reads a desired state with fields it does not know, and drops them', () => {
    expect(parseMessageOnDevice(fromALaterPlatform)).toEqual(desired);
  });

  it('reads a current desired state to itself, on the fast path as through zod', () => {
    expect(fastDesiredState(desired)).toEqual(desired);
    expect(parseMessageOnDevice(desired)).toEqual(desired);
    // The fast path stays strict: a message with an unknown field is left to the tolerant schema.
    expect(fastDesiredState(fromALaterPlatform)).toBeUndefined();
    expect(JSON.stringify(parseMessageOnDevice(fromALaterPlatform))).toBe(JSON.stringify(fastDesiredState(desired)));
  });

  it('still refuses a known field that breaks its rule, beside an unknown one', () => {
    const bad = { ...fromALaterPlatform, data: { ...fromALaterPlatform.data, generation: -1, traceparent: 'not-a-trace' } };
    expect(issuesOnDevice(bad)).toEqual(['data.generation', 'data.traceparent']);
    const [assignment] = fromALaterPlatform.data.assignments;
    const badProbe = { ...assignment!, probe: { ...assignment!.probe, path: '/a/../etc/shadow' } };
    expect(issuesOnDevice({ ...fromALaterPlatform, data: { ...fromALaterPlatform.data, assignments: [badProbe] } })).toEqual([
      'data.assignments.0.probe.path',
    ]);
  });

  it('refuses a desired state of a schema version it does not know, or another message type', () => {
    expect(() => parseMessageOnDevice({ ...desired, schemaVersion: 2 })).toThrow(
      expect.objectContaining({ code: 'message.unknown-version' }),
    );
    const hello = {
      type: 'DeviceHello',
      schemaVersion: 1,
      data: { deviceId: 'cam-dock-02', agentVersion: '1.0.0', installed: [], desiredGeneration: 0 },
    };
    expect(() => parseMessageOnDevice(hello)).toThrow(expect.objectContaining({ code: 'message.unknown-type' }));
  });

  it('leaves the platform side strict: the gateway refuses undeclared fields', () => {
    expect(rejectedPaths(parseDeviceMessage, fromALaterPlatform)).toEqual(expect.arrayContaining(['', 'data']));
  });
});
