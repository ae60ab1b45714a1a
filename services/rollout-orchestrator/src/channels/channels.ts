import type { orchestrator } from '@keelson/requests';
import { handleCommand, loadAggregate, type EventMetadata, type EventStore } from '@keelson/event-store';
import type { ChannelEvent } from '@keelson/events';
import { channelDecider, channelsIdOf, type Channels as ChannelsState, type MoveChannel } from './channel.decider.js';

/** Runs channel commands (load, decide, append, retry on conflict) and reads a name's channels from its stream. */
export class Channels {
  constructor(private readonly store: EventStore<ChannelEvent>) {}

  private subjectOf(fleet: string, artifactName: string): string {
    return this.store.subject('channel', fleet, channelsIdOf(fleet, artifactName));
  }

  async current(fleet: string, artifactName: string): Promise<ChannelsState> {
    return (await loadAggregate(this.store, this.subjectOf(fleet, artifactName), channelDecider, undefined, { latest: true })).state;
  }

  async move(command: Omit<MoveChannel, 'type' | 'channelsId'>, meta: EventMetadata): Promise<ChannelsState> {
    const full: MoveChannel = { type: 'MoveChannel', channelsId: channelsIdOf(command.fleet, command.artifactName), ...command };
    const outcome = await handleCommand({
      store: this.store,
      subject: this.subjectOf(command.fleet, command.artifactName),
      decider: channelDecider,
      command: full,
      meta,
    });
    return outcome.state;
  }

  /** The name's channels as operators see them, sorted by channel name. */
  static view(fleet: string, artifactName: string, state: ChannelsState): orchestrator.ChannelsView {
    const channels = Object.entries(state.channels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([channel, p]) => ({ channel, ...p }));
    return { fleet, artifactName, channels };
  }
}
