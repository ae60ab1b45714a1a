import type { ServerResponse } from 'node:http';
import type { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { orchestrator } from '@keelson/requests';
import { aggregateSubject, eventStreams, type EventStoreNaming } from '@keelson/event-store';
import { isTerminalDeviceState, parseDeviceEvent, parseRolloutEvent, type DeviceEvent, type RolloutEvent } from '@keelson/events';
import { deviceFeedSubjects } from './device-feed-subjects.js';
import { EventFeed } from './event-feed.js';
import { LiveProgressFeed } from './live-progress-feed.js';
import { LiveTally } from './live-tally.js';
import { RevertTally, type Presence } from './revert-tally.js';
import { RevertWait } from './revert-wait.js';
import { SseWriter } from './sse-writer.js';

type RolloutView = orchestrator.RolloutView;
type EndStatus = 'succeeded' | 'failed' | 'aborted';

export interface LiveStreamDeps {
  /** Device id → name of the rollout's devices, sent once after the snapshot so watchers can name them. */
  names: Record<string, string>;
  nc: NatsConnection;
  naming: EventStoreNaming;
  /** What the gateway says of devices the stream heard nothing from (after an abort with `revert`). */
  presenceOf: (deviceIds: string[]) => Promise<Record<string, Presence>>;
  heartbeatMs: number;
  logger: Logger;
}

/** The rollout is over after these events; the stream says so and ends. */
export function endStatusOf(event: RolloutEvent): EndStatus | undefined {
  if (event.type === 'RolloutFinished') return event.data.outcome;
  if (event.type === 'RolloutAborted') return 'aborted';
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Device reports land before the orchestrator records their outcome, but two consumers deliver at
// their own pace: before `end`, let the device feed catch up (bounded, the client is waiting).
async function settle(feed: EventFeed<DeviceEvent>, idleMs = 200, maxMs = 2_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    if (feed.lastPending === 0 && Date.now() - feed.lastDeliveryAt >= idleMs) return;
    if (await feed.isEmptyOnServer()) return;
    await sleep(50);
  }
}

/**
 * Streams one rollout as SSE: `snapshot` (the view) and `devices` (their names), then every event of
 * the rollout's aggregate as `rollout` and every stored report of its devices as `device`, from
 * the start of the rollout, and the steps its devices enter from now on as `progress` (live only), each followed by a `summary` (per-wave tally, fleet impact and, after
 * an abort with `revert`, the reverts) when it changed one; `end` after it finished or was aborted
 * with `keep`. After an abort with `revert` the devices' revert reports keep coming, and `end`
 * follows once every revert has an outcome or waits for an offline device (`end.reverts` says how
 * many). Consumers are closed whenever the stream stops.
 */
export async function streamRollout(view: RolloutView, res: ServerResponse, deps: LiveStreamDeps): Promise<void> {
  const { nc, naming } = deps;
  const { fleet, rolloutId } = view;
  const sse = new SseWriter(res);
  const rollouts = new EventFeed<RolloutEvent>(nc, {
    stream: `${naming.streamPrefix}${eventStreams.orchestrator.name}`,
    subject: aggregateSubject(naming, 'rollout', fleet, rolloutId),
    parse: parseRolloutEvent,
  });
  const devices = new EventFeed<DeviceEvent>(nc, {
    stream: `${naming.streamPrefix}${eventStreams.gateway.name}`,
    subject: deviceFeedSubjects(naming, fleet),
    since: view.createdAt,
    parse: parseDeviceEvent,
  });
  const steps = new LiveProgressFeed(nc, naming.subjectPrefix, fleet, rolloutId);
  const gone = new Promise<'gone'>((resolve) => res.once('close', () => resolve('gone')));
  sse.open();
  sse.send('snapshot', view);
  sse.send('devices', { names: deps.names });
  const tally = new LiveTally(view);
  const reverts = new RevertTally(view);
  const summary = () => ({ ...tally.summary(), ...(reverts.counts() ? { reverts: reverts.counts() } : {}) });
  let deviceSeq = 0;
  const revertWait = new RevertWait({
    tally: reverts,
    devices,
    deviceSeq: () => deviceSeq,
    presenceOf: deps.presenceOf,
    onChange: () => sse.send('summary', summary()),
    onError: (err) => deps.logger.warn(`reverts of rollout ${rolloutId}: ${err instanceof Error ? err.message : 'unknown error'}`),
  });
  const beat = setInterval(() => sse.heartbeat(), deps.heartbeatMs);

  const rolloutLoop = (async (): Promise<EndStatus | 'gone'> => {
    for await (const fed of rollouts.events()) {
      sse.send('rollout', fed);
      const changed = [tally.onRollout(fed.event), reverts.onRollout(fed.event)].some(Boolean);
      if (changed) sse.send('summary', summary());
      const status = endStatusOf(fed.event);
      // An abort with revert ends the rollout, not what operators watch: the reverts follow.
      if (status && reverts.isReverting) void revertWait.poke();
      else if (status) return status;
    }
    return 'gone';
  })();
  const deviceLoop = (async (): Promise<'aborted' | 'gone'> => {
    for await (const fed of devices.events()) {
      // Decided: `end` follows, and no report after the ones that decided it comes before it.
      if (revertWait.isDone) return 'aborted';
      deviceSeq = fed.seq;
      const revertChanged = reverts.onDevice(fed.seq, fed.event);
      const report = fed.event.type === 'DeviceReportedProgress' && fed.event.data.rolloutId === rolloutId ? fed.event.data : undefined;
      if (report) sse.send('device', fed);
      if (report && isTerminalDeviceState(report.state)) steps.outcome(report.assignmentId);
      const tallyChanged = report !== undefined && tally.onDevice(report);
      if (tallyChanged || revertChanged) sse.send('summary', summary());
      // Decide on this event before the next is forwarded: a watcher that sees a later report and no
      // `end` before it knows this one did not end the reverts.
      await revertWait.poke();
    }
    return 'gone';
  })();
  // Steps go out as `progress` as they come; they never end the stream, and a late one after the
  // outcome is dropped by the feed.
  const stepLoop = (async () => {
    for await (const fed of steps.steps()) {
      sse.send('progress', fed);
      if (tally.onDevice(fed.event.data)) sse.send('summary', summary());
    }
  })();
  stepLoop.catch(() => undefined);
  const revertsDone = revertWait.done.then(() => 'aborted' as const);
  // Whichever loop fails first is reported; the other must not become an unhandled rejection later.
  rolloutLoop.catch(() => undefined);
  deviceLoop.catch(() => undefined);
  try {
    const outcome = await Promise.race([rolloutLoop, deviceLoop, revertsDone, gone]);
    if (outcome !== 'gone') {
      await settle(devices);
      sse.send('summary', summary());
      const end = reverts.end();
      sse.send('end', { rolloutId, status: outcome, ...(end ? { reverts: end } : {}) });
    }
  } catch (err) {
    deps.logger.error(`event stream of rollout ${rolloutId} failed: ${err instanceof Error ? err.message : 'unknown error'}`);
    sse.send('error', {
      error: { kind: 'Unavailable', code: 'events.unavailable', message: 'the event stream failed; reconnect to resume' },
    });
  } finally {
    clearInterval(beat);
    revertWait.stop();
    steps.close();
    await Promise.all([rollouts.close(), devices.close()]).catch(() => undefined);
    sse.end();
  }
}
