import { parseExperimentEvent } from './experiment-events.js';

const base = { fleet: 'plant-7', experimentId: 'x-1' };
const parse = (type: string, data: Record<string, unknown>) => () =>
  parseExperimentEvent({ type, schemaVersion: 1, data: { ...base, ...data } });

describe('experiment events', () => {
  it('reads the arms and a verdict with its evidence', () => {
    expect(parse('ExperimentArmsAssigned', { candidateDeviceIds: ['d-1'], controlDeviceIds: ['d-2'], untouchedCount: 0 })()).toMatchObject({
      type: 'ExperimentArmsAssigned',
    });
    const decided = {
      outcome: 'inconclusive',
      decidedBy: 'automatic',
      reason: 'budget-reached',
      evidence: { samples: { candidate: 0, control: 0 } },
      decidedAt: '2026-12-07T10:00:00.000Z',
    };
    expect(parse('ExperimentDecided', decided)()).toMatchObject({ data: { evidence: { samples: { candidate: 0 } } } });
  });

  it('refuses an empty candidate arm, a device in an arm twice, and an outcome it does not know', () => {
    expect(parse('ExperimentArmsAssigned', { candidateDeviceIds: [], controlDeviceIds: [], untouchedCount: 0 })).toThrow();
    expect(parse('ExperimentArmsAssigned', { candidateDeviceIds: ['d-1', 'd-1'], controlDeviceIds: [], untouchedCount: 0 })).toThrow();
    expect(
      parse('ExperimentDecided', { outcome: 'maybe', decidedBy: 'operator', reason: 'x', decidedAt: '2026-12-07T10:00:00.000Z' }),
    ).toThrow();
  });

  it('refuses a field no version declares', () => {
    expect(parse('ExperimentSettled', { settledAt: '2026-12-07T10:00:00.000Z', extra: 1 })).toThrow();
  });
});
