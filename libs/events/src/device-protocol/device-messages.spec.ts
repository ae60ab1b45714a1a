import { rejectedPaths } from '../test-support/rejected-paths.js';
import { deviceMessages, parseDeviceMessage, type DesiredState, type DeviceHello, type DeviceReport } from './device-messages.js';

const issuesOf = (raw: unknown): string[] => rejectedPaths(parseDeviceMessage, raw);

const sha256 = '3f786850e387550fdab836ed7e6dc881de23001b4f1d1b5f1ff4ad0b2e4d9d7c';

const hello: DeviceHello = {
  type: 'DeviceHello',
  schemaVersion: 1,
  data: {
    deviceId: 'cam-dock-02',
    agentVersion: '0.9.3',
    installed: [{ name: 'yolo-v8n', version: '2.0.4', sha256 }],
    desiredGeneration: 3,
    hardware: { accelerator: 'jetson-orin-nano', memoryMb: 8192, architecture: 'arm64' },
  },
};

const report: DeviceReport = {
  type: 'DeviceReport',
  schemaVersion: 2,
  data: {
    deviceId: 'cam-dock-02',
    assignmentId: 'as-r-2025-0042-cam-dock-02',
    rolloutId: 'r-2025-0042',
    state: 'failed',
    reason: 'not enough space on /var/lib/keelson',
    sentAt: '2025-11-04T09:14:02Z',
    steps: { downloading: '2025-11-04T09:13:58Z', verifying: '2025-11-04T09:14:01Z' },
    installed: [{ name: 'yolo-v8n', version: '2.0.4', sha256 }],
  },
};

const assignment = {
  assignmentId: 'as-r-2025-0042-cam-dock-02',
  rolloutId: 'r-2025-0042',
  action: 'install',
  artifact: { name: 'yolo-v8n', version: '2.1.0', kind: 'model', targetPath: 'model/yolo-v8n/2.1.0/model.onnx', sha256, length: 6_534_321 },
  probe: { kind: 'exec', path: '/opt/inspector/bin/selftest', timeoutSeconds: 60, attempts: 2, initialDelaySeconds: 0 },
} as const;

const desired: DesiredState = {
  type: 'DesiredState',
  schemaVersion: 1,
  data: { deviceId: 'cam-dock-02', generation: 4, assignments: [assignment] },
};

describe('device protocol', () => {
  it('parses a hello, a report, a heartbeat and a desired state to themselves', () => {
    const heartbeat = {
      type: 'DeviceHeartbeat',
      schemaVersion: 1,
      data: { deviceId: 'cam-dock-02', uptimeSeconds: 86_400, sentAt: '2025-11-04T09:15:00Z' },
    };
    for (const message of [hello, report, heartbeat, desired]) expect(parseDeviceMessage(message)).toEqual(message);
  });

  it('reads a report of a v1 agent (no step times) as the latest version', () => {
    const { steps: _steps, installed: _installed, ...data } = report.data;
    expect(parseDeviceMessage({ type: 'DeviceReport', schemaVersion: 1, data })).toEqual({ type: 'DeviceReport', schemaVersion: 2, data });
    expect(issuesOf({ type: 'DeviceReport', schemaVersion: 1, data: report.data })).toEqual(['data']);
  });

  it('parses a step a device entered, and refuses an outcome or a reason on the progress topic', () => {
    const progress = {
      type: 'DeviceProgress',
      schemaVersion: 1,
      data: { deviceId: 'cam-dock-02', assignmentId: 'as-1', rolloutId: 'r-1', state: 'verifying', sentAt: '2025-11-04T09:14:01Z' },
    };
    expect(parseDeviceMessage(progress)).toEqual(progress);
    expect(issuesOf({ ...progress, data: { ...progress.data, state: 'healthy' } })).toEqual(['data.state']);
    expect(issuesOf({ ...progress, data: { ...progress.data, reason: 'x' } })).toEqual(['data']);
  });

  it('carries a W3C traceparent down in the desired state and back in the reports, and refuses a malformed one', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const progress = {
      type: 'DeviceProgress',
      schemaVersion: 1,
      data: { deviceId: 'cam-dock-02', assignmentId: 'as-1', rolloutId: 'r-1', state: 'verifying', sentAt: '2025-11-04T09:14:01Z' },
    };
    for (const message of [desired, report, progress]) {
      const traced = { ...message, data: { ...message.data, traceparent } };
      expect(parseDeviceMessage(traced)).toEqual(traced);
      for (const bad of ['00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', `${traceparent}-x`, '', 'x'.repeat(55)]) {
        expect(issuesOf({ ...message, data: { ...message.data, traceparent: bad } })).toEqual(['data.traceparent']);
      }
    }
  });

  it('parses the empty desired state of a device never assigned anything', () => {
    const empty = { type: 'DesiredState', schemaVersion: 1, data: { deviceId: 'cam-dock-02', generation: 0, assignments: [] } };
    expect(parseDeviceMessage(empty)).toEqual(empty);
  });

  describe('rejects, since devices are outside our trust,', () => {
    it('a report reason over 500 characters', () => {
      expect(issuesOf({ ...report, data: { ...report.data, reason: 'x'.repeat(501) } })).toEqual(['data.reason']);
    });

    it('an uppercase device id', () => {
      expect(issuesOf({ ...report, data: { ...report.data, deviceId: 'CAM-DOCK-02' } })).toEqual(['data.deviceId']);
    });

    it('more than 100 installed artifacts', () => {
      const installed = Array.from({ length: 101 }, (_, i) => ({ name: `model-${i}`, version: '1.0.0', sha256 }));
      expect(issuesOf({ ...hello, data: { ...hello.data, installed } })).toEqual(['data.installed']);
    });

    it('more than 100 assignments', () => {
      expect(issuesOf({ ...desired, data: { ...desired.data, assignments: Array(101).fill(assignment) } })).toEqual(['data.assignments']);
    });

    it('an agent version that could escape a path and a negative generation', () => {
      expect(issuesOf({ ...hello, data: { ...hello.data, agentVersion: '0.9/../../x', desiredGeneration: -1 } })).toEqual([
        'data.agentVersion',
        'data.desiredGeneration',
      ]);
    });

    it('more than 100 installed artifacts in an outcome', () => {
      const installed = Array.from({ length: 101 }, (_, i) => ({ name: `model-${i}`, version: '1.0.0', sha256 }));
      expect(issuesOf({ ...report, data: { ...report.data, installed } })).toEqual(['data.installed']);
    });

    it('step times that are not times, or steps an assignment does not have', () => {
      expect(issuesOf({ ...report, data: { ...report.data, steps: { downloading: 'yesterday' } } })).toEqual(['data.steps.downloading']);
      expect(issuesOf({ ...report, data: { ...report.data, steps: { probing: '2025-11-04T09:14:01Z' } } })).toEqual(['data.steps']);
    });

    it('fields the message does not declare', () => {
      expect(issuesOf({ ...report, data: { ...report.data, fleet: 'plant-8' } })).toEqual(['data']);
    });

    it('payloads that are not JSON', () => {
      expect(() => deviceMessages.parseJson('{"type":"DeviceHello",')).toThrow(expect.objectContaining({ code: 'message.not-json' }));
    });
  });
});
