import type { Inputs } from './generated-inputs.js';
import { artifactNames, others, reasons, sha, shas, states, times, tokens, traceparents, versions } from './input-pools.js';

// What a device says about an install: its protocol messages, and the events the gateway and the orchestrator record from them.

function drawSteps(i: Inputs): unknown {
  const time = () => i.value(times.slice(0, 2), times);
  return i.chance(0.95)
    ? i.object({ downloading: time, verifying: time, applying: time }, ['downloading', 'verifying', 'applying'])
    : i.pick(others);
}

function drawInstalled(i: Inputs): unknown {
  const artifact = () =>
    i.chance(0.95)
      ? i.object(
          {
            name: () => i.value(['yolo-v8n', 'a.b_c-d'], artifactNames),
            version: () => i.value(['2.1.0', '1.0.0+build.7'], versions),
            sha256: () => i.value([sha], shas),
          },
          [],
        )
      : i.pick(others);
  return i.chance(0.95) ? Array.from({ length: i.pick([0, 1, 2, 3, 100, 101]) }, artifact) : i.pick(others);
}

export function drawDeviceProgress(i: Inputs): unknown {
  const data = i.object(
    {
      deviceId: () => i.value(tokens.slice(0, 6), tokens),
      assignmentId: () => i.value(tokens.slice(0, 6), tokens),
      rolloutId: () => i.value(tokens.slice(0, 6), tokens),
      state: () => i.value(states.slice(0, 3), states),
      sentAt: () => i.value(times.slice(0, 2), times),
      traceparent: () => i.value(traceparents.slice(0, 2), traceparents),
    },
    ['traceparent'],
  );
  return i.envelope('DeviceProgress', 1, data);
}

export function drawReport(i: Inputs): unknown {
  const data = i.object(
    {
      deviceId: () => i.value(tokens.slice(0, 6), tokens),
      assignmentId: () => i.value(tokens.slice(0, 6), tokens),
      rolloutId: () => i.value(tokens.slice(0, 6), tokens),
      state: () => i.value(states.slice(0, 6), states),
      reason: () => i.value(reasons.slice(0, 2), reasons),
      sentAt: () => i.value(times.slice(0, 2), times),
      steps: () => drawSteps(i),
      installed: () => drawInstalled(i),
      traceparent: () => i.value(traceparents.slice(0, 2), traceparents),
    },
    ['reason', 'steps', 'installed', 'traceparent'],
  );
  return i.envelope('DeviceReport', 2, data);
}

export function drawProgress(i: Inputs): unknown {
  const steps = () => drawSteps(i);
  const data = i.object(
    {
      fleet: () => i.value(tokens.slice(0, 6), tokens),
      deviceId: () => i.value(tokens.slice(0, 6), tokens),
      assignmentId: () => i.value(tokens.slice(0, 6), tokens),
      rolloutId: () => i.value(tokens.slice(0, 6), tokens),
      state: () => i.value(states.slice(0, 6), states),
      reason: () => i.value(reasons.slice(0, 2), reasons),
      reportedAt: () => i.value(times.slice(0, 2), times),
      steps,
    },
    ['reason', 'steps'],
  );
  return i.envelope('DeviceReportedProgress', 2, data);
}

export function drawOutcome(i: Inputs): unknown {
  const data = i.object(
    {
      fleet: () => i.value(tokens.slice(0, 6), tokens),
      rolloutId: () => i.value(tokens.slice(0, 6), tokens),
      deviceId: () => i.value(tokens.slice(0, 6), tokens),
      assignmentId: () => i.value(tokens.slice(0, 6), tokens),
      state: () => i.value(states.slice(3, 6), states),
      reason: () => i.value(reasons.slice(0, 2), reasons),
    },
    ['reason'],
  );
  return i.envelope('DeviceOutcomeRecorded', 1, data);
}
