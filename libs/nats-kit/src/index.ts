export { connectNats, CoalescingTransport } from './coalescing-connect.js';
export { ReplyMux, replyMuxOf } from './reply-mux.js';
