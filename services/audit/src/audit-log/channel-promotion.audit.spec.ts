import { parseAuditedEvent } from './audited-event.js';
import { draftEntry } from './audit-entry.draft.js';

// spec (Experiments & promotion): "we promoted version X to fleet Y on date Z" is evidence — a
// channel move is an audit entry with its actor, the artifact and the rollout it was promoted from.
describe('auditing a channel promotion', () => {
  it('records who moved which channel of which artifact to which version, from which rollout', () => {
    const promoted = {
      type: 'ChannelPromoted',
      schemaVersion: 1,
      data: {
        fleet: 'plant-7',
        channelsId: 'c-5d1f0c2a9b8e7d6c',
        artifact: { name: 'yolo-v8n', version: '2.1.0' },
        channel: 'stable',
        previousVersion: '2.0.3',
        rolloutId: 'r-0123456789ab',
        reason: 'canary stayed healthy',
        promotedAt: '2026-11-23T09:00:00.000Z',
      },
    };
    const draft = draftEntry('EV_ROLLOUTS', '', {
      event: parseAuditedEvent(promoted),
      seq: 42,
      subject: 'ev.channel.plant-7.c-5d1f0c2a9b8e7d6c',
      time: new Date('2026-11-23T09:00:00.123Z'),
      meta: { actor: { kind: 'operator', id: 'admin' }, correlationId: 'c-1', commandId: 'cmd-1' },
    });
    expect(draft).toMatchObject({
      family: 'channel',
      fleet: 'plant-7',
      type: 'ChannelPromoted',
      recognised: true,
      actor: 'operator:admin',
      rolloutIds: ['r-0123456789ab'],
      artifacts: ['yolo-v8n'],
      data: promoted.data,
    });
  });
});
