import type { ServerResponse } from 'node:http';
import type { NatsConnection } from '@nats-io/transport-node';
import type { orchestrator } from '@keelson/commands';
import { aggregateSubject, eventStreams, type EventStoreNaming } from '@keelson/event-store';
import { parseExperimentEvent, type ExperimentEvent } from '@keelson/events';
import { EventFeed } from '../rollouts/event-feed.js';
import { SseWriter } from '../rollouts/sse-writer.js';

export interface ExperimentStreamDeps {
  nc: NatsConnection;
  naming: EventStoreNaming;
  heartbeatMs: number;
  /** The decision loop's latest look (it is no event: the stream asks for it every `lookEveryMs`). */
  latestLook: () => Promise<orchestrator.ExperimentLook | undefined>;
  lookEveryMs: number;
}

const verdictStatus = { promote: 'promoted', abort: 'aborted', inconclusive: 'inconclusive' } as const;

/** The status an event leaves the experiment in (the orchestrator's view says the same once it has the event). */
function statusAfter(event: ExperimentEvent, before: orchestrator.ExperimentStatus): orchestrator.ExperimentStatus {
  if (event.type === 'ExperimentDecided') return verdictStatus[event.data.outcome];
  return event.type === 'ExperimentStopped' ? 'stopped' : before;
}

/** Sends `look` each time the decision loop has looked again since the last one sent; a failed ask waits for the next turn. */
function followLooks(sse: SseWriter, view: orchestrator.ExperimentView, deps: ExperimentStreamDeps): () => void {
  let sentAt = view.lastLook?.judgedAt ?? '';
  let asking = false;
  const timer = setInterval(() => {
    if (asking) return;
    asking = true;
    deps
      .latestLook()
      .then((look) => {
        if (!look || look.judgedAt <= sentAt) return;
        sentAt = look.judgedAt;
        sse.send('look', look);
      })
      .catch(() => undefined)
      .finally(() => (asking = false));
  }, deps.lookEveryMs);
  return () => clearInterval(timer);
}

/**
 * Streams one experiment: `snapshot` (the view when the stream opened), then each of its events in
 * stream order from the first (`experiment`), each new look of the decision loop (`look`), and `end`
 * once an ended experiment's verdict is carried out (at once for one that was settled when the stream
 * opened). Heartbeat comments keep proxies from closing a quiet stream; the consumer is closed when
 * the client goes.
 */
export async function streamExperiment(view: orchestrator.ExperimentView, res: ServerResponse, deps: ExperimentStreamDeps): Promise<void> {
  const sse = new SseWriter(res);
  sse.open();
  sse.send('snapshot', view);
  if (view.settled) {
    sse.send('end', { status: view.status });
    return sse.end();
  }
  const feed = new EventFeed(deps.nc, {
    stream: `${deps.naming.streamPrefix}${eventStreams.orchestrator.name}`,
    subject: aggregateSubject(deps.naming, 'experiment', view.fleet, view.experimentId),
    parse: parseExperimentEvent,
  });
  const beat = setInterval(() => sse.heartbeat(), deps.heartbeatMs);
  const stopLooks = followLooks(sse, view, deps);
  res.once('close', () => void feed.close());
  try {
    let status = view.status;
    for await (const fed of feed.events()) {
      sse.send('experiment', { seq: fed.seq, time: fed.time, type: fed.event.type, data: fed.event.data });
      status = statusAfter(fed.event, status);
      if (fed.event.type === 'ExperimentSettled') {
        sse.send('end', { status });
        break;
      }
    }
  } finally {
    clearInterval(beat);
    stopLooks();
    await feed.close();
    sse.end();
  }
}
