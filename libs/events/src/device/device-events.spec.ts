import { rejectedPaths } from '../test-support/rejected-paths.js';
import { parseDeviceEvent, type DesiredStateChanged, type DeviceEnrolled, type DeviceReportedProgress } from './device-events.js';
import { DeviceState, isTerminalDeviceState } from './device-state.js';

const issuesOf = (raw: unknown): string[] => rejectedPaths(parseDeviceEvent, raw);

const enrolled: DeviceEnrolled = {
  type: 'DeviceEnrolled',
  schemaVersion: 1,
  data: {
    fleet: 'plant-7',
    deviceId: 'cam-dock-03',
    name: 'Dock camera 3',
    certificateSerial: '4f1c2a9be07d',
    certificateFingerprint: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    labels: { line: 'dock', 'site/zone': 'north' },
    hardware: { accelerator: 'jetson-orin-nano', memoryMb: 8192, architecture: 'arm64' },
    enrolledWith: 'et-9k2m4',
  },
};

const progress: DeviceReportedProgress = {
  type: 'DeviceReportedProgress',
  schemaVersion: 2,
  data: {
    fleet: 'plant-7',
    deviceId: 'cam-dock-03',
    assignmentId: 'as-r-2025-0042-cam-dock-03',
    rolloutId: 'r-2025-0042',
    state: 'rolled_back',
    reason: 'probe http://127.0.0.1:8080/healthz failed 3 times',
    reportedAt: '2025-11-04T09:12:44.120Z',
    steps: { downloading: '2025-11-04T09:12:30.000Z', verifying: '2025-11-04T09:12:31.500Z', applying: '2025-11-04T09:12:32.010Z' },
  },
};

const desired: DesiredStateChanged = {
  type: 'DesiredStateChanged',
  schemaVersion: 1,
  data: {
    fleet: 'plant-7',
    deviceId: 'cam-dock-03',
    generation: 4,
    assignments: [
      {
        assignmentId: 'as-r-2025-0042-cam-dock-03',
        rolloutId: 'r-2025-0042',
        action: 'install',
        artifact: {
          name: 'yolo-v8n',
          version: '2.1.0',
          kind: 'model',
          targetPath: 'model/yolo-v8n/2.1.0/model.onnx',
          sha256: '3f786850e387550fdab836ed7e6dc881de23001b4f1d1b5f1ff4ad0b2e4d9d7c',
          length: 6_534_321,
        },
        probe: { kind: 'file', path: '/run/inspector/ready', timeoutSeconds: 30, attempts: 3, initialDelaySeconds: 5 },
      },
    ],
  },
};

describe('device events', () => {
  it('parse an enrollment, a progress report and a desired state to themselves', () => {
    expect(parseDeviceEvent(enrolled)).toEqual(enrolled);
    expect(parseDeviceEvent(progress)).toEqual(progress);
    expect(parseDeviceEvent(desired)).toEqual(desired);
  });

  it('read a v1 progress report (one per step, no step times) as the latest version', () => {
    const { steps: _steps, ...data } = progress.data;
    expect(parseDeviceEvent({ type: 'DeviceReportedProgress', schemaVersion: 1, data })).toEqual({
      type: 'DeviceReportedProgress',
      schemaVersion: 2,
      data,
    });
  });

  it('parse reachability changes and decommissioning', () => {
    const reachability = { fleet: 'plant-7', deviceId: 'cam-dock-03', reachable: false, lastSeenAt: '2025-11-04T09:20:00Z' };
    expect(parseDeviceEvent({ type: 'DeviceReachabilityChanged', schemaVersion: 1, data: reachability }).data).toEqual(reachability);
    const decommissioned = { type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet: 'plant-7', deviceId: 'cam-dock-03' } };
    expect(parseDeviceEvent(decommissioned)).toEqual(decommissioned);
  });

  describe('reject', () => {
    it('an uppercase device id, which cannot be a subject token', () => {
      expect(issuesOf({ ...enrolled, data: { ...enrolled.data, deviceId: 'Cam-Dock-03' } })).toEqual(['data.deviceId']);
    });

    it('a device id with a dot, which would split the subject', () => {
      expect(issuesOf({ ...progress, data: { ...progress.data, deviceId: 'cam.dock' } })).toEqual(['data.deviceId']);
    });

    it('a state the protocol does not define', () => {
      expect(issuesOf({ ...progress, data: { ...progress.data, state: 'installed' } })).toEqual(['data.state']);
    });

    it('generation 0, which no change can have', () => {
      expect(issuesOf({ ...desired, data: { ...desired.data, generation: 0 } })).toEqual(['data.generation']);
    });

    it('a fingerprint that is not a SHA-256 and a serial longer than 20 octets', () => {
      const data = { ...enrolled.data, certificateFingerprint: 'sha256:e3b0', certificateSerial: 'ab'.repeat(21) };
      expect(issuesOf({ ...enrolled, data })).toEqual(['data.certificateSerial', 'data.certificateFingerprint']);
    });
  });
});

describe('device states', () => {
  it('end an assignment only when healthy, rolled back or failed', () => {
    expect(DeviceState.options.filter(isTerminalDeviceState)).toEqual(['healthy', 'rolled_back', 'failed']);
  });
});
