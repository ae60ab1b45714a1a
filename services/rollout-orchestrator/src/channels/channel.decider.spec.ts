import { given, RuleViolation } from '@keelson/domain-kit';
import type { ChannelEvent } from '@keelson/events';
import { channelDecider, channelsIdOf, type MoveChannel } from './channel.decider.js';

const fleet = 'plant-7';
const at = '2026-11-23T09:00:00.000Z';
const channelsId = channelsIdOf(fleet, 'yolo-v8n');
const move = (channel: string, version: string, extra: Partial<MoveChannel> = {}): MoveChannel => ({
  type: 'MoveChannel',
  fleet,
  channelsId,
  artifactName: 'yolo-v8n',
  channel,
  version,
  at,
  ...extra,
});
const promoted = (channel: string, version: string, extra: Record<string, unknown> = {}): ChannelEvent => ({
  type: 'ChannelPromoted',
  schemaVersion: 1,
  data: { fleet, channelsId, artifact: { name: 'yolo-v8n', version }, channel, promotedAt: at, ...extra },
});

describe('release channels of an artifact name', () => {
  it('creates a channel by hand', () => {
    given(channelDecider, [])
      .when(move('canary', '2.1.0', { reason: 'candidate' }))
      .then([promoted('canary', '2.1.0', { reason: 'candidate' })]);
  });

  it('moves a channel, recording where it was', () => {
    given(channelDecider, [promoted('stable', '2.0.3')])
      .when(move('stable', '2.1.0'))
      .then([promoted('stable', '2.1.0', { previousVersion: '2.0.3' })]);
  });

  it('changes nothing when the channel points there already', () => {
    given(channelDecider, [promoted('stable', '2.1.0')])
      .when(move('stable', '2.1.0'))
      .then([]);
  });

  it('promotes the version of a rollout that succeeded, linking the rollout', () => {
    given(channelDecider, [promoted('canary', '2.1.0')])
      .when(move('stable', '2.1.0', { fromRollout: { rolloutId: 'r-1', status: 'succeeded' } }))
      .then([promoted('stable', '2.1.0', { rolloutId: 'r-1' })]);
  });

  it.each(['failed', 'running', 'halted', 'aborted'])('refuses to promote a rollout that is %s', (status) => {
    given(channelDecider, [])
      .when(move('stable', '2.1.0', { fromRollout: { rolloutId: 'r-1', status } }))
      .thenThrows(RuleViolation, 'rollout.not-succeeded');
  });

  it('keeps the channels of different names apart', () => {
    expect(channelsIdOf(fleet, 'yolo-v8n')).not.toBe(channelsIdOf(fleet, 'yolo-v8s'));
    expect(channelsIdOf(fleet, 'yolo-v8n')).toMatch(/^c-[0-9a-f]{16}$/);
  });
});
