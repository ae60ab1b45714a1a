import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { deviceFeedSubjects } from './device-feed-subjects.js';
import { EventFeed, type FedEvent } from './event-feed.js';

// A rollout's live stream reads the fleet's device events through one ordered consumer over several
// subjects: the types it reads on typed subjects and the untyped events stored before them, in
// stream order; nothing of another fleet or another type.
describe('EventFeed over the typed subjects of a fleet', () => {
  const ns = testNamespace();
  const naming = { streamPrefix: ns.streamPrefix, subjectPrefix: ns.subjectPrefix };
  const stream = `${ns.streamPrefix}EV_FEED`;
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connectTestNats('event-feed-spec');
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${ns.subjectPrefix}ev.device.>`] });
    const js = jetstream(nc);
    const put = (subject: string, type: string, deviceId: string) =>
      js.publish(`${ns.subjectPrefix}ev.device.${subject}`, JSON.stringify({ type, data: { deviceId } }));
    await put('f1.d1', 'DeviceReportedProgress', 'd1'); // 1: untyped, stored before typed subjects
    await put('f1.d1', 'DeviceEnrolled', 'd1'); // 2: untyped, another type: old events are all read
    await put('f1.d1.DeviceEnrolled', 'DeviceEnrolled', 'd1'); // 3: a type the stream does not read
    await put('f1.d2.DeviceReportedProgress', 'DeviceReportedProgress', 'd2'); // 4
    await put('f2.d3.DeviceReportedProgress', 'DeviceReportedProgress', 'd3'); // 5: another fleet
    await put('f1.d2.DeviceHelloRecorded', 'DeviceHelloRecorded', 'd2'); // 6: not read
    await put('f1.d1.DeviceReachabilityChanged', 'DeviceReachabilityChanged', 'd1'); // 7
    await put('f1.d2.DeviceDecommissioned', 'DeviceDecommissioned', 'd2'); // 8
  });
  afterAll(async () => {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
    await nc.close();
  });

  it('delivers the types it reads and the untyped events, in stream order, and nothing else', async () => {
    const feed = new EventFeed<{ type: string; data: { deviceId: string } }>(nc, {
      stream,
      subject: deviceFeedSubjects(naming, 'f1'),
      parse: (raw) => raw as { type: string; data: { deviceId: string } },
    });
    const got: FedEvent<{ type: string; data: { deviceId: string } }>[] = [];
    for await (const fed of feed.events()) {
      got.push(fed);
      if (fed.seq === 8) break;
    }
    await feed.close();
    expect(got.map((f) => [f.seq, f.event.type, f.event.data.deviceId])).toEqual([
      [1, 'DeviceReportedProgress', 'd1'],
      [2, 'DeviceEnrolled', 'd1'],
      [4, 'DeviceReportedProgress', 'd2'],
      [7, 'DeviceReachabilityChanged', 'd1'],
      [8, 'DeviceDecommissioned', 'd2'],
    ]);
  });
});
