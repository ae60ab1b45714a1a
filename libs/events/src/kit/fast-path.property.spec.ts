import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { fastDeviceReportedProgress } from '../device/device-events.fast.js';
import { DeviceReportedProgress, parseDeviceEvent } from '../device/device-events.js';
import { fastDeviceOutcomeRecorded } from '../rollout/rollout-events.fast.js';
import { DeviceOutcomeRecorded, parseRolloutEvent } from '../rollout/rollout-events.js';
import { fastDesiredState, fastDeviceProgress, fastDeviceReport } from '../device-protocol/device-messages.fast.js';
import { DesiredState, DeviceProgress, DeviceReport, parseDeviceMessage } from '../device-protocol/device-messages.js';
import type { FastPath } from './fast-path.js';

/** mulberry32: a failing seed can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const times = [
  '2026-12-07T00:41:12.345Z',
  '2024-02-29T23:59:59.999Z',
  '2025-02-29T10:00:00.000Z',
  '2026-13-01T00:00:00.000Z',
  '2026-12-07T24:00:00.000Z',
  '2026-12-07T00:00:60.000Z',
  '2026-12-07T00:00:00Z',
  '2026-12-07T00:00:00.123456Z',
  '2026-12-07T00:00:00.000+01:00',
  '2026-12-07 00:00:00.000Z',
  '0000-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '+012026-12-07T00:00:00.000Z',
  '2026-04-31T00:00:00.000Z',
  '2026-12-07T00:00:00.000z',
];
const tokens = [
  'plant-7',
  'cam-dock-03',
  'r-0123456789ab',
  'a',
  '0',
  'x'.repeat(63),
  'x'.repeat(64),
  '-lead',
  'Upper',
  'dot.ted',
  'sp ace',
  '',
  'ünï',
  'a*',
  'a>',
];
const reasons = ['probe failed', 'r', '', 'x'.repeat(500), 'x'.repeat(501), '😀'.repeat(250), '😀'.repeat(251), 'line\nbreak'];
const states = ['downloading', 'verifying', 'applying', 'healthy', 'rolled_back', 'failed', 'Healthy', 'unknown', ''];
const sha = 'a'.repeat(64);
const shas = [sha, 'A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), 'g'.repeat(64)];
const artifactNames = ['yolo-v8n', 'x'.repeat(100), 'x'.repeat(101), '.hidden', 'Yolo', 'a/b', ''];
const versions = ['2.1.0', 'x'.repeat(64), 'x'.repeat(65), '-1', '1 0', '../1', ''];
const targetPaths = [
  'model/yolo-v8n/2.1.0/model.onnx',
  'config/a/1/b+c_d.json',
  'x',
  'model/../etc',
  './a',
  'a//b',
  '/abs',
  'a/' + 'x'.repeat(510),
  'a/' + 'x'.repeat(511),
  'ü/a',
];
const paths = [
  '/run/app/ready',
  '/usr/bin/check',
  '/a/./b',
  '/a/../b',
  'rel/path',
  '/a//b',
  '/' + 'x'.repeat(511),
  '/' + 'x'.repeat(512),
  '/a\0b',
  '/',
];
const ints = [0, 1, 10, 300, 301, 3600, 3601, -1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, NaN, Infinity, '1'];
const traceparents = [
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
  '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
  '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7',
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x',
  '',
];
const others: unknown[] = [null, undefined, 0, 1.5, -1, true, [], {}, [1], 'x', Object.create(null), new Date(0)];

class Inputs {
  constructor(private readonly random: () => number) {}
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  /** Mostly a good value from `good`, sometimes any of `pool`, rarely something of another kind. */
  value(good: readonly unknown[], pool: readonly unknown[]): unknown {
    return this.chance(0.75) ? this.pick(good) : this.chance(0.7) ? this.pick(pool) : this.pick(others);
  }
  /** `fields` with optional keys left out, a key dropped or added now and then, in a random order. */
  object(fields: Record<string, () => unknown>, optional: readonly string[]): Record<string, unknown> {
    const entries = Object.entries(fields).filter(([k]) => !(optional.includes(k) && this.chance(0.5)) && !this.chance(0.03));
    const out = entries.map(([k, make]) => [k, make()] as [string, unknown]);
    if (this.chance(0.04)) out.push([this.pick(['extra', 'Type', '__proto__', 'steps', 'reason']), this.pick([...others, 'x'])]);
    if (this.chance(0.3)) out.reverse();
    return Object.fromEntries(out);
  }
  envelope(type: string, version: number, data: unknown): unknown {
    const raw = this.object(
      {
        type: () => (this.chance(0.97) ? type : this.pick(['Other', 1, null])),
        schemaVersion: () => (this.chance(0.95) ? version : this.pick([version + 1, `${version}`, 0])),
        data: () => (this.chance(0.98) ? data : this.pick(others)),
      },
      [],
    );
    return this.chance(0.02) ? [raw] : raw;
  }
  progress(): unknown {
    const steps = () => this.steps();
    const data = this.object(
      {
        fleet: () => this.value(tokens.slice(0, 6), tokens),
        deviceId: () => this.value(tokens.slice(0, 6), tokens),
        assignmentId: () => this.value(tokens.slice(0, 6), tokens),
        rolloutId: () => this.value(tokens.slice(0, 6), tokens),
        state: () => this.value(states.slice(0, 6), states),
        reason: () => this.value(reasons.slice(0, 2), reasons),
        reportedAt: () => this.value(times.slice(0, 2), times),
        steps,
      },
      ['reason', 'steps'],
    );
    return this.envelope('DeviceReportedProgress', 2, data);
  }
  steps(): unknown {
    const time = () => this.value(times.slice(0, 2), times);
    return this.chance(0.95)
      ? this.object({ downloading: time, verifying: time, applying: time }, ['downloading', 'verifying', 'applying'])
      : this.pick(others);
  }
  installed(): unknown {
    const artifact = () =>
      this.chance(0.95)
        ? this.object(
            {
              name: () => this.value(['yolo-v8n', 'a.b_c-d'], artifactNames),
              version: () => this.value(['2.1.0', '1.0.0+build.7'], versions),
              sha256: () => this.value([sha], shas),
            },
            [],
          )
        : this.pick(others);
    return this.chance(0.95) ? Array.from({ length: this.pick([0, 1, 2, 3, 100, 101]) }, artifact) : this.pick(others);
  }
  deviceProgress(): unknown {
    const data = this.object(
      {
        deviceId: () => this.value(tokens.slice(0, 6), tokens),
        assignmentId: () => this.value(tokens.slice(0, 6), tokens),
        rolloutId: () => this.value(tokens.slice(0, 6), tokens),
        state: () => this.value(states.slice(0, 3), states),
        sentAt: () => this.value(times.slice(0, 2), times),
        traceparent: () => this.value(traceparents.slice(0, 2), traceparents),
      },
      ['traceparent'],
    );
    return this.envelope('DeviceProgress', 1, data);
  }
  report(): unknown {
    const data = this.object(
      {
        deviceId: () => this.value(tokens.slice(0, 6), tokens),
        assignmentId: () => this.value(tokens.slice(0, 6), tokens),
        rolloutId: () => this.value(tokens.slice(0, 6), tokens),
        state: () => this.value(states.slice(0, 6), states),
        reason: () => this.value(reasons.slice(0, 2), reasons),
        sentAt: () => this.value(times.slice(0, 2), times),
        steps: () => this.steps(),
        installed: () => this.installed(),
        traceparent: () => this.value(traceparents.slice(0, 2), traceparents),
      },
      ['reason', 'steps', 'installed', 'traceparent'],
    );
    return this.envelope('DeviceReport', 2, data);
  }
  probe(): unknown {
    const kind = this.value(['file', 'exec'], ['file', 'exec', 'http', 'File', '']);
    const timing = {
      timeoutSeconds: () => this.value([10, 300], ints),
      attempts: () => this.value([1, 10], ints),
      initialDelaySeconds: () => this.value([0, 5, 3600], ints),
    };
    const args = () =>
      this.chance(0.9)
        ? Array.from({ length: this.pick([0, 1, 2, 16, 17]) }, () => this.value(['--ready', 'x'.repeat(256)], ['x'.repeat(257), 1, '']))
        : this.pick(others);
    const url = () => this.value(['http://127.0.0.1:8080/healthz'], ['ftp://x', 'not a url', '']);
    const fields =
      kind === 'exec'
        ? { kind: () => kind, path: () => this.value(paths.slice(0, 2), paths), args, ...timing }
        : kind === 'http'
          ? { kind: () => kind, url, ...timing }
          : { kind: () => kind, path: () => this.value(paths.slice(0, 2), paths), ...timing };
    return this.chance(0.97) ? this.object(fields, ['args', 'initialDelaySeconds']) : this.pick(others);
  }
  assignment(): unknown {
    const artifact = () =>
      this.chance(0.97)
        ? this.object(
            {
              name: () => this.value(['yolo-v8n', 'a.b_c-d'], artifactNames),
              version: () => this.value(['2.1.0', '1.0.0+build.7'], versions),
              kind: () => this.value(['model', 'container', 'config'], ['model', 'Model', 'os', '']),
              targetPath: () => this.value(targetPaths.slice(0, 2), targetPaths),
              sha256: () => this.value([sha], shas),
              length: () => this.value([0, 65_536], ints),
            },
            [],
          )
        : this.pick(others);
    return this.object(
      {
        assignmentId: () => this.value(tokens.slice(0, 6), tokens),
        rolloutId: () => this.value(tokens.slice(0, 6), tokens),
        artifact,
        probe: () => this.probe(),
        action: () => this.value(['install', 'revert'], ['install', 'Install', 'rollback', '']),
      },
      [],
    );
  }
  desired(): unknown {
    const assignments = () =>
      this.chance(0.95)
        ? Array.from({ length: this.chance(0.03) ? this.pick([100, 101]) : this.pick([0, 1, 1, 1, 2, 3]) }, () => this.assignment())
        : this.pick(others);
    const traceparent = () => this.value(traceparents.slice(0, 2), traceparents);
    const data = this.object(
      { deviceId: () => this.value(tokens.slice(0, 6), tokens), generation: () => this.value([0, 1, 42], ints), assignments, traceparent },
      ['traceparent'],
    );
    return this.envelope('DesiredState', 1, data);
  }
  /** A valid desired state with exactly one field of one assignment spoilt or left out: every rule's edge, one at a time. */
  desiredOneOff(): unknown {
    const probe: Record<string, unknown> = this.chance(0.5)
      ? { kind: 'file', path: '/run/app/ready', timeoutSeconds: 10, attempts: 1 }
      : { kind: 'exec', path: '/usr/bin/check', args: ['--ready'], timeoutSeconds: 10, attempts: 1, initialDelaySeconds: 5 };
    const artifact: Record<string, unknown> = {
      name: 'yolo-v8n',
      version: '2.1.0',
      kind: 'model',
      targetPath: 'model/yolo-v8n/2.1.0/model.onnx',
      sha256: sha,
      length: 65_536,
    };
    const assignment: Record<string, unknown> = {
      assignmentId: 'r-0123456789ab-cam-1',
      rolloutId: 'r-0123456789ab',
      artifact,
      probe,
      action: 'install',
    };
    const pools: [Record<string, unknown>, string, readonly unknown[]][] = [
      [probe, 'kind', ['http', 'File', '']],
      [probe, 'path', paths],
      [probe, 'timeoutSeconds', ints],
      [probe, 'attempts', ints],
      [probe, 'initialDelaySeconds', ints],
      [probe, 'args', [[], ['x'.repeat(256)], ['x'.repeat(257)], Array(16).fill('a'), Array(17).fill('a'), [1], 'a']],
      [artifact, 'name', artifactNames],
      [artifact, 'version', versions],
      [artifact, 'kind', ['container', 'config', 'os', '']],
      [artifact, 'targetPath', targetPaths],
      [artifact, 'sha256', shas],
      [artifact, 'length', ints],
      [assignment, 'assignmentId', tokens],
      [assignment, 'action', ['revert', 'Install', '']],
    ];
    const [target, key, pool] = this.pick(pools);
    if (this.chance(0.1)) delete target[key];
    else target[key] = this.chance(0.9) ? this.pick(pool) : this.pick(others);
    return {
      type: 'DesiredState',
      schemaVersion: 1,
      data: { deviceId: 'cam-1', generation: this.pick([0, 7]), assignments: [assignment] },
    };
  }
  outcome(): unknown {
    const data = this.object(
      {
        fleet: () => this.value(tokens.slice(0, 6), tokens),
        rolloutId: () => this.value(tokens.slice(0, 6), tokens),
        deviceId: () => this.value(tokens.slice(0, 6), tokens),
        assignmentId: () => this.value(tokens.slice(0, 6), tokens),
        state: () => this.value(states.slice(3, 6), states),
        reason: () => this.value(reasons.slice(0, 2), reasons),
      },
      ['reason'],
    );
    return this.envelope('DeviceOutcomeRecorded', 1, data);
  }
}

/** Over `count` generated inputs: what the fast path reads, zod reads to the same value (same keys in the same order); what zod refuses, it refuses. */
function compare<M>(
  fast: FastPath<M>,
  schema: z.ZodType<M>,
  parse: (raw: unknown) => unknown,
  make: (inputs: Inputs) => unknown,
  count: number,
) {
  const inputs = new Inputs(seeded(count));
  const tally = { fast: 0, zodOnly: 0, refused: 0 };
  for (let i = 0; i < count; i++) {
    const raw = make(inputs);
    const mine = fast(raw);
    const theirs = schema.safeParse(raw);
    if (mine !== undefined) {
      tally.fast++;
      if (!theirs.success || !isDeepStrictEqual(mine, theirs.data) || JSON.stringify(mine) !== JSON.stringify(theirs.data)) {
        throw new Error(
          `input ${i}: the fast path read ${JSON.stringify(mine)}, zod ${theirs.success ? JSON.stringify(theirs.data) : 'refused it'}: ${JSON.stringify(raw)}`,
        );
      }
      expect(parse(raw)).toStrictEqual(theirs.data);
    } else if (theirs.success) tally.zodOnly++;
    else tally.refused++;
  }
  return tally;
}

describe('the hand-checked fast paths against their zod schemas, over generated inputs', () => {
  it('DeviceReportedProgress v2: reads only what zod reads, to the same value', () => {
    const tally = compare(fastDeviceReportedProgress, DeviceReportedProgress, parseDeviceEvent, (i) => i.progress(), 8_000);
    expect(tally.fast).toBeGreaterThan(800); // the valid messages do take the fast path ...
    expect(tally.refused).toBeGreaterThan(800); // ... and plenty of invalid ones were tried
  });

  it('DeviceOutcomeRecorded v1: reads only what zod reads, to the same value', () => {
    const tally = compare(fastDeviceOutcomeRecorded, DeviceOutcomeRecorded, parseRolloutEvent, (i) => i.outcome(), 8_000);
    expect(tally.fast).toBeGreaterThan(800);
    expect(tally.refused).toBeGreaterThan(800);
  });

  it('DeviceProgress v1: reads only what zod reads, to the same value', () => {
    const tally = compare(fastDeviceProgress, DeviceProgress, parseDeviceMessage, (i) => i.deviceProgress(), 8_000);
    expect(tally.fast).toBeGreaterThan(800);
    expect(tally.refused).toBeGreaterThan(800);
  });

  it('DeviceReport v2: reads only what zod reads, to the same value', () => {
    const tally = compare(fastDeviceReport, DeviceReport, parseDeviceMessage, (i) => i.report(), 8_000);
    expect(tally.fast).toBeGreaterThan(800);
    expect(tally.refused).toBeGreaterThan(800);
  });

  it('DesiredState v1: reads only what zod reads, to the same value (an http probe left to zod)', () => {
    // An assignment has a dozen fields that may each be spoilt: fewer inputs are valid than above.
    const tally = compare(fastDesiredState, DesiredState, parseDeviceMessage, (i) => i.desired(), 4_000);
    expect(tally.fast).toBeGreaterThan(250);
    expect(tally.refused).toBeGreaterThan(800);
    const oneOff = compare(fastDesiredState, DesiredState, parseDeviceMessage, (i) => i.desiredOneOff(), 3_000);
    expect(oneOff.fast).toBeGreaterThan(600);
    expect(oneOff.refused).toBeGreaterThan(600);
  });

  it('leaves the refusal to zod: a bad message gets the same error through the registry', () => {
    const bad = {
      type: 'DeviceOutcomeRecorded',
      schemaVersion: 1,
      data: { fleet: 'plant-7', rolloutId: 'r-1', deviceId: 'Bad.Id', assignmentId: 'a-1', state: 'healthy' },
    };
    expect(() => parseRolloutEvent(bad)).toThrow(
      expect.objectContaining({ code: 'message.invalid', issues: [expect.objectContaining({ path: ['data', 'deviceId'] })] }),
    );
  });
});
