import type { JsMsg } from '@nats-io/jetstream';

/**
 * The parts of a nats.js 3 message that point into the connection's read buffer: `_rdata` (headers
 * and payload) and the subject and reply tokens of the protocol line (`_msg`). Each is a `subarray`
 * of the chunk the socket delivered (up to 64 KiB, shared with every message read with it).
 */
interface MessageInternals {
  _rdata?: Uint8Array;
  _msg?: { subject?: Uint8Array; reply?: Uint8Array };
}

/**
 * Gives a received JetStream message its own copies of the bytes it points into, so that the read
 * chunk it came in dies young. A message a runner holds (its batch in hand, the ones waiting their
 * turn: 50–100 per consumer, across the handler's database round trip) otherwise keeps its whole chunk
 * alive until a full collection, as V8 promotes the message and not the chunk's size. The copy is the
 * message's own size (its subject, ack subject, headers and payload). Returns the same message; one
 * whose internals are not as expected (another nats.js) is returned untouched, and
 * detach-message.memory.int.spec.ts shows the retention again.
 */
export function detachMessage(m: JsMsg): JsMsg {
  const inner = (m as unknown as { msg?: MessageInternals }).msg;
  if (!inner || typeof inner !== 'object') return m;
  if (inner._rdata instanceof Uint8Array) inner._rdata = copy(inner._rdata);
  const args = inner._msg;
  if (args && typeof args === 'object') {
    inner._msg = { ...args, subject: args.subject && copy(args.subject), reply: args.reply && copy(args.reply) };
  }
  return m;
}

/** The bytes in an ArrayBuffer of their own (a Node Buffer's `slice` is a view, as `subarray`). */
function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
