import { fastAgentState } from './agent-state.fast.js';
import { AgentState } from './agent-state.schema.js';

// The hand check of the journal against its zod schema: what it takes, zod takes to the same value
// (same keys, same order); what zod refuses, it leaves to zod; what it cannot vouch for, zod decides.

/* eslint-disable @typescript-eslint/no-explicit-any -- journals damaged by path on purpose */

const assignment = (probe: Record<string, unknown>) => ({
  assignmentId: 'r1-d1',
  rolloutId: 'r1',
  action: 'install',
  artifact: { name: 'yolo', version: '1.0.0', kind: 'model', targetPath: 'model/yolo/1.0.0/m.onnx', sha256: 'a'.repeat(64), length: 3 },
  probe,
});
const fileProbe = { kind: 'file', path: '/run/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 0 };
const kept = { sha256: 'b'.repeat(64), length: 3, basename: 'm.onnx' };
const journal = (): Record<string, any> => ({
  schemaVersion: 1,
  seenGeneration: 3,
  appliedGeneration: 2,
  assignments: {
    'r1-d1': {
      phase: 'done',
      assignment: assignment(fileProbe),
      outcome: 'healthy',
      steps: { applying: '2026-01-01T00:00:02.000Z', downloading: '2026-01-01T00:00:00.000Z' },
      traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`,
    },
    'r2-d1': {
      assignment: assignment({ kind: 'exec', path: '/usr/bin/check', args: ['--quick'], timeoutSeconds: 5, attempts: 2 }),
      phase: 'applying',
      swap: { fromCurrent: '1.0.0', fromPrevious: null, to: '1.1.0' },
    },
    'r3-d1': { assignment: assignment(fileProbe), phase: 'done', outcome: 'failed', reason: 'probe failed', swappedAt: 'older agent' },
  },
  versions: { yolo: { '1.0.0': kept, '1.1.0': { basename: 'm.onnx', length: 0, sha256: 'c'.repeat(64) } } },
  versionsOrder: undefined,
});

describe('the hand check of the agent journal', () => {
  it('takes a sound journal with the value and key order zod gives', () => {
    const raw = journal();
    delete raw['versionsOrder'];
    const fast = fastAgentState(raw);
    expect(fast).toBeDefined();
    expect(JSON.stringify(fast)).toBe(JSON.stringify(AgentState.parse(raw)));
  });

  it('takes an empty journal', () => {
    const raw = { schemaVersion: 1, seenGeneration: 0, appliedGeneration: 0, assignments: {}, versions: {} };
    expect(fastAgentState(raw)).toEqual(AgentState.parse(raw));
  });

  it('leaves a journal with an http probe to zod, which takes it', () => {
    const raw = journal();
    delete raw['versionsOrder'];
    raw['assignments']['r1-d1'].assignment = assignment({
      kind: 'http',
      url: 'http://localhost:8080/ready',
      timeoutSeconds: 5,
      attempts: 1,
    });
    expect(fastAgentState(raw)).toBeUndefined();
    expect(AgentState.safeParse(raw).success).toBe(true);
  });

  const damaged: [string, (j: Record<string, any>) => void][] = [
    ['an unknown field', (j) => (j['versionsOrder'] = 1)],
    ['another schema version', (j) => (j['schemaVersion'] = 2)],
    ['a negative generation', (j) => (j['seenGeneration'] = -1)],
    ['an unknown phase', (j) => (j['assignments']['r1-d1'].phase = 'sleeping')],
    ['a step outcome', (j) => (j['assignments']['r1-d1'].outcome = 'applying')],
    ['an empty reason', (j) => (j['assignments']['r3-d1'].reason = '')],
    ['a swap without its target', (j) => delete j['assignments']['r2-d1'].swap.to],
    ['a numeric swappedAt', (j) => (j['assignments']['r3-d1'].swappedAt = 1)],
    ['a bad step time', (j) => (j['assignments']['r1-d1'].steps.applying = 'soon')],
    ['a short sha256', (j) => (j['versions'].yolo['1.0.0'].sha256 = 'b'.repeat(63))],
    ['a fractional length', (j) => (j['versions'].yolo['1.0.0'].length = 1.5)],
    ['an empty basename', (j) => (j['versions'].yolo['1.0.0'].basename = '')],
    ['versions that are not a record of records', (j) => (j['versions'].yolo = [kept])],
    ['a record that is an array', (j) => (j['assignments'] = [])],
  ];
  it.each(damaged)('leaves a journal with %s to zod, which refuses it', (_what, damage) => {
    const raw = journal();
    delete raw['versionsOrder'];
    damage(raw);
    expect(fastAgentState(raw)).toBeUndefined();
    expect(AgentState.safeParse(raw).success).toBe(false);
  });

  it('never lets a __proto__ key through', () => {
    const raw = JSON.parse('{"schemaVersion":1,"seenGeneration":0,"appliedGeneration":0,"assignments":{},"versions":{"__proto__":{}}}');
    expect(fastAgentState(raw)).toBeUndefined();
  });
});
