import type { ServerResponse } from 'node:http';
import type { NatsConnection } from '@nats-io/transport-node';
import { orchestrator } from '@keelson/requests';
import { aggregateSubject, eventStreams, type EventStoreNaming } from '@keelson/event-store';
import { parseExperimentEvent, type ExperimentEvent } from '@keelson/events';
import { EventFeed } from '../rollouts/event-feed.js';
import { SseWriter } from '../rollouts/sse-writer.js';

export interface ExperimentStreamDeps {
  nc: NatsConnection;
  naming: EventStoreNaming;
  heartbeatMs: number;
  /** The latest look, asked once the stream listens for new ones: a look recorded just before that is not missed. */
  lookOf: () => Promise<orchestrator.ExperimentLook | undefined>;
}

/** What makes a look new: its figures, not the moment it was taken (the loop re-judges the same data every tick). */
const figuresOf = (look: orchestrator.ExperimentLook | undefined): string => {
  if (!look) return '';
  const { judgedAt: _at, elapsedMs: _elapsed, ...figures } = look;
  return JSON.stringify(figures);
};

/**
 * Sends each look the orchestrator publishes as it records it (`live.experiment-look.<fleet>.<id>`)
 * whose figures differ from the last one sent, in the order taken, until `stopped` says so.
 */
function followLooks(sse: SseWriter, deps: ExperimentStreamDeps, view: orchestrator.ExperimentView, stopped: () => boolean): () => void {
  const sub = deps.nc.subscribe(orchestrator.liveLookSubject(deps.naming.subjectPrefix, view.fleet, view.experimentId));
  let last = figuresOf(view.lastLook);
  let lastAt = view.lastLook?.judgedAt ?? '';
  const pass = (look: orchestrator.ExperimentLook | undefined) => {
    if (!look || look.judgedAt <= lastAt || stopped()) return; // ISO times of one clock: text order is time order
    lastAt = look.judgedAt;
    const figures = figuresOf(look);
    if (figures !== last) sse.send('look', look);
    last = figures;
  };
  void (async () => {
    pass(await deps.lookOf().catch(() => undefined)); // a missed look is shown by the next one
    for await (const m of sub) {
      const look = orchestrator.ExperimentLook.safeParse(m.json());
      if (look.success) pass(look.data); // only the orchestrator may publish here: anything else is nobody's look
    }
  })();
  return () => sub.unsubscribe();
}

const verdictStatus = { promote: 'promoted', abort: 'aborted', inconclusive: 'inconclusive' } as const;

/** The status an event leaves the experiment in (the orchestrator's view says the same once it has the event). */
function statusAfter(event: ExperimentEvent, before: orchestrator.ExperimentStatus): orchestrator.ExperimentStatus {
  if (event.type === 'ExperimentDecided') return verdictStatus[event.data.outcome];
  return event.type === 'ExperimentStopped' ? 'stopped' : before;
}

/**
 * Streams one experiment: `snapshot` (the view when the stream opened), then each of its events in
 * stream order from the first (`experiment`), and `end` once an ended experiment's verdict is
 * carried out (at once for one that was settled when the stream opened). While it is open, each new
 * look of the decision loop (`look`: its figures changed) is sent too, as the orchestrator records it. Heartbeat comments keep
 * proxies from closing a quiet stream; the consumer is closed when the client goes.
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
  let ended = false;
  const stopLooks = followLooks(sse, deps, view, () => ended || res.writableEnded);
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
    ended = true;
    stopLooks();
    clearInterval(beat);
    await feed.close();
    sse.end();
  }
}
