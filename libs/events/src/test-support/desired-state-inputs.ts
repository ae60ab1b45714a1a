import type { Inputs } from './generated-inputs.js';
import { artifactNames, ints, others, paths, sha, shas, targetPaths, tokens, traceparents, versions } from './input-pools.js';

function drawProbe(i: Inputs): unknown {
  const kind = i.value(['file', 'exec'], ['file', 'exec', 'http', 'File', '']);
  const timing = {
    timeoutSeconds: () => i.value([10, 300], ints),
    attempts: () => i.value([1, 10], ints),
    initialDelaySeconds: () => i.value([0, 5, 3600], ints),
  };
  const args = () =>
    i.chance(0.9)
      ? Array.from({ length: i.pick([0, 1, 2, 16, 17]) }, () => i.value(['--ready', 'x'.repeat(256)], ['x'.repeat(257), 1, '']))
      : i.pick(others);
  const url = () => i.value(['http://127.0.0.1:8080/healthz'], ['ftp://x', 'not a url', '']);
  const fields =
    kind === 'exec'
      ? { kind: () => kind, path: () => i.value(paths.slice(0, 2), paths), args, ...timing }
      : kind === 'http'
        ? { kind: () => kind, url, ...timing }
        : { kind: () => kind, path: () => i.value(paths.slice(0, 2), paths), ...timing };
  return i.chance(0.97) ? i.object(fields, ['args', 'initialDelaySeconds']) : i.pick(others);
}

function drawAssignment(i: Inputs): unknown {
  const artifact = () =>
    i.chance(0.97)
      ? i.object(
          {
            name: () => i.value(['yolo-v8n', 'a.b_c-d'], artifactNames),
            version: () => i.value(['2.1.0', '1.0.0+build.7'], versions),
            kind: () => i.value(['model', 'container', 'config'], ['model', 'Model', 'os', '']),
            targetPath: () => i.value(targetPaths.slice(0, 2), targetPaths),
            sha256: () => i.value([sha], shas),
            length: () => i.value([0, 65_536], ints),
          },
          [],
        )
      : i.pick(others);
  return i.object(
    {
      assignmentId: () => i.value(tokens.slice(0, 6), tokens),
      rolloutId: () => i.value(tokens.slice(0, 6), tokens),
      artifact,
      probe: () => drawProbe(i),
      action: () => i.value(['install', 'revert'], ['install', 'Install', 'rollback', '']),
    },
    [],
  );
}

export function drawDesired(i: Inputs): unknown {
  const assignments = () =>
    i.chance(0.95)
      ? Array.from({ length: i.chance(0.03) ? i.pick([100, 101]) : i.pick([0, 1, 1, 1, 2, 3]) }, () => drawAssignment(i))
      : i.pick(others);
  const traceparent = () => i.value(traceparents.slice(0, 2), traceparents);
  const data = i.object(
    { deviceId: () => i.value(tokens.slice(0, 6), tokens), generation: () => i.value([0, 1, 42], ints), assignments, traceparent },
    ['traceparent'],
  );
  return i.envelope('DesiredState', 1, data);
}

/** A valid desired state with exactly one field of one assignment spoilt or left out: every rule's edge, one at a time. */
export function drawDesiredOneOff(i: Inputs): unknown {
  const probe: Record<string, unknown> = i.chance(0.5)
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
  const [target, key, pool] = i.pick(pools);
  if (i.chance(0.1)) delete target[key];
  else target[key] = i.chance(0.9) ? i.pick(pool) : i.pick(others);
  return {
    type: 'DesiredState',
    schemaVersion: 1,
    data: { deviceId: 'cam-1', generation: i.pick([0, 7]), assignments: [assignment] },
  };
}
