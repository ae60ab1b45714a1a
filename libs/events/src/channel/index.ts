export { ChannelName, ChannelPromoted, type ChannelEvent, channelEvents, parseChannelEvent } from './channel-events.js';
