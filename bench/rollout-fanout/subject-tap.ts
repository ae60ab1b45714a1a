import type { NatsConnection, Subscription } from '@nats-io/transport-node';

/** What one consumer cost the broker over the window, beside its deliveries: what its runner sent. */
export interface ConsumerTraffic {
  /** Acknowledgements of any kind (`+ACK`, `-NAK`, `+WPI` in-progress, `+TERM`), by kind. */
  acks: Record<string, number>;
  /** Pull requests (`$JS.API.CONSUMER.MSG.NEXT`). */
  pulls: number;
}

export interface SubjectTap {
  /** Per `<stream>/<consumer>`. */
  consumers: Record<string, ConsumerTraffic>;
  /** Every other JetStream API request by its kind (`STREAM.INFO`, `CONSUMER.INFO`, `DIRECT.GET`, …). */
  api: Record<string, number>;
}

const decoder = new TextDecoder();

function kindOfAck(data: Uint8Array): string {
  if (!data.length) return '+ACK'; // an empty body is an ack
  const text = decoder.decode(data.subarray(0, 8));
  return text.startsWith('+ACK')
    ? '+ACK'
    : text.startsWith('-NAK')
      ? '-NAK'
      : text.startsWith('+WPI')
        ? '+WPI'
        : text.startsWith('+TERM')
          ? '+TERM'
          : text.trim();
}

/**
 * Counts, over a window, every acknowledgement and pull request each JetStream consumer's runner
 * sends, and the other JetStream API requests, by listening on `$JS.ACK.>` and `$JS.API.>` (the
 * unrestricted services user sees every publish of the account). The tap adds one delivery to the
 * bench per counted message, so nats-server's own CPU figure is a little higher with it on.
 */
export function tapSubjects(nc: NatsConnection): { stop(): Promise<SubjectTap> } {
  const tap: SubjectTap = { consumers: {}, api: {} };
  const consumer = (stream: string, name: string) => (tap.consumers[`${stream}/${name}`] ??= { acks: {}, pulls: 0 });
  const subs: Subscription[] = [
    nc.subscribe('$JS.ACK.>', {
      // $JS.ACK.<stream>.<consumer>.… (or, with a domain/account hash, $JS.ACK.<domain>.<hash>.<stream>.<consumer>.…)
      callback: (_err, m) => {
        const t = m.subject.split('.');
        const [stream, name] = t.length >= 12 ? [t[4]!, t[5]!] : [t[2]!, t[3]!];
        const acks = consumer(stream, name).acks;
        const kind = kindOfAck(m.data);
        acks[kind] = (acks[kind] ?? 0) + 1;
      },
    }),
    nc.subscribe('$JS.API.>', {
      callback: (_err, m) => {
        const t = m.subject.split('.');
        if (t[2] === 'CONSUMER' && t[3] === 'MSG' && t[4] === 'NEXT') {
          consumer(t[5]!, t[6]!).pulls++;
          return;
        }
        const kind = t.slice(2, t[3] === 'MSG' ? 5 : 4).join('.'); // STREAM.INFO, CONSUMER.INFO, STREAM.MSG.GET, DIRECT.GET, INFO
        tap.api[kind] = (tap.api[kind] ?? 0) + 1;
      },
    }),
  ];
  return {
    async stop() {
      await nc.flush();
      for (const s of subs) s.unsubscribe();
      return tap;
    },
  };
}
