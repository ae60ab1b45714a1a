import { InvalidInput } from '@keelson/domain-kit';
import { parseAuditedEvent } from './audited-event.js';
import { draftEntry, placeOf } from './audit-entry.draft.js';
import { targetsSigned } from '../test-fixtures/sample-events.js';

describe('drafting an audit entry', () => {
  it('takes fleet and family from the subject behind the prefix', () => {
    expect(placeOf('t1a.ev.rollout.plant-7.r-1', 't1a.')).toEqual({
      family: 'rollout',
      fleet: 'plant-7',
      aggregateSubject: 't1a.ev.rollout.plant-7.r-1',
    });
    // typed-subjects: the event type after the aggregate's subject is not part of it
    expect(placeOf('t1a.ev.device.plant-7.d-1.DeviceEnrolled', 't1a.')).toEqual({
      family: 'device',
      fleet: 'plant-7',
      aggregateSubject: 't1a.ev.device.plant-7.d-1',
    });
    expect(() => placeOf('t1a.ev.rollout.Plant 7.r-1', 't1a.')).toThrow(InvalidInput);
    expect(() => placeOf('other.rollout.default.r-1', '')).toThrow(InvalidInput);
  });

  it('records actor, correlation id and JetStream time from the recorded event, and keeps TUF entries free of metadata bodies', () => {
    const draft = draftEntry('EV_TUF', '', {
      event: parseAuditedEvent(targetsSigned('default', 'model/yolo/1.0.0/model.onnx')),
      seq: 7,
      subject: 'ev.tuf.default.repository',
      time: new Date('2026-01-02T03:04:05.678Z'),
      meta: { actor: { kind: 'service', id: 'signer' }, correlationId: 'c-9', commandId: 'cmd-1' },
    });
    expect(draft).toEqual({
      stream: 'EV_TUF',
      seq: 7,
      fleet: 'default',
      subject: 'ev.tuf.default.repository',
      family: 'tuf',
      type: 'TargetsSigned',
      schemaVersion: 1,
      recognised: true,
      actor: 'service:signer',
      correlationId: 'c-9',
      time: '2026-01-02T03:04:05.678Z',
      rolloutIds: [],
      deviceIds: [],
      artifacts: ['yolo'],
      data: { fleet: 'default', version: 2, expires: '2030-01-01T00:00:00.000Z', targetPaths: ['model/yolo/1.0.0/model.onnx'] },
    });
  });
});
